// Test harness: a real HAProxy on loopback (runtime API on a unix or tcp socket) in front of two app servers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SocketAddress } from '../../src/config/types.js';
import { parseShowStat, sendCommand } from '../../src/traffic/haproxy-socket.js';

/** PATH may lack /usr/sbin for a non-root user; Debian installs haproxy there. */
function haproxyBin(): string | undefined {
  for (const candidate of [
    process.env.HAPROXY_BIN,
    'haproxy',
    '/usr/sbin/haproxy',
    '/usr/local/sbin/haproxy',
  ]) {
    if (!candidate) continue;
    if (candidate.includes('/') && !existsSync(candidate)) continue;
    const r = spawnSync(candidate, ['-v'], { stdio: 'ignore', timeout: 5000 });
    if (r.status === 0) return candidate;
  }
  return undefined;
}

let cachedBin: string | undefined | null = null;
function bin(): string | undefined {
  if (cachedBin === null) cachedBin = haproxyBin();
  return cachedBin;
}

export function haproxyAvailable(): boolean {
  const ok = bin() !== undefined;
  if (!ok) {
    console.warn(
      '\n!!! haproxy not found (PATH, /usr/sbin): HAProxy integration tests are SKIPPED. Install it: apt-get install -y haproxy\n',
    );
  }
  return ok;
}

/** A loopback port free right now (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** One server line of backend web. */
export interface HaproxyServer {
  name: string;
  port: number;
  weight: number;
}

export interface HaproxyOptions {
  /** one server per slot (`blue`, `green`), or every server of backend web by name */
  servers: { blue: number; green: number } | HaproxyServer[];
  /** absolute HAProxy weights in the cfg for one server per slot; default blue 100, green 0 */
  weights?: { blue: number; green: number };
  /** cookie persistence, as session-bound apps have it: `cookie SRV insert indirect nocache`, each server's cookie its name */
  cookie?: boolean;
  socket: 'unix' | 'tcp';
  /** `balance` line of backend web; default roundrobin */
  balance?: string;
  /** the backend's name; default web */
  backend?: string;
}

export interface RunningHaproxy {
  frontendUrl: string;
  socketAddress: SocketAddress;
  socketPath?: string;
  pid: number;
  cfgPath: string;
  /** what HAProxy printed so far (warnings, alerts) */
  output(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
// a crashed test run must not leave HAProxy behind
process.once('exit', () => {
  for (const c of live) if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
});

export interface HaproxyProcess {
  pid: number;
  /** the last 8000 characters HAProxy printed */
  output(): string;
  /** SIGTERM by PID (SIGKILL after 3 s), then remove `dir` */
  stop(): Promise<void>;
}

/**
 * Starts `haproxy <args>` in the foreground and resolves once its runtime API answers (5 s bound,
 * or as soon as HAProxy exits); killed by PID on stop() and if the test process exits first.
 * Shared by the test harness and the bench's master-worker HAProxy.
 */
export async function spawnHaproxy(
  args: string[],
  socket: SocketAddress,
  dir: string,
  context = '',
): Promise<HaproxyProcess> {
  const haproxy = bin();
  if (!haproxy) throw new Error('haproxy is not installed; guard the suite with haproxyAvailable()');
  const child = spawn(haproxy, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => live.delete(child));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      }, 3000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(
        `haproxy ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before its socket answered:\n${out}\n${context}`,
      );
    }
    try {
      const info = await sendCommand(socket, 'show info', { timeoutMs: 500 });
      if (info.includes('Pid:')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy's runtime API did not answer within 5s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { pid: child.pid as number, output: () => out, stop };
}

export async function startHaproxy(opts: HaproxyOptions): Promise<RunningHaproxy> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'glidepath-haproxy-'));
  const cfgPath = path.join(dir, 'haproxy.cfg');
  const frontendPort = await freePort();
  const weights = opts.weights ?? { blue: 100, green: 0 };
  const servers: HaproxyServer[] = Array.isArray(opts.servers)
    ? opts.servers
    : [
        { name: 'blue', port: opts.servers.blue, weight: weights.blue },
        { name: 'green', port: opts.servers.green, weight: weights.green },
      ];

  let socketAddress: SocketAddress;
  let socketLine: string;
  let socketPath: string | undefined;
  if (opts.socket === 'unix') {
    socketPath = path.join(dir, 'admin.sock');
    socketAddress = { kind: 'unix', path: socketPath };
    socketLine = `stats socket ${socketPath} mode 600 level admin`;
  } else {
    const port = await freePort();
    socketAddress = { kind: 'tcp', host: '127.0.0.1', port };
    socketLine = `stats socket ipv4@127.0.0.1:${port} level admin`;
  }

  const cfg = [
    'global',
    `  ${socketLine}`,
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 10s',
    '  timeout server 10s',
    '',
    'frontend fe',
    `  bind 127.0.0.1:${frontendPort}`,
    `  default_backend ${opts.backend ?? 'web'}`,
    '',
    `backend ${opts.backend ?? 'web'}`,
    `  balance ${opts.balance ?? 'roundrobin'}`,
    ...(opts.cookie ? ['  cookie SRV insert indirect nocache'] : []),
    ...servers.map(
      (sv) =>
        `  server ${sv.name} 127.0.0.1:${sv.port} weight ${sv.weight}${opts.cookie ? ` cookie ${sv.name}` : ''} check inter 1s`,
    ),
    '',
  ].join('\n');
  await writeFile(cfgPath, cfg);

  // -db: stay in the foreground, so the PID we spawned is HAProxy itself and killing it is sure
  const { pid, output, stop } = await spawnHaproxy(
    ['-db', '-f', cfgPath],
    socketAddress,
    dir,
    `cfg:\n${cfg}`,
  );
  const deadline = Date.now() + 5000;

  // Until its first check a server reads `UP 1/3` with check_status `INI` (`* INI` while that
  // check runs); wait for the first result so every test starts from settled statuses.
  for (;;) {
    const rows = parseShowStat(await sendCommand(socketAddress, 'show stat -1 4 -1'));
    if (!rows.some((r) => /\bINI$/.test(r.check_status ?? ''))) break;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    frontendUrl: `http://127.0.0.1:${frontendPort}`,
    socketAddress,
    ...(socketPath ? { socketPath } : {}),
    pid,
    cfgPath,
    output,
    stop,
  };
}

/**
 * Send `count` sequential GETs over ONE keep-alive connection and count answers by the app's
 * `version` and status. One connection on purpose: it proves weights apply per request, not per connection.
 */
export async function sendSequential(
  url: string,
  count: number,
): Promise<{ byVersion: Record<string, number>; byStatus: Record<number, number>; connections: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let connections = 0;
  const byVersion: Record<string, number> = {};
  const byStatus: Record<number, number> = {};
  try {
    for (let i = 0; i < count; i++) {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.get(url, { agent, timeout: 5000 }, (res) => {
          let b = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (b += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        });
        req.on('socket', (s) => {
          if (!(s as net.Socket & { __counted?: boolean }).__counted) {
            (s as net.Socket & { __counted?: boolean }).__counted = true;
            connections++;
          }
        });
        req.on('timeout', () => req.destroy(new Error(`request ${i + 1} to ${url} timed out`)));
        req.on('error', reject);
      });
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      let version = '(no version)';
      try {
        version = String((JSON.parse(body) as { version?: unknown }).version ?? version);
      } catch {
        version = `(non-JSON: ${body.slice(0, 40)})`;
      }
      byVersion[version] = (byVersion[version] ?? 0) + 1;
    }
  } finally {
    agent.destroy();
  }
  return { byVersion, byStatus, connections };
}

export interface FakeRuntimeApi {
  address: SocketAddress;
  /** every command line received, in order */
  lines: string[];
  close(): Promise<void>;
}

/**
 * A unix-socket stand-in for HAProxy's runtime API that answers each line with `answer(line)`
 * and closes, as HAProxy does; `answer` returning null keeps the connection open without a reply.
 * For what real HAProxy cannot be made to do on demand (a hang, counters that go backwards).
 */
export async function startFakeRuntimeApi(answer: (line: string) => string | null): Promise<FakeRuntimeApi> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'glidepath-fakeapi-'));
  const sockPath = path.join(dir, 'fake.sock');
  const lines: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      lines.push(line);
      const reply = answer(line);
      if (reply !== null) sock.end(reply);
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(sockPath, () => resolve());
  });
  return {
    address: { kind: 'unix', path: sockPath },
    lines,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A `show stat` reply with only the named columns (the parser keys by name, so order and count are free). */
export function statCsv(rows: Record<string, string | number>[]): string {
  const columns = [
    'pxname',
    'svname',
    ...new Set(rows.flatMap((r) => Object.keys(r)).filter((k) => k !== 'pxname' && k !== 'svname')),
  ];
  const line = (vals: string[]) => vals.join(',') + ',';
  return (
    [line(columns).replace(/^/, '# '), ...rows.map((r) => line(columns.map((c) => String(r[c] ?? ''))))].join(
      '\n',
    ) + '\n\n'
  );
}
