// HAProxy in master-worker mode (-W), reloaded with SIGUSR2 after rewriting its cfg: how hand-written scripts switch.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SocketAddress } from '../src/config/types.js';
import { sendCommand } from '../src/traffic/haproxy-socket.js';
import { freePort } from '../__tests__/helpers/haproxy.js';

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
  const child = spawn(HAPROXY_BIN, ['-W', '-db', '-f', cfgPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const t = setTimeout(
        () => child.exitCode === null && child.pid !== undefined && process.kill(child.pid, 'SIGKILL'),
        3000,
      );
      await exited;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(
        `haproxy -W exited (${child.exitCode ?? child.signalCode}) before its socket answered:\n${out}`,
      );
    }
    try {
      if ((await sendCommand(socket, 'show info', { timeoutMs: 500 })).includes('Pid:')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy -W: runtime API did not answer within 5 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  return {
    frontendUrl: `http://127.0.0.1:${port}`,
    socket,
    masterPid: child.pid!,
    writeWeights: (w) => writeFile(cfgPath, cfg(w)),
    reload: () => process.kill(child.pid!, 'SIGUSR2'),
    output: () => out,
    stop,
  };
}
