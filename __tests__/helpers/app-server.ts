// A loopback stand-in for one slot's app: 200 {"status":"ready","version":name}, or 500 on a deterministic share.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AppBehaviour {
  /** fraction 0..1 of requests answered 500, spread evenly (rate 0.1 → every 10th) so runs repeat */
  errorRate?: number;
  /** added before answering, ms */
  extraLatencyMs?: number;
  /**
   * independent random 500s and slow answers on top of the rest, drawn from a seeded generator so a
   * run repeats: `errorRate` of requests fail, `slowShare` of them take `slowMs` longer
   */
  random?: { errorRate: number; slowShare: number; slowMs: number; seed?: number };
}

/** mulberry32 */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface AppServer {
  port: number;
  url: string;
  /** change behaviour at run time; counters keep running */
  set(opts: AppBehaviour): void;
  /** `maxInFlight`: the most requests it was answering at once */
  stats(): { requests: number; errors: number; maxInFlight: number };
  /** performance.now() when the first 500 after the last set() was answered */
  firstErrorAt(): number | undefined;
  close(): Promise<void>;
}

export async function startAppServer(opts: { name: string } & AppBehaviour): Promise<AppServer> {
  let behaviour: Required<Omit<AppBehaviour, 'random'>> & Pick<AppBehaviour, 'random'> = {
    errorRate: opts.errorRate ?? 0,
    extraLatencyMs: opts.extraLatencyMs ?? 0,
    ...(opts.random && { random: opts.random }),
  };
  let draw = seeded(opts.random?.seed ?? 1);
  let requests = 0;
  let errors = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  // errors counted against requests since the last set(), so a new rate starts cleanly
  let sinceSet = 0;
  let errorsSinceSet = 0;
  let firstErrorAt: number | undefined;

  const server = http.createServer((req, res) => {
    requests++;
    sinceSet++;
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    res.once('close', () => inFlight--);
    // the n-th request fails when floor(n·rate) steps up: exactly round-down(n·rate) errors after n requests
    const due = Math.floor(sinceSet * behaviour.errorRate + 1e-9);
    const random = behaviour.random;
    const fail = due > errorsSinceSet || (random !== undefined && draw() < random.errorRate);
    const delayMs = behaviour.extraLatencyMs + (random && draw() < random.slowShare ? random.slowMs : 0);
    if (fail) {
      errorsSinceSet++;
      errors++;
    }
    const answer = () => {
      const body = JSON.stringify(
        fail ? { status: 'error', version: opts.name } : { status: 'ready', version: opts.name },
      );
      res.writeHead(fail ? 500 : 200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      if (fail) firstErrorAt ??= performance.now();
    };
    req.resume();
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    set(next) {
      const random = next.random ?? behaviour.random;
      behaviour = {
        errorRate: next.errorRate ?? behaviour.errorRate,
        extraLatencyMs: next.extraLatencyMs ?? behaviour.extraLatencyMs,
        ...(random && { random }),
      };
      if (next.random) draw = seeded(next.random.seed ?? 1);
      sinceSet = 0;
      errorsSinceSet = 0;
      firstErrorAt = undefined;
    },
    firstErrorAt: () => firstErrorAt,
    stats: () => ({ requests, errors, maxInFlight }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
