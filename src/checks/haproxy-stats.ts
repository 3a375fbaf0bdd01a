// Real-traffic signals from HAProxy's own counters: requests and 5xx per slot since the last reading, over its servers and instances.
import type { Slot } from '../config/types.js';
import type { Check, CheckContext } from '../ports/checks.js';
import type { Signal } from '../judge/types.js';
import type { HaproxyProvider } from '../traffic/haproxy.js';
import { HaproxyInstance } from '../traffic/haproxy-instance.js';
import { SLOTS, serverName } from '../traffic/haproxy-servers.js';

interface Counters {
  slot: Slot;
  /** requests with an outcome: `req_tot` (answered) plus `eresp` (broken off) */
  requests: number;
  /** failed requests: 5xx the server answered (`hrsp_5xx`) plus responses it broke off (`eresp`) */
  errors5xx: number;
  /** HAProxy's rolling mean response time (last 1024 requests), ms */
  rtimeMs: number | undefined;
}

/** Every server of both slots on every instance, keyed by instance and server. */
type Reading = Map<string, Counters>;

function num(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Counters only grow while HAProxy lives; a smaller value means it restarted, and everything it
 * counted since then is new traffic, so the new value itself is the delta.
 */
function delta(now: number, before: number): number {
  return now >= before ? now - before : now;
}

/**
 * Real-traffic counters are cheap to read (one `show stat` round trip per instance, well under a
 * millisecond on a unix socket): this often, whatever probe-interval is, so a hard failure is seen
 * within ~100 ms.
 */
export const HAPROXY_STATS_CADENCE_MS = 100;

/**
 * Each slot's requests and failed requests since the last reading, summed over its servers and over
 * every HAProxy instance of the deploy; the mean response time is the servers' rolling means
 * weighted by the requests each served in the window (averages are never summed).
 */
export class HaproxyStatsCheck implements Check {
  readonly name = 'haproxy-stats';
  readonly cadenceMs: number;
  private baseline: Reading | undefined;
  private readonly instances: HaproxyInstance[];

  constructor(
    private readonly provider: HaproxyProvider,
    opts: { timeoutMs?: number; cadenceMs?: number } = {},
  ) {
    this.cadenceMs = opts.cadenceMs ?? HAPROXY_STATS_CADENCE_MS;
    const timeout = opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs };
    this.instances = provider.sockets.map((a) => new HaproxyInstance(a, timeout));
  }

  private async readCounters(): Promise<Reading> {
    // every instance at once; one that cannot be read fails the reading, naming it: the judge must
    // never see part of the traffic as all of it
    const settled = await Promise.allSettled(this.instances.map((i) => i.slots(this.provider)));
    const failed = settled.flatMap((r) =>
      r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : [],
    );
    if (failed.length > 0) throw new Error(failed.join('; '));
    const reading: Reading = new Map();
    settled.forEach((r, n) => {
      if (r.status !== 'fulfilled') return;
      for (const slot of SLOTS) {
        for (const server of r.value[slot]) {
          const row = server.row;
          // a request whose response the server broke off counts in eresp, not in req_tot (HAProxy
          // 2.6, measured): it is a request, and a failed one
          const broken = num(row.eresp) ?? 0;
          reading.set(`${this.instances[n]!.name} ${serverName(server)}`, {
            slot,
            requests: (num(row.req_tot) ?? 0) + broken,
            errors5xx: (num(row.hrsp_5xx) ?? 0) + broken,
            rtimeMs: num(row.rtime),
          });
        }
      }
    });
    return reading;
  }

  /** Baseline at the start of a step; counters are never cleared (other tools read them too). */
  async begin(_ctx: CheckContext): Promise<void> {
    this.baseline = await this.readCounters();
  }

  async collect(ctx: CheckContext): Promise<Signal[]> {
    const now = await this.readCounters();
    // Without begin() the first reading is the baseline: lifetime totals are never reported as a window.
    const before = this.baseline ?? now;
    this.baseline = now;
    const sums = new Map<Slot, { requests: number; errors5xx: number; timed: number; rtimeSum: number }>(
      SLOTS.map((slot) => [slot, { requests: 0, errors5xx: 0, timed: 0, rtimeSum: 0 }]),
    );
    for (const [key, c] of now) {
      const was = before.get(key);
      // a server the slot gained since the last reading (added at run time) counts from its start
      const requests = was ? delta(c.requests, was.requests) : c.requests;
      const errors = was ? delta(c.errors5xx, was.errors5xx) : c.errors5xx;
      const sum = sums.get(c.slot)!;
      sum.requests += requests;
      sum.errors5xx += errors;
      if (requests > 0 && c.rtimeMs !== undefined) {
        sum.timed += requests;
        sum.rtimeSum += c.rtimeMs * requests;
      }
    }
    return SLOTS.map((slot): Signal => {
      const { requests, errors5xx, timed, rtimeSum } = sums.get(slot)!;
      const signal: Signal = { kind: 'traffic', at: ctx.now, slot, source: 'haproxy', requests, errors5xx };
      if (timed > 0) signal.meanLatencyMs = rtimeSum / timed;
      return signal;
    });
  }
}
