// Samples HAProxy's per-server weight and request counters while a deploy runs, to show the split clients really got.
import type { SocketAddress } from '../src/config/types.js';
import { SHOW_SERVER_STATS, parseShowStat, sendCommand } from '../src/traffic/haproxy-socket.js';

export interface SplitSegment {
  /** configured weights while this segment lasted (HAProxy absolute = percent here) */
  weights: { blue: number; green: number };
  /** requests HAProxy sent to each server during the segment */
  requests: { blue: number; green: number };
  /** green's share of those requests, percent */
  greenSharePct: number;
  durationMs: number;
}

interface Sample {
  at: number;
  weight: { blue: number; green: number };
  req: { blue: number; green: number };
}

export interface SplitSampler {
  stop(): Promise<SplitSegment[]>;
}

/** Polls `show stat` every `everyMs` on `backend` servers `blue` and `green` until stopped. */
export function sampleSplit(socket: SocketAddress, backend: string, everyMs = 100): SplitSampler {
  const samples: Sample[] = [];
  let stopping = false;
  const read = async (): Promise<Sample> => {
    const rows = parseShowStat(await sendCommand(socket, SHOW_SERVER_STATS));
    const row = (sv: string) => {
      const r = rows.find((x) => x.pxname === backend && x.svname === sv);
      if (!r) throw new Error(`split sampler: no server ${backend}/${sv} in show stat`);
      return { weight: Number(r.uweight ?? r.weight), req: Number(r.req_tot) };
    };
    const b = row('blue');
    const g = row('green');
    return {
      at: performance.now(),
      weight: { blue: b.weight, green: g.weight },
      req: { blue: b.req, green: g.req },
    };
  };
  const loop = (async () => {
    while (!stopping) {
      try {
        samples.push(await read());
      } catch {
        // HAProxy busy or restarting: a missed sample only blurs a boundary
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
    samples.push(await read());
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      return segments(samples);
    },
  };
}

/** Consecutive samples with the same weights form a segment; its requests are the counter deltas within it. */
export function segments(samples: Sample[]): SplitSegment[] {
  const out: SplitSegment[] = [];
  let start = 0;
  for (let i = 1; i <= samples.length; i++) {
    const cur = samples[i];
    const first = samples[start]!;
    if (cur && cur.weight.blue === first.weight.blue && cur.weight.green === first.weight.green) continue;
    // The interval in which the weights changed is left out, and the next one too: requests
    // dispatched just before a change are counted when they finish, so they would show up in the
    // new segment. Each share is then measured at one known weight; two intervals per step are lost.
    const from = samples[Math.min(start + (start > 0 ? 1 : 0), i - 1)]!;
    const to = samples[i - 1]!;
    const blue = to.req.blue - from.req.blue;
    const green = to.req.green - from.req.green;
    if (blue + green > 0) {
      out.push({
        weights: first.weight,
        requests: { blue, green },
        greenSharePct: Math.round((green / (blue + green)) * 1000) / 10,
        durationMs: Math.round(to.at - from.at),
      });
    }
    start = i;
  }
  return out;
}
