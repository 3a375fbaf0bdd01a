// HAProxy in master-worker mode (-W), reloaded with SIGUSR2 after rewriting its cfg: how hand-written scripts switch.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SocketAddress } from '../src/config/types.js';
import { freePort, spawnHaproxy } from '../__tests__/helpers/haproxy.js';

export const HAPROXY_BIN = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';

export interface MasterWorker {
  frontendUrl: string;
  socket: SocketAddress;
  masterPid: number;
  /** rewrite the cfg with these absolute weights, then return; call reload() to apply */
  writeWeights(w: { blue: number; green: number }): Promise<void>;
  /** SIGUSR2 to the master: it re-reads the cfg, starts new workers, soft-stops the old ones */
  reload(): void;
  output(): string;
  stop(): Promise<void>;
}

export async function startMasterWorker(opts: {
  servers: { blue: number; green: number };
  weights: { blue: number; green: number };
}): Promise<MasterWorker> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'glidepath-bench-mw-'));
  const cfgPath = path.join(dir, 'haproxy.cfg');
  const sockPath = path.join(dir, 'admin.sock');
  const socket: SocketAddress = { kind: 'unix', path: sockPath };
  const port = await freePort();
  const cfg = (w: { blue: number; green: number }) =>
    [
      'global',
      `  stats socket ${sockPath} mode 600 level admin`,
      '',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 10s',
      '  timeout server 10s',
      '',
      'frontend fe',
      `  bind 127.0.0.1:${port}`,
      '  default_backend web',
      '',
      'backend web',
      '  balance roundrobin',
      `  server blue 127.0.0.1:${opts.servers.blue} weight ${w.blue} check inter 1s`,
      `  server green 127.0.0.1:${opts.servers.green} weight ${w.green} check inter 1s`,
      '',
    ].join('\n');
  await writeFile(cfgPath, cfg(opts.weights));

  // -W master-worker, -db foreground: the PID we spawned is the master, which stops its workers on SIGTERM
  const { pid, output, stop } = await spawnHaproxy(['-W', '-db', '-f', cfgPath], socket, dir);

  return {
    frontendUrl: `http://127.0.0.1:${port}`,
    socket,
    masterPid: pid,
    writeWeights: (w) => writeFile(cfgPath, cfg(w)),
    reload: () => process.kill(pid, 'SIGUSR2'),
    output,
    stop,
  };
}
