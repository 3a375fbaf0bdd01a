// A loopback stand-in for one slot's app: 200 {"status":"ready","version":name}, or 500 on a deterministic share.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AppBehaviour {
  /** fraction 0..1 of requests answered 500, spread evenly (rate 0.1 → every 10th) so runs repeat */
  errorRate?: number;
  /** added before answering, ms */
  extraLatencyMs?: number;
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
  let behaviour: Required<AppBehaviour> = {
    errorRate: opts.errorRate ?? 0,
    extraLatencyMs: opts.extraLatencyMs ?? 0,
  };
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
    const fail = due > errorsSinceSet;
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
    if (behaviour.extraLatencyMs > 0) setTimeout(answer, behaviour.extraLatencyMs);
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
      behaviour = {
        errorRate: next.errorRate ?? behaviour.errorRate,
        extraLatencyMs: next.extraLatencyMs ?? behaviour.extraLatencyMs,
      };
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
