// Clients that keep their persistence cookie (`SRV=...`), as browsers of a session-bound app do: each
// sends requests one after another on its own keep-alive connection, sends back the cookie HAProxy set,
// and now and then starts a new session (drops it), so new sessions land where the weights say.
import http from 'node:http';

export interface StickyRequest {
  /** Date.now() just before the request left */
  sent: number;
  client: number;
  /** the cookie value sent with it, if any: the server the client was pinned to */
  cookie?: string;
  /** which app answered (its `version`), '' when the request failed */
  server: string;
  status: number;
}

export interface StickyClients {
  /** every request so far */
  log: StickyRequest[];
  stop(): Promise<StickyRequest[]>;
}

/** `clients` loops against `url`, each dropping its cookie every `sessionEvery` requests. */
export function startStickyClients(
  url: string,
  opts: { clients?: number; pauseMs?: number; sessionEvery?: number } = {},
): StickyClients {
  const log: StickyRequest[] = [];
  let running = true;
  const loop = async (client: number) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let cookie: string | undefined;
    try {
      for (let n = 0; running; n++) {
        if (n % (opts.sessionEvery ?? 10) === 0) cookie = undefined;
        const sent = Date.now();
        const sentCookie = cookie;
        const answer = await new Promise<{ status: number; body: string; setCookie?: string }>((resolve) => {
          const req = http.get(
            url,
            { agent, timeout: 5000, headers: sentCookie ? { cookie: `SRV=${sentCookie}` } : {} },
            (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (d: string) => (body += d));
              res.on('end', () =>
                resolve({
                  status: res.statusCode ?? 0,
                  body,
                  setCookie: res.headers['set-cookie']?.join('; '),
                }),
              );
            },
          );
          req.on('timeout', () => req.destroy(new Error('timeout')));
          req.on('error', () => resolve({ status: 0, body: '' }));
        });
        const set = /SRV=([^;]+)/.exec(answer.setCookie ?? '')?.[1];
        if (set) cookie = set;
        let server = '';
        try {
          server = String((JSON.parse(answer.body) as { version?: unknown }).version ?? '');
        } catch {
          // not the app's JSON (HAProxy's own 503 page)
        }
        log.push({
          sent,
          client,
          ...(sentCookie ? { cookie: sentCookie } : {}),
          server,
          status: answer.status,
        });
        await new Promise((r) => setTimeout(r, opts.pauseMs ?? 15));
      }
    } finally {
      agent.destroy();
    }
  };
  const loops = Array.from({ length: opts.clients ?? 6 }, (_, i) => loop(i));
  return {
    log,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return log;
    },
  };
}
