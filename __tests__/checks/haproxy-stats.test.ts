// HaproxyStatsCheck: per-slot deltas of HAProxy's request and 5xx counters, against real HAProxy and a fake for restarts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SocketAddress } from '../../src/config/types.js';
import type { CheckContext } from '../../src/ports/checks.js';
import type { Signal } from '../../src/judge/types.js';
import { HaproxyStatsCheck } from '../../src/checks/haproxy-stats.js';
import { HaproxyRouter, type HaproxyProvider } from '../../src/traffic/haproxy.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import {
  haproxyAvailable,
  sendSequential,
  startFakeRuntimeApi,
  startHaproxy,
  statCsv,
  type RunningHaproxy,
} from '../helpers/haproxy.js';

type Traffic = Extract<Signal, { kind: 'traffic' }>;

const provider = (socket: SocketAddress, green = 'green'): HaproxyProvider => ({
  kind: 'haproxy',
  sockets: [socket],
  blue: { backend: 'web', servers: ['blue'] },
  green: { backend: 'web', servers: [green] },
});

let tick = 1_000_000;
const ctx = (): CheckContext => ({
  target: 'green',
  live: 'blue',
  weight: 100,
  now: ++tick,
  windowStart: tick - 1,
});

function bySlot(signals: Signal[]): { blue: Traffic; green: Traffic } {
  const traffic = signals.filter((s): s is Traffic => s.kind === 'traffic');
  expect(traffic).toHaveLength(2);
  const blue = traffic.find((s) => s.slot === 'blue');
  const green = traffic.find((s) => s.slot === 'green');
  if (!blue || !green) throw new Error(`expected one signal per slot, got ${JSON.stringify(signals)}`);
  return { blue, green };
}

describe('HaproxyStatsCheck against a fake runtime API', () => {
  it('a response the server broke off (eresp, which req_tot leaves out) counts as a request and a failure', async () => {
    const green = { req_tot: 100, hrsp_5xx: 1, eresp: 0 };
    const api = await startFakeRuntimeApi(() =>
      statCsv([
        { pxname: 'web', svname: 'blue', status: 'UP', req_tot: 0, hrsp_5xx: 0, eresp: 0 },
        { pxname: 'web', svname: 'green', status: 'UP', ...green },
      ]),
    );
    try {
      const check = new HaproxyStatsCheck(provider(api.address));
      await check.begin(ctx());
      // measured on HAProxy 2.6: a server that closes without answering adds to eresp, not req_tot
      Object.assign(green, { req_tot: 110, hrsp_5xx: 2, eresp: 5 });
      expect(bySlot(await check.collect(ctx())).green).toMatchObject({ requests: 15, errors5xx: 6 });
      expect(check.cadenceMs).toBe(100);
    } finally {
      await api.close();
    }
  });

  it('a counter that went down (HAProxy restarted) counts its new value; only `show stat` is ever sent', async () => {
    const counters = { req_tot: 500, hrsp_5xx: 20 };
    const api = await startFakeRuntimeApi(() =>
      statCsv([
        { pxname: 'web', svname: 'blue', status: 'UP', req_tot: 1000, hrsp_5xx: 0, rtime: 3 },
        { pxname: 'web', svname: 'green', status: 'UP', ...counters, rtime: 12 },
      ]),
    );
    try {
      const check = new HaproxyStatsCheck(provider(api.address));
      await check.begin(ctx());
      Object.assign(counters, { req_tot: 30, hrsp_5xx: 2 });
      const first = bySlot(await check.collect(ctx()));
      expect(first.green).toMatchObject({ requests: 30, errors5xx: 2, meanLatencyMs: 12, source: 'haproxy' });
      expect(first.blue).toMatchObject({ requests: 0, errors5xx: 0 });
      expect(first.blue.meanLatencyMs).toBeUndefined();
      Object.assign(counters, { req_tot: 45 });
      const second = bySlot(await check.collect(ctx()));
      expect(second.green).toMatchObject({ requests: 15, errors5xx: 0 });
      expect(new Set(api.lines)).toEqual(new Set(['show stat -1 4 -1']));
    } finally {
      await api.close();
    }
  });

  it('collect() without begin() takes its reading as the baseline, never lifetime totals', async () => {
    const api = await startFakeRuntimeApi(() =>
      statCsv([
        { pxname: 'web', svname: 'blue', status: 'UP', req_tot: 1000, hrsp_5xx: 7, rtime: 3 },
        { pxname: 'web', svname: 'green', status: 'UP', req_tot: 400, hrsp_5xx: 9, rtime: 12 },
      ]),
    );
    try {
      const s = bySlot(await new HaproxyStatsCheck(provider(api.address)).collect(ctx()));
      expect([s.blue.requests, s.blue.errors5xx, s.green.requests, s.green.errors5xx]).toEqual([0, 0, 0, 0]);
    } finally {
      await api.close();
    }
  });

  it('a server missing from the stats names the input', async () => {
    const api = await startFakeRuntimeApi(() =>
      statCsv([{ pxname: 'web', svname: 'blue', status: 'UP', req_tot: 1, hrsp_5xx: 0 }]),
    );
    try {
      await expect(new HaproxyStatsCheck(provider(api.address)).begin(ctx())).rejects.toThrow(
        /green-target "web\/green" is not a server of HAProxy at .*servers it has: web\/blue/,
      );
    } finally {
      await api.close();
    }
  });
});

describe.skipIf(!haproxyAvailable())('HaproxyStatsCheck against real HAProxy', () => {
  let blue: AppServer;
  let green: AppServer;
  let hp: RunningHaproxy;
  let router: HaproxyRouter;
  let check: HaproxyStatsCheck;

  beforeAll(async () => {
    // blue is slow on purpose: its rolling mean response time must show it
    blue = await startAppServer({ name: 'blue-v1', extraLatencyMs: 40 });
    green = await startAppServer({ name: 'green-v2' });
    hp = await startHaproxy({ servers: { blue: blue.port, green: green.port }, socket: 'unix' });
    router = new HaproxyRouter(provider(hp.socketAddress));
    check = new HaproxyStatsCheck(provider(hp.socketAddress));
  });
  afterAll(async () => {
    await hp?.stop();
    await blue?.close();
    await green?.close();
  });

  it('counts only what happened since begin(): requests and 5xx per slot, as the apps saw them', async () => {
    // traffic before the baseline must not count
    await sendSequential(hp.frontendUrl, 20);
    await router.set({ blue: 0, green: 100 });
    await check.begin(ctx());
    green.set({ errorRate: 0.1 });
    const appBefore = green.stats();
    const c = ctx();
    const r = await sendSequential(hp.frontendUrl, 100);
    expect(r.byStatus).toEqual({ 200: 90, 500: 10 });
    const appAfter = green.stats();
    const s = bySlot(await check.collect(c));
    expect(s.green).toMatchObject({
      kind: 'traffic',
      at: c.now,
      slot: 'green',
      source: 'haproxy',
      requests: 100,
      errors5xx: 10,
    });
    expect(s.green.requests).toBe(appAfter.requests - appBefore.requests);
    expect(s.green.errors5xx).toBe(appAfter.errors - appBefore.errors);
    expect(s.green.meanLatencyMs).toEqual(expect.any(Number));
    expect(s.blue).toMatchObject({ slot: 'blue', requests: 0, errors5xx: 0 });
    expect(s.blue.meanLatencyMs).toBeUndefined();
  });

  it('a second collect with no traffic is all zeros', async () => {
    const s = bySlot(await check.collect(ctx()));
    expect([s.blue.requests, s.blue.errors5xx, s.green.requests, s.green.errors5xx]).toEqual([0, 0, 0, 0]);
    expect(s.green.meanLatencyMs).toBeUndefined();
  });

  it('splits a mixed window by slot and reports HAProxy’s response time', async () => {
    green.set({ errorRate: 0 });
    await router.set({ blue: 50, green: 50 });
    await check.begin(ctx());
    const r = await sendSequential(hp.frontendUrl, 40);
    const s = bySlot(await check.collect(ctx()));
    expect(s.blue.requests).toBe(r.byVersion['blue-v1']);
    expect(s.green.requests).toBe(r.byVersion['green-v2']);
    expect(s.blue.requests + s.green.requests).toBe(40);
    expect(s.blue.errors5xx + s.green.errors5xx).toBe(0);
    // blue answers after 40 ms and has served nothing faster
    expect(s.blue.meanLatencyMs).toBeGreaterThanOrEqual(35);
    expect(s.green.meanLatencyMs).toBeLessThan(35);
  });
});
