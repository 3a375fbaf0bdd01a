// Paired latency samples: the same request sent to both slots at the same instant, every probe-interval.
// Straight at each slot: `pre-traffic-urls` for both slots, or on HAProxy the two servers' own
// addresses (read from the runtime API) with the health URL's path, Host header and health-headers.
import type { Dispatcher } from 'undici';
import type { BodyCheck, ProbeTarget, Slot, StatusRange } from '../config/types.js';
import type { Check, CheckContext } from '../ports/checks.js';
import type { Signal } from '../judge/types.js';
import type { HaproxyProvider } from '../traffic/haproxy.js';
import { parseServersState, sendCommand } from '../traffic/haproxy-socket.js';
import { createProbeAgent, forSlot, probeUrl, type HttpProbeSettings } from './http-probe.js';

/** One request as each slot gets it: a URL per slot, what a healthy answer is, headers both share (a Host). */
export interface ProbePair {
  urls: Record<Slot, string>;
  expect: StatusRange[];
  body?: BodyCheck;
  headers?: Record<string, string>;
}

/** The pairs to probe, found once per deploy; `notes` say what was skipped and why. */
export type PairSource = (signal?: AbortSignal) => Promise<{ pairs: ProbePair[]; notes: string[] }>;

/** `fill` puts in what the lines leave to the run (`{url}`, the URL a hook handed back). */
export function preTrafficPairs(
  targets: readonly ProbeTarget[],
  fill: (url: string) => string = (u) => u,
): PairSource {
  return async () => ({
    pairs: targets.map((t) => ({
      urls: { blue: fill(forSlot(t.url, 'blue')), green: fill(forSlot(t.url, 'green')) },
      expect: t.expect,
      ...(t.body && { body: t.body }),
    })),
    notes: [],
  });
}

/** `show servers state <backend>` gives each server's own address: plain HTTP straight to it. */
export function haproxyServerPairs(
  provider: HaproxyProvider,
  targets: readonly ProbeTarget[],
  fill: (url: string) => string = (u) => u,
): PairSource {
  return async () => {
    const rows = parseServersState(
      await sendCommand(provider.socket, `show servers state ${provider.blue.backend}`),
    );
    const notes: string[] = [];
    const address: Partial<Record<Slot, string>> = {};
    for (const slot of ['blue', 'green'] as const) {
      const ref = provider[slot];
      const row = rows.find((r) => r.be_name === ref.backend && r.srv_name === ref.server);
      if (!row || !row.srv_addr || row.srv_addr === '-' || !row.srv_port || row.srv_port === '0') {
        notes.push(
          `compare-to-stable: no address for ${ref.backend}/${ref.server} in show servers state; latency is compared on HAProxy's averages only`,
        );
        continue;
      }
      if (row.srv_use_ssl === '1') {
        notes.push(
          `compare-to-stable: ${ref.backend}/${ref.server} uses TLS, which the paired probes do not speak; latency is compared on HAProxy's averages only`,
        );
        continue;
      }
      const host = row.srv_addr.includes(':') ? `[${row.srv_addr}]` : row.srv_addr;
      address[slot] = `${host}:${row.srv_port}`;
    }
    if (!address.blue || !address.green) return { pairs: [], notes };
    const pairs = targets.map((t): ProbePair => {
      const u = new URL(fill(t.url));
      const path = `${u.pathname}${u.search}`;
      return {
        urls: { blue: `http://${address.blue}${path}`, green: `http://${address.green}${path}` },
        expect: t.expect,
        ...(t.body && { body: t.body }),
        // the server sees the request as users send it
        headers: { host: u.host },
      };
    });
    return { pairs, notes };
  };
}

export class PairedProbeCheck implements Check {
  readonly name = 'paired-probes';
  private pairs: ProbePair[] | undefined;
  private next = 0;
  private readonly dispatcher: Dispatcher;
  private readonly owned: ReturnType<typeof createProbeAgent> | undefined;

  constructor(
    private readonly settings: Pick<HttpProbeSettings, 'healthHeaders' | 'probeTimeoutMs'>,
    private readonly source: PairSource,
    private readonly deps: {
      now?: () => number;
      dispatcher?: Dispatcher;
      warn?: (message: string) => void;
    } = {},
  ) {
    this.owned = deps.dispatcher ? undefined : createProbeAgent();
    this.dispatcher = deps.dispatcher ?? this.owned!;
  }

  private async resolve(signal?: AbortSignal): Promise<ProbePair[]> {
    if (this.pairs) return this.pairs;
    const found = await this.source(signal);
    for (const n of found.notes) this.deps.warn?.(n);
    this.pairs = found.pairs;
    return this.pairs;
  }

  async begin(ctx: CheckContext): Promise<void> {
    await this.resolve(ctx.signal);
  }

  async collect(ctx: CheckContext): Promise<Signal[]> {
    const pairs = await this.resolve(ctx.signal);
    const now = this.deps.now ?? (() => ctx.now);
    // a Host the user set in health-headers wins over the health URL's
    const ownHost = Object.keys(this.settings.healthHeaders).some((k) => k.toLowerCase() === 'host');
    const one = (p: ProbePair, slot: Slot, pair: number) =>
      probeUrl(p.urls[slot], {
        expect: p.expect,
        ...(p.body && { body: p.body }),
        headers: { ...(ownHost ? {} : p.headers), ...this.settings.healthHeaders },
        timeoutMs: this.settings.probeTimeoutMs,
        now,
        dispatcher: this.dispatcher,
        via: 'slot',
        ...(ctx.signal && { signal: ctx.signal }),
      }).then((s): Signal => ({ ...s, slot, pair }));
    // the two requests of a pair leave together: same instant, same conditions
    const sent = pairs.flatMap((p) => {
      const id = ++this.next;
      return [one(p, ctx.target, id), one(p, ctx.live, id)];
    });
    return Promise.all(sent);
  }

  async close(): Promise<void> {
    await this.owned?.close();
  }
}
