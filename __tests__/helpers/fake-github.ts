// A loopback server playing the GitHub REST API: records every request, answers with `answer`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/** a reply, or 'hang' to never answer */
export type Reply = { status: number; json?: unknown } | 'hang';

export interface FakeGithub {
  url: string;
  close(): Promise<void>;
}

export async function startFakeGithub(
  answer: (r: Received) => Reply,
  onRequest: (r: Received) => void,
): Promise<FakeGithub> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body: raw ? JSON.parse(raw) : undefined,
      };
      onRequest(r);
      const reply = answer(r);
      if (reply === 'hang') return;
      res.statusCode = reply.status;
      res.setHeader('content-type', 'application/json');
      res.end(reply.json === undefined ? '' : JSON.stringify(reply.json));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
