// The HAProxy run lock against real HAProxy processes: its value, refusals, take-over, release, a pair
// of instances taken in order, and races of runs started at the same instant (exactly one goes on).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';
import { HaproxyInstance } from '../../src/traffic/haproxy-instance.js';
import { formatHaproxyLock, parseHaproxyLock } from '../../src/traffic/haproxy-lock.js';
import { sendCommand } from '../../src/traffic/haproxy-socket.js';
import { LOCK_CLOCK_SKEW_MS } from '../../src/config/limits.js';
import type { SocketAddress } from '../../src/config/types.js';
import { freePort, haproxyAvailable, startHaproxy, type RunningHaproxy } from '../helpers/haproxy.js';

const available = haproxyAvailable();
if (!available && process.env.GLIDEPATH_REQUIRE_HAPROXY)
  throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');

const T0 = Date.UTC(2026, 11, 1, 3, 0, 0);
const HOUR = 3_600_000;
let backends = 0;

/** A router on its own backend name, so every test (and every race) has a lock of its own. */
function routerOn(
  sockets: SocketAddress[],
  o: { now?: number; pause?: () => Promise<void>; backend?: string } = {},
) {
  const warnings: string[] = [];
  const backend = o.backend ?? `lock${++backends}`;
  const router = new HaproxyRouter(
    {
      kind: 'haproxy',
      sockets,
      blue: { backend, servers: ['blue'] },
      green: { backend, servers: ['green'] },
    },
    {
      lock: {
        now: () => o.now ?? T0,
        warn: (m) => warnings.push(m),
        ...(o.pause ? { pause: o.pause } : {}),
      },
    },
  );
  return { router, warnings, variable: `proc.glidepath_lock_${backend}`, backend };
}

const getVar = async (address: SocketAddress, name: string) => new HaproxyInstance(address).getVar(name);
const setVar = async (address: SocketAddress, name: string, value: string) =>
  new HaproxyInstance(address).setVar(name, value);

/** Runs a clear command as a person would paste it, minus socat: the quoted CLI line to the address named. */
async function runClearCommand(command: string, addresses: SocketAddress[]): Promise<void> {
  const parts = command.split(' && ');
  expect(parts).toHaveLength(addresses.length);
  for (const [n, part] of parts.entries()) {
    const m = /^echo '([^']+)' \| socat stdio (\S+)$/.exec(part);
    expect(m, part).not.toBeNull();
    const a = addresses[n]!;
    expect(m![2]).toBe(a.kind === 'unix' ? a.path : `tcp4-connect:${a.host}:${a.port}`);
    expect(await sendCommand(a, m![1]!)).toMatch(/^\s*$/);
  }
}

describe('the lock value', () => {
  it('round-trips the run, the expiry and the run URL through characters str() takes', () => {
    const v = { runId: '4242-1-1234', expiresAt: T0 + HOUR, url: 'https://github.com/o/r/actions/runs/4242' };
    const text = formatHaproxyLock(v);
    expect(text).toBe('4242-1-1234+2026-12-01T04:00:00.000Z+https://github.com/o/r/actions/runs/4242');
    expect(parseHaproxyLock(text)).toEqual(v);
    expect(parseHaproxyLock(formatHaproxyLock({ runId: 'local 1+2', expiresAt: T0 }))).toEqual({
      runId: 'local 1+2',
      expiresAt: T0,
    });
  });

  it.each([
    ['', 'free'],
    [undefined, 'free'],
    ['deploy-bot', undefined],
    ['run+tomorrow', undefined],
    ['+2026-12-01T04:00:00.000Z', undefined],
    ['a+2026-12-01T04:00:00.000Z+u+extra', undefined],
  ])('%j reads as %j', (value, expected) => {
    expect(parseHaproxyLock(value)).toBe(expected);
  });
});

describe.skipIf(!available)('the HAProxy run lock on real HAProxy', () => {
  let a: RunningHaproxy;
  let b: RunningHaproxy;

  beforeAll(async () => {
    // the servers need not answer: the lock is a process variable, whatever the backend's state
    const servers = { blue: await freePort(), green: await freePort() };
    [a, b] = await Promise.all([
      startHaproxy({ servers, socket: 'unix' }),
      startHaproxy({ servers, socket: 'tcp' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('a free lock: taken with the run, its expiry and URL; status reads the holder; release empties it', async () => {
    const { router, variable } = routerOn([a.socketAddress]);
    expect(await router.lockHolder()).toBeUndefined();
    await router.lock('4242-1-77', HOUR, 'https://github.com/o/r/actions/runs/4242');
    expect(await getVar(a.socketAddress, variable)).toBe(
      '4242-1-77+2026-12-01T04:00:00.000Z+https://github.com/o/r/actions/runs/4242',
    );
    expect(await router.lockHolder()).toEqual({
      run: '4242-1-77',
      expiresAt: T0 + HOUR,
      url: 'https://github.com/o/r/actions/runs/4242',
    });
    await router.unlock('4242-1-77');
    expect(await getVar(a.socketAddress, variable)).toBe('');
    expect(await router.lockHolder()).toBeUndefined();
  });

  it("another run's live lock: refused at once naming the run, its URL and expiry, and left as it was", async () => {
    const first = routerOn([a.socketAddress]);
    await first.router.lock('run-1', HOUR, 'https://github.com/o/r/actions/runs/1');
    const held = await getVar(a.socketAddress, first.variable);
    const second = routerOn([a.socketAddress], { backend: first.backend });
    const refused = second.router.lock('run-2', HOUR);
    await expect(refused).rejects.toThrow(
      `backend ${first.backend} on HAProxy at ${a.socketPath} is locked by run run-1 (https://github.com/o/r/actions/runs/1) until 2026-12-01T04:00:00.000Z`,
    );
    await expect(refused).rejects.toThrow(/another deploy is using this backend/);
    expect(await getVar(a.socketAddress, first.variable)).toBe(held);
    // its release leaves the other run's lock alone, and says so
    await second.router.unlock('run-2');
    expect(await getVar(a.socketAddress, first.variable)).toBe(held);
    expect(second.warnings).toEqual([
      `HAProxy: the lock on HAProxy at ${a.socketPath} is now held by run run-1; left in place`,
    ]);
  });

  it('an expired lock: kept within the clock-skew tolerance, taken over with a warning past it', async () => {
    const { variable, backend } = routerOn([a.socketAddress]);
    const expiry = T0 - 60_000;
    await setVar(a.socketAddress, variable, formatHaproxyLock({ runId: 'crashed-1', expiresAt: expiry }));
    const early = routerOn([a.socketAddress], { backend });
    await expect(early.router.lock('run-2', HOUR)).rejects.toThrow(
      `is locked by run crashed-1 until 2026-12-01T02:59:00.000Z (expired by this runner's clock, but clocks may differ by up to 5m: it is taken over after 2026-12-01T03:04:00.000Z)`,
    );
    const later = routerOn([a.socketAddress], { backend, now: expiry + LOCK_CLOCK_SKEW_MS + 1 });
    await later.router.lock('run-3', HOUR);
    expect(later.warnings).toEqual([
      `HAProxy: took over the expired lock of run crashed-1 (expired 2026-12-01T02:59:00.000Z) on HAProxy at ${a.socketPath}`,
    ]);
    expect(parseHaproxyLock(await getVar(a.socketAddress, variable))).toMatchObject({ runId: 'run-3' });
  });

  it('a value that is no lock is never taken over: refused naming the variable, its value and the command that clears it', async () => {
    const { router, variable } = routerOn([a.socketAddress]);
    await setVar(a.socketAddress, variable, 'maintenance-by-ops');
    const refused = router.lock('run-1', HOUR);
    await expect(refused).rejects.toThrow(
      `HAProxy: the variable ${variable} on HAProxy at ${a.socketPath} holds "maintenance-by-ops", which is not a Glidepath lock (a lock reads \`<run id>+<expiry, ISO 8601 UTC>[+<run URL>]\``,
    );
    const clear = await router.lockClearCommand();
    expect(clear).toBe(
      `echo 'experimental-mode on; set var ${variable} str()' | socat stdio ${a.socketPath}`,
    );
    await expect(refused).rejects.toThrow(
      `nothing was moved. If no deploy is running there, clear it: ${clear}`,
    );
    expect(await getVar(a.socketAddress, variable)).toBe('maintenance-by-ops');
    await router.unlock('run-1');
    expect(await getVar(a.socketAddress, variable)).toBe('maintenance-by-ops');
    expect((await router.lockHolder())?.problem).toContain('so every run is refused until it is cleared');
    // the command does what it says
    await runClearCommand(clear, [a.socketAddress]);
    await router.lock('run-1', HOUR);
  });

  it('the conditional write never overwrites a lock written after it was read', async () => {
    const { router, variable } = routerOn([a.socketAddress]);
    const instance = new HaproxyInstance(a.socketAddress);
    // run 2 read "free" just before run 1 took the lock; its write then finds run 1's value
    expect(await instance.getVar(variable)).toBeUndefined();
    await router.lock('run-1', HOUR);
    const mine = await instance.getVar(variable);
    await instance.setVarIf(variable, '', formatHaproxyLock({ runId: 'run-2', expiresAt: T0 + HOUR }));
    expect(await instance.getVar(variable)).toBe(mine);
  });

  it('a pair: taken on each instance in the listed order; refused on the second, the first is taken off again', async () => {
    const pair = [a.socketAddress, b.socketAddress];
    const { router, variable, backend } = routerOn(pair);
    await setVar(b.socketAddress, variable, formatHaproxyLock({ runId: 'run-9', expiresAt: T0 + HOUR }));
    await expect(router.lock('run-1', HOUR)).rejects.toThrow(
      `backend ${backend} on HAProxy at 127.0.0.1:${(b.socketAddress as { port: number }).port} is locked by run run-9`,
    );
    expect(await getVar(a.socketAddress, variable)).toBe('');
    // status: a lock one instance keeps and the other does not
    expect(await router.lockHolder()).toMatchObject({
      run: 'run-9',
      problem: `only 127.0.0.1:${(b.socketAddress as { port: number }).port} keeps it; ${a.socketPath} has none (reloaded since the lock was taken?)`,
    });
    await setVar(b.socketAddress, variable, '');
    await router.lock('run-1', HOUR);
    expect(parseHaproxyLock(await getVar(a.socketAddress, variable))).toMatchObject({ runId: 'run-1' });
    expect(parseHaproxyLock(await getVar(b.socketAddress, variable))).toMatchObject({ runId: 'run-1' });
    const clear = await router.lockClearCommand();
    await runClearCommand(clear, pair);
    expect(await router.lockHolder()).toBeUndefined();
  });

  it('a pair whose second instance does not answer: refused naming it; the first is taken off again', async () => {
    const gone: SocketAddress = { kind: 'tcp', host: '127.0.0.1', port: await freePort() };
    const { router, variable } = routerOn([a.socketAddress, gone]);
    await expect(router.lock('run-1', HOUR)).rejects.toThrow(
      `HAProxy runtime API at 127.0.0.1:${(gone as { port: number }).port}: connect ECONNREFUSED`,
    );
    expect(await getVar(a.socketAddress, variable)).toBe('');
  });

  /**
   * `runs` routers race for one backend's lock, started within `spreadMs` of each other; returns how
   * many took it, and checks the variable names the one that did.
   */
  async function race(sockets: SocketAddress[], runs: number, spreadMs: number, pause?: () => Promise<void>) {
    const backend = `race${++backends}`;
    const results = await Promise.allSettled(
      Array.from({ length: runs }, async (_, n) => {
        await new Promise((r) => setTimeout(r, Math.random() * spreadMs));
        const { router } = routerOn(sockets, { backend, ...(pause ? { pause } : {}) });
        await router.lock(`run-${n}`, HOUR);
        return n;
      }),
    );
    const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const r of results)
      if (r.status === 'rejected')
        expect(String(r.reason)).toMatch(/is locked by run run-\d|lost the lock on backend .* to run run-\d/);
    for (const s of sockets) {
      const held = parseHaproxyLock(await getVar(s, `proc.glidepath_lock_${backend}`));
      if (winners.length === 1) expect(held).toMatchObject({ runId: `run-${winners[0]}` });
    }
    return winners.length;
  }

  /**
   * `total` races, `perBatch` at once (each on its own backend): HAProxy's stats socket takes 10
   * connections at a time by default (`maxconn` of the bind; more are refused with EAGAIN), and
   * each racing run holds at most one.
   */
  async function races(total: number, perBatch: number, one: () => Promise<number>): Promise<number[]> {
    const won: number[] = [];
    while (won.length < total)
      won.push(...(await Promise.all(Array.from({ length: Math.min(perBatch, total - won.length) }, one))));
    return won;
  }

  it('two runs started at the same instant: exactly one goes on, in every one of 60 races', async () => {
    expect(await races(60, 4, () => race([a.socketAddress], 2, 0))).toEqual(Array(60).fill(1));
  });

  it('three runs started within 50 ms of each other: exactly one goes on, in every one of 30 races', async () => {
    expect(await races(30, 3, () => race([a.socketAddress], 3, 50))).toEqual(Array(30).fill(1));
  });

  it('with no pause at all the conditional write alone still lets exactly one of two runs on (60 races)', async () => {
    const none = async () => undefined;
    expect(await races(60, 4, () => race([a.socketAddress], 2, 0, none))).toEqual(Array(60).fill(1));
  });

  it('a pair raced by two runs at the same instant: one holds both instances, the other neither (20 races)', async () => {
    expect(await races(20, 4, () => race([a.socketAddress, b.socketAddress], 2, 0))).toEqual(
      Array(20).fill(1),
    );
  });
});
