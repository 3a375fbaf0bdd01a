// Paired latency samples: the same request sent to both slots at the same instant, every probe-interval.
// Straight at each slot: `pre-traffic-urls` for both slots, or on HAProxy the slots' servers' own
// addresses (read from the runtime API) with the health URL's path, Host header and health-headers.
import type { Dispatcher } from 'undici';
import type { BodyCheck, ProbeTarget, Slot, StatusRange } from '../config/types.js';
import type { Check, CheckContext } from '../ports/checks.js';
import type { Signal } from '../judge/types.js';
import type { HaproxyProvider } from '../traffic/haproxy.js';
import { parseServersState } from '../traffic/haproxy-socket.js';
import { HaproxyInstance } from '../traffic/haproxy-instance.js';
import { serverName } from '../traffic/haproxy-servers.js';
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

/**
 * `show servers state <backend>` gives each server's own address: plain HTTP straight to it. With
 * several servers per slot, the pairs go round them (blue's i-th with green's i-th, the shorter list
 * wrapping), so every server that takes traffic is probed; servers that cannot take traffic now
 * (DOWN, DRAIN, MAINT) are left out. The first HAProxy instance is asked: a pair of instances fronts
 * the same servers (the router refuses a deploy whose instances list different ones).
 */
export function haproxyServerPairs(
  provider: HaproxyProvider,
  targets: readonly ProbeTarget[],
  fill: (url: string) => string = (u) => u,
): PairSource {
  return async () => {
    const instance = new HaproxyInstance(provider.sockets[0]!);
    const servers = await instance.slots(provider);
    const rows = parseServersState(await instance.send(`show servers state ${provider.blue.backend}`));
    const notes: string[] = [];
    const addresses: Record<Slot, string[]> = { blue: [], green: [] };
    for (const slot of ['blue', 'green'] as const) {
      for (const server of servers[slot].filter((s) => s.eligible)) {
        const name = serverName(server);
        const row = rows.find((r) => r.be_name === server.backend && r.srv_name === server.server);
        if (!row || !row.srv_addr || row.srv_addr === '-' || !row.srv_port || row.srv_port === '0') {
          notes.push(
            `compare-to-stable: no address for ${name} in show servers state; latency is compared on HAProxy's averages only`,
          );
          continue;
        }
        if (row.srv_use_ssl === '1') {
          notes.push(
            `compare-to-stable: ${name} uses TLS, which the paired probes do not speak; latency is compared on HAProxy's averages only`,
          );
          continue;
        }
        const host = row.srv_addr.includes(':') ? `[${row.srv_addr}]` : row.srv_addr;
        addresses[slot].push(`${host}:${row.srv_port}`);
      }
    }
    const { blue, green } = addresses;
    if (blue.length === 0 || green.length === 0) return { pairs: [], notes };
    const rounds = Math.max(blue.length, green.length);
    const pairs = targets.flatMap((t) => {
      const u = new URL(fill(t.url));
      const path = `${u.pathname}${u.search}`;
      return Array.from({ length: rounds }, (_, i): ProbePair => ({
        urls: {
          blue: `http://${blue[i % blue.length]}${path}`,
          green: `http://${green[i % green.length]}${path}`,
        },
        expect: t.expect,
        ...(t.body && { body: t.body }),
        // the server sees the request as users send it
        headers: { host: u.host },
      }));
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
