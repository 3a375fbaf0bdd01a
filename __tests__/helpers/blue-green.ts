// The usual bench of the bundle's HAProxy tests: v1 on blue and v2 on green behind a real HAProxy
// (one backend `web`, a unix runtime socket) and a router reading it, started together.
import { HaproxyRouter } from '../../src/traffic/haproxy.js';
import { startAppServer, type AppServer } from './app-server.js';
import { startHaproxy, type RunningHaproxy } from './haproxy.js';

export interface BlueGreen {
  blue: AppServer;
  green: AppServer;
  hp: RunningHaproxy;
  router: HaproxyRouter;
}

export async function startBlueGreen(): Promise<BlueGreen> {
  const blue = await startAppServer({ name: 'v1' });
  const green = await startAppServer({ name: 'v2' });
  const hp = await startHaproxy({ servers: { blue: blue.port, green: green.port }, socket: 'unix' });
  const router = new HaproxyRouter({
    kind: 'haproxy',
    sockets: [hp.socketAddress],
    blue: { backend: 'web', servers: ['blue'] },
    green: { backend: 'web', servers: ['green'] },
  });
  return { blue, green, hp, router };
}
