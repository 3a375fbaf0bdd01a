// Real-traffic signals from HAProxy's own counters: requests and 5xx per slot since the last reading.
import type { Slot } from '../config/types.js';
import type { Check, CheckContext } from '../ports/checks.js';
import type { Signal } from '../judge/types.js';
import type { HaproxyProvider } from '../traffic/haproxy.js';
import { SHOW_SERVER_STATS, findServerRow, parseShowStat, sendCommand } from '../traffic/haproxy-socket.js';

interface Counters {
  /** requests with an outcome: `req_tot` (answered) plus `eresp` (broken off) */
  requests: number;
  /** failed requests: 5xx the server answered (`hrsp_5xx`) plus responses it broke off (`eresp`) */
  errors5xx: number;
  /** HAProxy's rolling mean response time (last 1024 requests), ms */
  rtimeMs: number | undefined;
}

type Reading = Record<Slot, Counters>;

const SLOTS: readonly Slot[] = ['blue', 'green'];

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
 * Real-traffic counters are cheap to read (one `show stat` round trip, well under a millisecond on a
 * unix socket): this often, whatever probe-interval is, so a hard failure is seen within ~100 ms.
 */
export const HAPROXY_STATS_CADENCE_MS = 100;

export class HaproxyStatsCheck implements Check {
  readonly name = 'haproxy-stats';
  readonly cadenceMs: number;
  private baseline: Reading | undefined;

  constructor(
    private readonly provider: HaproxyProvider,
    private readonly opts: { timeoutMs?: number; cadenceMs?: number } = {},
  ) {
    this.cadenceMs = opts.cadenceMs ?? HAPROXY_STATS_CADENCE_MS;
  }

  private async readCounters(): Promise<Reading> {
    const reply = await sendCommand(
      this.provider.socket,
      SHOW_SERVER_STATS,
      this.opts.timeoutMs === undefined ? {} : { timeoutMs: this.opts.timeoutMs },
    );
    const rows = parseShowStat(reply);
    const one = (slot: Slot): Counters => {
      const row = findServerRow(rows, this.provider[slot], `${slot}-target`, this.provider.socket);
      // a request whose response the server broke off counts in eresp, not in req_tot (HAProxy 2.6,
      // measured): it is a request, and a failed one
      const broken = num(row.eresp) ?? 0;
      return {
        requests: (num(row.req_tot) ?? 0) + broken,
        errors5xx: (num(row.hrsp_5xx) ?? 0) + broken,
        rtimeMs: num(row.rtime),
      };
    };
    return { blue: one('blue'), green: one('green') };
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
    return SLOTS.map((slot): Signal => {
      const requests = delta(now[slot].requests, before[slot].requests);
      const errors5xx = delta(now[slot].errors5xx, before[slot].errors5xx);
      const signal: Signal = { kind: 'traffic', at: ctx.now, slot, source: 'haproxy', requests, errors5xx };
      const rtime = now[slot].rtimeMs;
      if (requests > 0 && rtime !== undefined) signal.meanLatencyMs = rtime;
      return signal;
    });
  }
}
