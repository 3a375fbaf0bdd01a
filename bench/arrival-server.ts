// An app server that notes when each request arrives, so a switch can be timed at the server that gets the traffic.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ArrivalServer {
  port: number;
  /** performance.now() of every request since the last reset() */
  arrivals: number[];
  reset(): void;
  close(): Promise<void>;
}

export async function startArrivalServer(name: string): Promise<ArrivalServer> {
  let arrivals: number[] = [];
  const body = JSON.stringify({ status: 'ready', version: name });
  const server = http.createServer((req, res) => {
    arrivals.push(performance.now());
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    get arrivals() {
      return arrivals;
    },
    reset: () => {
      arrivals = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
