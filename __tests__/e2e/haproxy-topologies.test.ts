// The bundled action on real HAProxy topologies: slots of two servers each, and two HAProxy instances moved as one.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { haproxyAvailable, startHaproxy, type RunningHaproxy } from '../helpers/haproxy.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { BundleProcess, MAIN, runBundle, runPost, type BundleRun } from '../helpers/bundle.js';
import { startLoad } from '../helpers/load-process.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';
import { parseShowStat, sendCommand } from '../../src/traffic/haproxy-socket.js';
import type { SocketAddress } from '../../src/config/types.js';

const available = haproxyAvailable();
if (!available && process.env.GLIDEPATH_REQUIRE_HAPROXY)
  throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');

const NAMES = ['blue1', 'blue2', 'green1', 'green2'] as const;
type Name = (typeof NAMES)[number];

interface Segment {
  /** each server's weight while the segment lasted */
  weights: Record<Name, number>;
  /** requests each server served during it (req_tot deltas) */
  served: Record<Name, number>;
}

/**
 * Watches one HAProxy from the outside, as an operator would: `show stat` every 50 ms, cut into
 * segments wherever the weights change; each segment's requests per server are req_tot deltas.
 */
function watchSplits(socket: SocketAddress): { stop(): Promise<Segment[]> } {
  const segments: Segment[] = [];
  let running = true;
  const read = async () => {
    const rows = parseShowStat(await sendCommand(socket, 'show stat -1 4 -1'));
    const row = (n: Name) => rows.find((r) => r.pxname === 'web' && r.svname === n)!;
    const of = (f: (n: Name) => number) =>
      Object.fromEntries(NAMES.map((n) => [n, f(n)])) as Record<Name, number>;
    return { weights: of((n) => Number(row(n).uweight)), total: of((n) => Number(row(n).req_tot)) };
  };
  const done = (async () => {
    let last = await read();
    let start = last.total;
    while (running) {
      await new Promise((r) => setTimeout(r, 50));
      let now: Awaited<ReturnType<typeof read>>;
      try {
        now = await read();
      } catch {
        break; // HAProxy stopped
      }
      const changed = NAMES.some((n) => now.weights[n] !== last.weights[n]);
      if (changed || !running) {
        // requests counted between the last reading and this one may belong to either split: the
        // boundary reading closes the old segment, so a segment holds at most 50 ms of the next
        segments.push({
          weights: last.weights,
          served: Object.fromEntries(NAMES.map((n) => [n, last.total[n] - start[n]])) as Record<Name, number>,
        });
        start = now.total;
      }
      last = now;
    }
    segments.push({
      weights: last.weights,
      served: Object.fromEntries(NAMES.map((n) => [n, last.total[n] - start[n]])) as Record<Name, number>,
    });
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return segments;
    },
  };
}

/** `green 5%: blue1 47.6%, blue2 47.6%, green1 2.4%, green2 2.4% (1240 requests)` and each server's planned share */
function describeSegment(s: Segment): {
  text: string;
  green: number;
  share: Record<Name, number>;
  total: number;
  weights: Record<Name, number>;
} {
  const w = (n: Name) => s.weights[n];
  const weightTotal = NAMES.reduce((t, n) => t + w(n), 0);
  const green = ((w('green1') + w('green2')) / weightTotal) * 100;
  const total = NAMES.reduce((t, n) => t + s.served[n], 0);
  const share = Object.fromEntries(NAMES.map((n) => [n, total ? (s.served[n] / total) * 100 : 0])) as Record<
    Name,
    number
  >;
  const text = `green ${Number(green.toFixed(2))}% (weights ${NAMES.map((n) => `${n} ${w(n)}`).join(', ')}): ${NAMES.map(
    (n) => `${n} ${share[n].toFixed(1)}%`,
  ).join(', ')} of ${total} requests`;
  return { text, green, share, total, weights: s.weights };
}

/** The watch after the restore, as the JSON report keeps it. */
function trafficLeft(r: BundleRun): { slot: string; windowMs: number; requests?: number } | undefined {
  return (
    JSON.parse(readFileSync(r.outputs.report!, 'utf8')) as {
      trafficLeft?: { slot: string; windowMs: number };
    }
  ).trafficLeft;
}

/** One server's status column on one HAProxy. */
async function statusOn(lb: RunningHaproxy, server: string): Promise<string | undefined> {
  return parseShowStat(await sendCommand(lb.socketAddress, 'show stat -1 4 -1')).find(
    (x) => x.svname === server,
  )?.status;
}

describe.skipIf(!available)('bundled action: slots of two servers each', () => {
  let apps: AppServer[] = [];
  let hp: RunningHaproxy;

  async function start(): Promise<Record<string, string>> {
    apps = await Promise.all(NAMES.map((name) => startAppServer({ name })));
    hp = await startHaproxy({
      servers: NAMES.map((name, i) => ({
        name,
        port: apps[i]!.port,
        weight: name.startsWith('blue') ? 50 : 0,
      })),
      socket: 'unix',
    });
    return {
      command: 'deploy',
      strategy: 'canary',
      'canary-steps': '5,25,50',
      interval: '2s',
      'probe-interval': '500ms',
      'probe-timeout': '400ms',
      provider: 'haproxy',
      'haproxy-socket': hp.socketPath!,
      'blue-target': 'web/blue1, web/blue2',
      'green-target': 'web/green*',
      'health-urls': `${hp.frontendUrl}/health`,
      'min-requests': '10',
    };
  }

  afterEach(async () => {
    await hp?.stop();
    await Promise.all(apps.map((a) => a.close()));
  });

  it('a canary lands each step’s planned share on every server within 3 points, promotes, and reports the split it read back', async () => {
    const inputs = await start();
    const load = await startLoad(hp.frontendUrl);
    const watch = watchSplits(hp.socketAddress);
    const r = await runBundle(inputs);
    const segments = await watch.stop();
    const seen = await load.stop();
    expect(r.outputs.result, r.stdout).toBe('promoted');
    expect(seen.failures, JSON.stringify(seen.firstFailures)).toBe(0);
    // the log says each server's weight and share as read back
    expect(r.stdout).toMatch(
      /step 1 · weights → blue 95% \/ green 5% \(web\/blue1 weight 38 \(47\.5%\) UP, web\/blue2 weight 38 \(47\.5%\) UP, web\/green1 weight 2 \(2\.5%\) UP, web\/green2 weight 2 \(2\.5%\) UP\)/,
    );

    const steps = segments.map(describeSegment).filter((s) => s.total >= 200);
    const table: string[] = [];
    for (const planned of [5, 25, 50, 100]) {
      const step = steps.find((s) => Math.abs(s.green - planned) < 0.01);
      expect(step, `no segment at green ${planned}%:\n${steps.map((s) => s.text).join('\n')}`).toBeDefined();
      const want = (n: Name) => (n.startsWith('green') ? planned / 2 : (100 - planned) / 2);
      // planned share, weight read back (and the share it gives), share of the requests served
      table.push(
        `green ${planned}% · ${step!.total} requests · ${NAMES.map(
          (n) => `${n} planned ${want(n)}% weight ${step!.weights[n]} served ${step!.share[n].toFixed(1)}%`,
        ).join(' · ')}`,
      );
      for (const n of NAMES)
        expect(Math.abs(step!.share[n] - want(n)), `${n} at ${step!.text}`).toBeLessThanOrEqual(3);
    }
    console.log(`two servers per slot, measured per server at each step:\n${table.join('\n')}`);
    const router = new HaproxyRouter({
      kind: 'haproxy',
      sockets: [hp.socketAddress],
      blue: { backend: 'web', servers: ['blue1', 'blue2'] },
      green: { backend: 'web', servers: ['green*'] },
    });
    expect((await router.read()).detail).toBe(
      'web/blue1 weight 0 UP, web/blue2 weight 0 UP, web/green1 weight 50 (50%) UP, web/green2 weight 50 (50%) UP',
    );
  }, 90_000);

  it('one bad server of green rolls back every server of green; none takes traffic after', async () => {
    const inputs = await start();
    apps[3]!.set({ errorRate: 0.3 });
    const load = await startLoad(hp.frontendUrl);
    const r = await runBundle(inputs);
    await load.stop();
    expect(r.outputs.result, r.stdout).toBe('rolled-back');
    expect(r.outputs['rollback-reason']).toMatch(/green error rate/);
    const rows = parseShowStat(await sendCommand(hp.socketAddress, 'show stat -1 4 -1'));
    const state = Object.fromEntries(rows.map((x) => [x.svname, `${x.uweight} ${x.status}`]));
    expect(state).toMatchObject({ blue1: '50 UP', blue2: '50 UP' });
    // every server of green in MAINT with Glidepath's note: the mark covers the whole slot
    for (const g of ['green1', 'green2']) expect(state[g], g).toBe('0 MAINT');
    // the watch after the restore counted both green servers' requests: none
    expect(trafficLeft(r)).toEqual({ slot: 'green', windowMs: 2000, requests: 0 });
    expect(r.summary).toContain('✅ 0 requests reached green in the 2 s after the restore.');
    const after = apps.slice(2).map((a) => a.stats().requests);
    const load2 = await startLoad(hp.frontendUrl);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const seen = await load2.stop();
    expect(seen.requests).toBeGreaterThan(20);
    expect(apps.slice(2).map((a) => a.stats().requests)).toEqual(after);
    console.log(
      `two servers per slot, no persistence: the watch counted ${trafficLeft(r)?.requests} requests to green in the 2 s after the restore; ` +
        `${seen.requests} requests sent in the next second, ${apps.slice(2).reduce((t, a) => t + a.stats().requests, 0) - after.reduce((t, n) => t + n, 0)} reached green`,
    );
  }, 90_000);
});

describe.skipIf(!available)('bundled action: two HAProxy instances as one deploy', () => {
  let blue: AppServer;
  let green: AppServer;
  let lbs: RunningHaproxy[] = [];

  async function start(): Promise<Record<string, string>> {
    blue = await startAppServer({ name: 'v1' });
    green = await startAppServer({ name: 'v2' });
    lbs = [
      await startHaproxy({ servers: { blue: blue.port, green: green.port }, socket: 'unix' }),
      await startHaproxy({ servers: { blue: blue.port, green: green.port }, socket: 'unix' }),
    ];
    return {
      command: 'deploy',
      strategy: 'canary',
      'canary-steps': '10,50',
      interval: '2s',
      'probe-interval': '500ms',
      'probe-timeout': '400ms',
      provider: 'haproxy',
      'haproxy-socket': lbs.map((l) => l.socketPath!).join('\n'),
      'blue-target': 'web/blue',
      'green-target': 'web/green',
      'health-urls': lbs.map((l) => `${l.frontendUrl}/health`).join('\n'),
      'min-requests': '10',
    };
  }

  const router = () =>
    new HaproxyRouter({
      kind: 'haproxy',
      sockets: lbs.map((l) => l.socketAddress),
      blue: { backend: 'web', servers: ['blue'] },
      green: { backend: 'web', servers: ['green'] },
    });
  const weightsOn = async (lb: RunningHaproxy) =>
    (
      await new HaproxyRouter({
        kind: 'haproxy',
        sockets: [lb.socketAddress],
        blue: { backend: 'web', servers: ['blue'] },
        green: { backend: 'web', servers: ['green'] },
      }).read()
    ).weights;

  afterEach(async () => {
    await Promise.all(lbs.map((l) => l.stop()));
    await blue?.close();
    await green?.close();
  });

  it('promotes on both instances, then a bad version rolls back on both; status names each instance', async () => {
    const inputs = await start();
    const loads = await Promise.all(lbs.map((l) => startLoad(l.frontendUrl, { concurrency: 2 })));
    const r = await runBundle(inputs);
    const seen = await Promise.all(loads.map((l) => l.stop()));
    expect(r.outputs.result, r.stdout).toBe('promoted');
    for (const s of seen) {
      expect(s.failures).toBe(0);
      expect(s.byVersion.v2).toBeGreaterThan(0);
    }
    for (const lb of lbs) expect(await weightsOn(lb)).toEqual({ blue: 0, green: 100 });
    expect(r.stdout).toContain(
      `via HAProxy ${lbs[0]!.socketPath}, ${lbs[1]!.socketPath} (web/blue, web/green)`,
    );
    expect(r.stdout).toMatch(
      /\(on each of 2 instances: web\/blue weight 90 \(90%\) UP, web\/green weight 10 \(10%\) UP\)/,
    );

    // status shows each instance; after a hand edit on one, it says they disagree, and a deploy refuses
    const st = await runBundle({ ...inputs, command: 'status' });
    expect(st.outputs.result, st.stdout).toBe('unchanged');
    expect(st.stdout).toContain('2 instances, all alike:');
    for (const lb of lbs) expect(st.stdout).toContain(`${lb.socketPath}: blue 0% / green 100%`);
    await sendCommand(lbs[1]!.socketAddress, 'set weight web/blue 10; set weight web/green 90');
    const st2 = await runBundle({ ...inputs, command: 'status' });
    expect(st2.stdout).toContain('2 instances, which DISAGREE:');
    expect(st2.outputs['rollback-reason']).toBe(
      `the HAProxy instances disagree: ${lbs[0]!.socketPath} reads blue 0% / green 100%, ${lbs[1]!.socketPath} reads blue 10% / green 90%: ` +
        "put every instance on one split first (command abort does it while a deploy's note names its target), or set the weights alike by hand",
    );
    const refused = await runBundle(inputs);
    expect(refused.outputs.result).toBe('failed');
    expect(refused.outputs['rollback-reason']).toMatch(/^the HAProxy instances disagree/);
    expect(await weightsOn(lbs[0]!)).toEqual({ blue: 0, green: 100 });
    await sendCommand(lbs[1]!.socketAddress, 'set weight web/green 100; set weight web/blue 0');

    // the next version (on blue) answers 30% 500s: back to green on both
    blue.set({ errorRate: 0.3 });
    const loads2 = await Promise.all(lbs.map((l) => startLoad(l.frontendUrl, { concurrency: 2 })));
    const bad = await runBundle(inputs);
    await Promise.all(loads2.map((l) => l.stop()));
    expect(bad.outputs.result, bad.stdout).toBe('rolled-back');
    expect(bad.outputs['live-slot']).toBe('green');
    for (const lb of lbs) {
      expect(await weightsOn(lb)).toEqual({ blue: 0, green: 100 });
      expect(await statusOn(lb, 'blue')).toBe('MAINT');
    }
    expect((await router().read()).ineligible).toEqual(['blue']);
    // the watch summed blue's requests over both instances
    expect(trafficLeft(bad)).toEqual({ slot: 'blue', windowMs: 2000, requests: 0 });
    expect(bad.summary).toContain('✅ 0 requests reached blue in the 2 s after the restore.');
    console.log(
      `two instances: the watch counted ${trafficLeft(bad)?.requests} requests to blue (both instances) in the 2 s after the restore`,
    );
  }, 120_000);

  it('a held deploy one instance lost (reset by hand): promote refuses, abort puts both back on blue', async () => {
    const inputs = await start();
    const held = await runBundle({ ...inputs, 'hold-at': '10', 'min-requests': '0' });
    expect(held.outputs.result, held.stdout).toBe('held');
    await sendCommand(lbs[1]!.socketAddress, 'set weight web/blue 100; set weight web/green 0');
    const promote = await runBundle({ ...inputs, command: 'promote' });
    expect(promote.outputs.result).toBe('failed');
    expect(promote.outputs['rollback-reason']).toMatch(/^the HAProxy instances disagree/);
    const abort = await runBundle({ ...inputs, command: 'abort' });
    expect(abort.outputs.result, abort.stdout).toBe('aborted');
    for (const lb of lbs) expect(await weightsOn(lb)).toEqual({ blue: 100, green: 0 });
    expect((await router().read()).ineligible).toEqual(['green']);
  }, 60_000);

  it('an instance that does not answer before the start: the deploy is refused naming it, nothing moves', async () => {
    const inputs = await start();
    await lbs[1]!.stop();
    const r = await runBundle(inputs);
    expect(r.outputs.result).toBe('failed');
    expect(r.outputs['rollback-reason']).toContain(
      `HAProxy runtime API at ${lbs[1]!.socketPath}: connect ENOENT`,
    );
    expect(await weightsOn(lbs[0]!)).toEqual({ blue: 100, green: 0 });
  }, 60_000);

  it('one instance dies mid-step: the run fails, the other is restored, the message names the dead one; the post step says it still cannot', async () => {
    const inputs = await start();
    const run = new BundleProcess(MAIN, { ...inputs, interval: '20s' });
    await run.waitFor(/step 1 · weights → blue 90% \/ green 10%/);
    await lbs[1]!.stop();
    const r = await run.done;
    expect(r.outputs.result, r.stdout).toBe('failed');
    const dead = lbs[1]!.socketPath!;
    expect(r.outputs['rollback-reason']).toContain(
      `blue has 100% again on ${lbs[0]!.socketPath}, but ${dead} could not be set after 4 attempts`,
    );
    expect(await weightsOn(lbs[0]!)).toEqual({ blue: 100, green: 0 });
    // the instance that answers has green in MAINT, marked: its pinned clients moved too
    expect(await statusOn(lbs[0]!, 'green')).toBe('MAINT');
    // the post step tries again: the instance is still gone, so it fails saying so
    const post = await runPost(inputs, r.state, r.dir);
    expect(post.code).not.toBe(0);
    expect(post.stdout).toContain(dead);
    expect(await weightsOn(lbs[0]!)).toEqual({ blue: 100, green: 0 });
  }, 90_000);
});
