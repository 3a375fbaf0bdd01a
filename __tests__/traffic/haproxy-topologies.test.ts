// Real topologies against fake runtime APIs (exact lines, faults on demand): slots of several servers, several instances.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyRouter, type HaproxyProvider } from '../../src/traffic/haproxy.js';
import { HaproxyStatsCheck } from '../../src/checks/haproxy-stats.js';
import { haproxyServerPairs } from '../../src/checks/paired-probe.js';
import { sendCommand } from '../../src/traffic/haproxy-socket.js';
import { PartialWrite } from '../../src/ports/traffic.js';
import type { Signal } from '../../src/judge/types.js';
import type { SocketAddress } from '../../src/config/types.js';
import {
  haproxyAvailable,
  sendSequential,
  startFakeRuntimeApi,
  startHaproxy,
  statCsv,
  type FakeRuntimeApi,
  type RunningHaproxy,
} from '../helpers/haproxy.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';

interface FakeServer {
  name: string;
  weight: number;
  status: string;
  req_tot?: number;
  hrsp_5xx?: number;
  eresp?: number;
  rtime?: number;
}

interface FakeInstance {
  api: FakeRuntimeApi;
  servers: FakeServer[];
  vars: Map<string, string>;
  /** the set lines received (weights and states) */
  sets(): string[];
}

const opened: FakeRuntimeApi[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((a) => a.close()));
});

/** A stateful runtime API for backend `web`: show stat, set weight, set server state, set/get var. */
async function fakeInstance(servers: FakeServer[]): Promise<FakeInstance> {
  const vars = new Map<string, string>();
  const find = (ref: string) => servers.find((s) => `web/${s.name}` === ref);
  const api = await startFakeRuntimeApi((line) => {
    let out = '';
    for (const cmd of line.split(';').map((c) => c.trim())) {
      let m: RegExpExecArray | null;
      if (cmd === 'show stat -1 4 -1') {
        out += statCsv(
          servers.map((s) => ({
            pxname: 'web',
            svname: s.name,
            status: s.status,
            weight: s.weight,
            uweight: s.weight,
            req_tot: s.req_tot ?? 0,
            hrsp_5xx: s.hrsp_5xx ?? 0,
            eresp: s.eresp ?? 0,
            rtime: s.rtime ?? 0,
          })),
        );
      } else if ((m = /^set weight (\S+) (\d+)$/.exec(cmd))) {
        const s = find(m[1]!);
        if (!s) out += 'No such server.\n\n';
        else s.weight = Number(m[2]);
      } else if ((m = /^set server (\S+) state (ready|drain|maint)$/.exec(cmd))) {
        const s = find(m[1]!);
        if (!s) out += 'No such server.\n\n';
        else s.status = { ready: 'UP', drain: 'DRAIN', maint: 'MAINT' }[m[2] as 'ready'];
      } else if (cmd === 'experimental-mode on') {
        // accepted silently, as HAProxy does
      } else if ((m = /^set var (\S+) str\(([^)]*)\)$/.exec(cmd))) {
        vars.set(m[1]!, m[2]!);
      } else if ((m = /^get var (\S+)$/.exec(cmd))) {
        out += vars.has(m[1]!)
          ? `${m[1]}: type=str value=<${vars.get(m[1]!)}>\n\n`
          : 'Variable not found.\n\n';
      } else out += `Unknown command: ${cmd}\n\n`;
    }
    return out === '' ? '\n' : out;
  });
  opened.push(api);
  return { api, servers, vars, sets: () => api.lines.filter((l) => l.startsWith('set ')) };
}

const twoByTwo = (): FakeServer[] => [
  { name: 'blue1', weight: 50, status: 'UP' },
  { name: 'blue2', weight: 50, status: 'UP' },
  { name: 'green1', weight: 0, status: 'UP' },
  { name: 'green2', weight: 0, status: 'UP' },
];

const provider = (
  sockets: SocketAddress[],
  blue: string[] = ['blue1', 'blue2'],
  green: string[] = ['green*'],
): HaproxyProvider => ({
  kind: 'haproxy',
  sockets,
  blue: { backend: 'web', servers: blue },
  green: { backend: 'web', servers: green },
});

const weightsOf = (f: FakeInstance) => Object.fromEntries(f.servers.map((s) => [s.name, s.weight]));

describe('a slot of several servers', () => {
  it('each step splits the slot’s share evenly, gaining servers first, in one line, and reads back each server’s share', async () => {
    const lb = await fakeInstance(twoByTwo());
    const router = new HaproxyRouter(provider([lb.api.address]));
    expect(router.description).toBe(
      `HAProxy ${(lb.api.address as { path: string }).path} (blue web/blue1, web/blue2; green web/green*)`,
    );
    const s = await router.set({ blue: 90, green: 10 });
    expect(lb.sets()).toEqual([
      'set weight web/green1 5; set weight web/green2 5; set weight web/blue1 45; set weight web/blue2 45',
    ]);
    expect(s.weights).toEqual({ blue: 90, green: 10 });
    expect(s.detail).toBe(
      'web/blue1 weight 45 (45%) UP, web/blue2 weight 45 (45%) UP, web/green1 weight 5 (5%) UP, web/green2 weight 5 (5%) UP',
    );
    expect(s.effective).toBeUndefined();
    // back: blue gains, so blue's servers go first
    lb.api.lines.length = 0;
    await router.set({ blue: 100, green: 0 });
    expect(lb.sets()).toEqual([
      'set weight web/blue1 50; set weight web/blue2 50; set weight web/green1 0; set weight web/green2 0',
    ]);
  });

  it('a server that is DOWN or in MAINT is left out of a split and named; the rest of its slot carries the share', async () => {
    const servers = twoByTwo();
    servers[3]!.status = 'DOWN';
    servers[1]!.status = 'MAINT';
    const lb = await fakeInstance(servers);
    const router = new HaproxyRouter(provider([lb.api.address]));
    const s = await router.set({ blue: 90, green: 10 });
    expect(weightsOf(lb)).toEqual({ blue1: 90, blue2: 0, green1: 10, green2: 0 });
    expect(s.weights).toEqual({ blue: 90, green: 10 });
    expect(s.excluded).toEqual(['web/blue2 MAINT', 'web/green2 DOWN']);
    expect(s.ineligible).toBeUndefined();
  });

  it('at 100% every server of the slot gets its weight, so one that is DOWN now takes its share once it is back', async () => {
    const servers = twoByTwo();
    servers[3]!.status = 'DOWN';
    const lb = await fakeInstance(servers);
    const router = new HaproxyRouter(provider([lb.api.address]));
    const s = await router.set({ blue: 0, green: 100 });
    expect(weightsOf(lb)).toEqual({ blue1: 0, blue2: 0, green1: 50, green2: 50 });
    expect(s.weights).toEqual({ blue: 0, green: 100 });
    expect(s.excluded).toEqual(['web/green2 DOWN']);
  });

  it('a slot with no server left cannot take traffic: the step is refused naming each server, nothing is written', async () => {
    const servers = twoByTwo();
    servers[2]!.status = 'MAINT';
    servers[3]!.status = 'DOWN';
    const lb = await fakeInstance(servers);
    const router = new HaproxyRouter(provider([lb.api.address]));
    await expect(router.set({ blue: 95, green: 5 })).rejects.toThrow(
      /green-target: no server of green can take traffic on HAProxy at .* \(web\/green1 MAINT, web\/green2 DOWN\), so it cannot get 5%/,
    );
    expect(lb.sets()).toEqual([]);
    // and read() says the slot cannot take traffic
    expect((await router.read()).ineligible).toEqual(['green']);
  });

  it('a split integer weights cannot make evenly is refused before writing, saying the closest and what to do', async () => {
    const lb = await fakeInstance([
      { name: 'blue1', weight: 100, status: 'UP' },
      ...Array.from({ length: 6 }, (_, i) => ({ name: `green${i + 1}`, weight: 0, status: 'UP' })),
    ]);
    const router = new HaproxyRouter(provider([lb.api.address], ['blue1']));
    await expect(router.set({ blue: 99, green: 1 })).rejects.toThrow(
      /blue 99% \/ green 1% cannot be split evenly over 1 blue and 6 green server\(s\).*the closest is blue 97\.7% \/ green 2\.3%; use steps nearer the middle/,
    );
    expect(lb.sets()).toEqual([]);
  });
});

describe('several HAProxy instances as one deploy', () => {
  it('each step is set and read back on every instance; the state says each', async () => {
    const a = await fakeInstance(twoByTwo());
    const b = await fakeInstance(twoByTwo());
    const router = new HaproxyRouter(provider([a.api.address, b.api.address]));
    const s = await router.set({ blue: 75, green: 25 });
    for (const lb of [a, b]) expect(weightsOf(lb)).toEqual({ blue1: 36, blue2: 36, green1: 12, green2: 12 });
    expect(s.weights).toEqual({ blue: 75, green: 25 });
    expect(s.instances?.map((i) => i.weights)).toEqual([
      { blue: 75, green: 25 },
      { blue: 75, green: 25 },
    ]);
    expect(s.disagreement).toBeUndefined();
    expect(s.detail).toMatch(/^on each of 2 instances: web\/blue1 weight 36 \(37.5%\) UP/);
  });

  it('instances that read different splits: read() says so, naming each, and the state carries both', async () => {
    const a = await fakeInstance(twoByTwo());
    const b = await fakeInstance(twoByTwo());
    b.servers[2]!.weight = 5;
    b.servers[3]!.weight = 5;
    const router = new HaproxyRouter(provider([a.api.address, b.api.address]));
    const s = await router.read();
    const [pa, pb] = [a, b].map((f) => (f.api.address as { path: string }).path);
    expect(s.disagreement).toBe(
      `the HAProxy instances disagree: ${pa} reads blue 100% / green 0%, ${pb} reads blue 90.9% / green 9.1%`,
    );
    expect(s.detail).toContain(`${pb}: web/blue1 weight 50`);
  });

  it('an unreachable instance: read() fails naming it; set() sets the others and says which was missed', async () => {
    const a = await fakeInstance(twoByTwo());
    const dead: SocketAddress = { kind: 'unix', path: '/nonexistent/lb2.sock' };
    const router = new HaproxyRouter(provider([a.api.address, dead]));
    await expect(router.read()).rejects.toThrow(
      /HAProxy runtime API at \/nonexistent\/lb2\.sock: connect ENOENT/,
    );
    const err = await router.set({ blue: 100, green: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialWrite);
    const partial = err as PartialWrite;
    expect(partial.reached).toEqual([(a.api.address as { path: string }).path]);
    expect(partial.missed.map((m) => m.name)).toEqual(['/nonexistent/lb2.sock']);
    expect(partial.applied.weights).toEqual({ blue: 100, green: 0 });
    expect(partial.message).toMatch(/lb2\.sock: connect ENOENT.*; .* reads blue 100% \/ green 0%$/);
  });

  it('a pattern that matches other servers on another instance is refused, naming both', async () => {
    const a = await fakeInstance(twoByTwo());
    const b = await fakeInstance([...twoByTwo(), { name: 'green3', weight: 0, status: 'UP' }]);
    const router = new HaproxyRouter(provider([a.api.address, b.api.address]));
    await expect(router.read()).rejects.toThrow(
      /green-target is web\/green1, web\/green2 on HAProxy at .* but web\/green1, web\/green2, web\/green3 on HAProxy at .*: every HAProxy instance of a deploy must have the same servers in each slot/,
    );
  });

  it('the target note is kept on every instance; a half-written note is taken back', async () => {
    const a = await fakeInstance(twoByTwo());
    const b = await fakeInstance(twoByTwo());
    const router = new HaproxyRouter(provider([a.api.address, b.api.address]));
    await router.markTarget('green');
    expect([a.vars.get('proc.glidepath_target_web'), b.vars.get('proc.glidepath_target_web')]).toEqual([
      'green',
      'green',
    ]);
    expect(await router.markedTarget()).toBe('green');
    // one instance lost its note (reloaded): the other still names the target
    b.vars.delete('proc.glidepath_target_web');
    expect(await router.markedTarget()).toBe('green');
    // two different notes: no guess
    b.vars.set('proc.glidepath_target_web', 'blue');
    await expect(router.markedTarget()).rejects.toThrow(/name different deploy targets: .* green, .* blue/);

    const dead: SocketAddress = { kind: 'unix', path: '/nonexistent/lb2.sock' };
    const half = new HaproxyRouter(provider([a.api.address, dead]));
    await expect(half.markTarget('blue')).rejects.toThrow(/lb2\.sock/);
    expect(a.vars.get('proc.glidepath_target_web')).toBe('none');
  });
});

describe('HaproxyStatsCheck over servers and instances', () => {
  type Traffic = Extract<Signal, { kind: 'traffic' }>;
  const ctx = (now: number) => ({
    target: 'green' as const,
    live: 'blue' as const,
    weight: 10,
    now,
    windowStart: now - 100,
  });

  it('sums requests and failed requests over each slot’s servers on every instance; the mean response time is weighted by requests', async () => {
    const a = await fakeInstance(twoByTwo());
    const b = await fakeInstance(twoByTwo());
    const check = new HaproxyStatsCheck(provider([a.api.address, b.api.address]));
    await check.begin(ctx(1));
    Object.assign(a.servers[2]!, { req_tot: 30, hrsp_5xx: 3, rtime: 10 });
    Object.assign(a.servers[3]!, { req_tot: 10, eresp: 1, rtime: 50 });
    Object.assign(b.servers[2]!, { req_tot: 60, rtime: 20 });
    Object.assign(a.servers[0]!, { req_tot: 500, rtime: 5 });
    Object.assign(b.servers[1]!, { req_tot: 500, hrsp_5xx: 2, rtime: 7 });
    const signals = (await check.collect(ctx(2))) as Traffic[];
    const green = signals.find((s) => s.slot === 'green')!;
    const blue = signals.find((s) => s.slot === 'blue')!;
    // a broken-off response (eresp) is a request and a failed one
    expect(green).toMatchObject({ requests: 101, errors5xx: 4 });
    // (30·10 + 11·50 + 60·20) / 101 ms: never a sum, never a plain mean of the servers' means
    expect(green.meanLatencyMs).toBeCloseTo(2050 / 101, 10);
    expect(blue).toMatchObject({ requests: 1000, errors5xx: 2 });
    expect(blue.meanLatencyMs).toBeCloseTo(6, 10);
  });

  it('an instance that cannot be read fails the reading, naming it (the judge never sees part of the traffic as all)', async () => {
    const a = await fakeInstance(twoByTwo());
    const dead: SocketAddress = { kind: 'unix', path: '/nonexistent/lb2.sock' };
    const check = new HaproxyStatsCheck(provider([a.api.address, dead]));
    await expect(check.collect(ctx(1))).rejects.toThrow(/\/nonexistent\/lb2\.sock: connect ENOENT/);
  });
});

describe.skipIf(!haproxyAvailable())('real HAProxy: two servers per slot, two instances', () => {
  let apps: AppServer[] = [];
  let lbs: RunningHaproxy[] = [];
  const NAMES = ['blue1', 'blue2', 'green1', 'green2'];

  beforeAll(async () => {
    apps = await Promise.all(NAMES.map((name) => startAppServer({ name })));
    const servers = NAMES.map((name, i) => ({
      name,
      port: apps[i]!.port,
      weight: name.startsWith('blue') ? 50 : 0,
    }));
    lbs = [await startHaproxy({ servers, socket: 'unix' }), await startHaproxy({ servers, socket: 'tcp' })];
  });
  afterAll(async () => {
    await Promise.all(lbs.map((l) => l.stop()));
    await Promise.all(apps.map((a) => a.close()));
  });

  it('every step lands each server’s planned share of real requests within 3 points, on both instances', async () => {
    const router = new HaproxyRouter(provider(lbs.map((l) => l.socketAddress)));
    const measured: string[] = [];
    for (const g of [5, 25, 50, 100]) {
      const state = await router.set({ blue: 100 - g, green: g });
      expect(state.weights).toEqual({ blue: 100 - g, green: g });
      expect(state.disagreement).toBeUndefined();
      for (const lb of lbs) {
        const r = await sendSequential(lb.frontendUrl, 400);
        expect(r.byStatus[200]).toBe(400);
        const share = (name: string) => ((r.byVersion[name] ?? 0) / 400) * 100;
        for (const name of NAMES) {
          const planned = name.startsWith('green') ? g / 2 : (100 - g) / 2;
          expect(
            Math.abs(share(name) - planned),
            `${name} at green ${g}%: ${JSON.stringify(r.byVersion)}`,
          ).toBeLessThanOrEqual(3);
        }
        measured.push(
          `green ${g}% via ${lb.socketAddress.kind}: ${NAMES.map((n) => `${n} ${share(n).toFixed(1)}%`).join(', ')}`,
        );
      }
    }
    console.log(
      `measured split per server (400 keep-alive requests per step and instance):\n${measured.join('\n')}`,
    );
    await router.set({ blue: 100, green: 0 });
  });

  it('paired probes go round the servers of both slots, leaving out one that cannot take traffic', async () => {
    const p = provider(lbs.map((l) => l.socketAddress));
    const target = { url: 'http://shop.test/health?x=1', expect: [{ min: 200, max: 299 }], text: '' };
    const port = (name: string) => apps[NAMES.indexOf(name)]!.port;
    const url = (name: string) => `http://127.0.0.1:${port(name)}/health?x=1`;
    const found = await haproxyServerPairs(p, [target])();
    expect(found.notes).toEqual([]);
    expect(found.pairs.map((x) => x.urls)).toEqual([
      { blue: url('blue1'), green: url('green1') },
      { blue: url('blue2'), green: url('green2') },
    ]);
    expect(found.pairs[0]!.headers).toEqual({ host: 'shop.test' });
    await sendCommand(lbs[0]!.socketAddress, 'set server web/green2 state maint');
    try {
      const fewer = await haproxyServerPairs(p, [target])();
      expect(fewer.pairs.map((x) => x.urls)).toEqual([
        { blue: url('blue1'), green: url('green1') },
        { blue: url('blue2'), green: url('green1') },
      ]);
    } finally {
      await sendCommand(lbs[0]!.socketAddress, 'set server web/green2 state ready');
    }
  });

  it('one instance gone: read() refuses naming it, set() still restores the other and names the one missed', async () => {
    const [a, b] = lbs as [RunningHaproxy, RunningHaproxy];
    const router = new HaproxyRouter(provider([a.socketAddress, b.socketAddress]));
    await router.set({ blue: 75, green: 25 });
    await b.stop();
    await expect(router.read()).rejects.toThrow(
      /HAProxy runtime API at 127\.0\.0\.1:\d+: connect ECONNREFUSED/,
    );
    const err = (await router.set({ blue: 100, green: 0 }).catch((e: unknown) => e)) as PartialWrite;
    expect(err).toBeInstanceOf(PartialWrite);
    expect(err.missed.map((m) => m.name)).toEqual([
      `127.0.0.1:${(b.socketAddress as { port: number }).port}`,
    ]);
    const alone = new HaproxyRouter(provider([a.socketAddress]));
    expect((await alone.read()).weights).toEqual({ blue: 100, green: 0 });
    const r = await sendSequential(a.frontendUrl, 40);
    expect(Object.keys(r.byVersion).sort()).toEqual(['blue1', 'blue2']);
  });
});
