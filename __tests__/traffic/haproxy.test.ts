// HaproxyRouter and the runtime API client: against a fake socket for ordering and faults, against real HAProxy for the rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SocketAddress } from '../../src/config/types.js';
import type { Weights } from '../../src/ports/traffic.js';
import { HaproxyRouter, isEligibleStatus, type HaproxyProvider } from '../../src/traffic/haproxy.js';
import { parseServersState, parseShowStat, sendCommand } from '../../src/traffic/haproxy-socket.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import {
  freePort,
  haproxyAvailable,
  sendSequential,
  startFakeRuntimeApi,
  startHaproxy,
  statCsv,
  type FakeRuntimeApi,
  type RunningHaproxy,
} from '../helpers/haproxy.js';

const provider = (socket: SocketAddress, green = 'green'): HaproxyProvider => ({
  kind: 'haproxy',
  sockets: [socket],
  blue: { backend: 'web', servers: ['blue'] },
  green: { backend: 'web', servers: [green] },
});

describe('parseShowStat', () => {
  it('keys rows by the header names, whatever their order, and reads quoted fields', () => {
    const csv =
      '# svname,pxname,status,check_desc,weight,\nblue,web,UP,"a, b ""c""",75,\ngreen,web,DRAIN,,25,\n\n';
    const rows = parseShowStat(csv);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      svname: 'blue',
      pxname: 'web',
      status: 'UP',
      check_desc: 'a, b "c"',
      weight: '75',
    });
    expect(rows[1]?.status).toBe('DRAIN');
  });

  it('names the missing header and quotes what HAProxy said instead', () => {
    expect(() => parseShowStat('Permission denied\n\n')).toThrow(
      /no "# pxname,svname,\.\.\." header; it said: Permission denied/,
    );
  });
});

describe('parseServersState', () => {
  it('reads the columns by name, as HAProxy 2.6 prints them (captured here, TLS server included)', () => {
    const reply = [
      '1',
      '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port',
      '3 web 1 blue 127.0.0.1 2 0 100 100 2 1 0 2 0 0 0 0 - 41001 - 0 0 - - 0',
      '3 web 3 tls 127.0.0.1 2 0 0 0 2 1 0 2 0 0 0 0 - 41003 - 1 0 - - 0',
      '',
    ].join('\n');
    const rows = parseServersState(reply);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      be_name: 'web',
      srv_name: 'blue',
      srv_addr: '127.0.0.1',
      srv_port: '41001',
      srv_use_ssl: '0',
    });
    expect(rows[1]).toMatchObject({ srv_name: 'tls', srv_use_ssl: '1' });
    expect(parseServersState('No such backend.\n')).toEqual([]);
  });
});

describe('isEligibleStatus', () => {
  it.each([
    ['UP', true],
    ['UP 1/3', true],
    ['no check', true],
    ['DRAIN', false],
    ['MAINT', false],
    ['MAINT (via web/x)', false],
    ['DOWN', false],
    ['DOWN 1/2', false],
    ['NOLB', false],
    ['', false],
  ])('%s → %s', (status, eligible) => {
    expect(isEligibleStatus(status)).toBe(eligible);
  });
});

describe('sendCommand faults', () => {
  let hang: FakeRuntimeApi;
  beforeAll(async () => {
    hang = await startFakeRuntimeApi(() => null);
  });
  afterAll(() => hang.close());

  it('a missing unix socket says where and what to check', async () => {
    await expect(
      sendCommand({ kind: 'unix', path: '/nonexistent/glidepath.sock' }, 'show info'),
    ).rejects.toThrow(
      'HAProxy runtime API at /nonexistent/glidepath.sock: connect ENOENT — is HAProxy running and is "stats socket" configured?',
    );
  });

  it('a closed tcp port is ECONNREFUSED with host:port', async () => {
    const port = await freePort();
    await expect(sendCommand({ kind: 'tcp', host: '127.0.0.1', port }, 'show info')).rejects.toThrow(
      `HAProxy runtime API at 127.0.0.1:${port}: connect ECONNREFUSED`,
    );
  });

  it('a peer that never closes is cut at the timeout, naming the command', async () => {
    const started = Date.now();
    await expect(sendCommand(hang.address, 'show stat', { timeoutMs: 200 })).rejects.toThrow(
      /no complete reply to "show stat" within 200 ms/,
    );
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(2000);
  });

  it('refuses a line with a newline (it would be two commands)', async () => {
    await expect(sendCommand(hang.address, 'show info\nshutdown frontend fe')).rejects.toThrow(
      /must be one line/,
    );
  });
});

/** A stateful fake of the three commands the router uses, recording every line. */
async function fakeHaproxy(initial: { blue: number; green: number }) {
  const w: Record<string, number> = { blue: initial.blue, green: initial.green };
  const api = await startFakeRuntimeApi((line) => {
    let out = '';
    for (const cmd of line.split(';').map((c) => c.trim())) {
      let m: RegExpExecArray | null;
      if ((m = /^get weight web\/(\w+)$/.exec(cmd)))
        out += m[1]! in w ? `${w[m[1]!]} (initial 1)\n\n` : 'No such server.\n\n';
      else if ((m = /^set weight web\/(\w+) (\d+)$/.exec(cmd))) {
        if (!(m[1]! in w)) out += 'No such server.\n\n';
        else {
          w[m[1]!] = Number(m[2]);
          out += '\n';
        }
      } else if (cmd === 'show stat -1 4 -1')
        out += statCsv(
          Object.entries(w).map(([sv, weight]) => ({
            pxname: 'web',
            svname: sv,
            status: 'UP',
            weight,
            uweight: weight,
          })),
        );
      else out += 'Unknown command\n\n';
    }
    return out;
  });
  return { api, w };
}

describe('HaproxyRouter against a fake runtime API', () => {
  it('raises the gaining server first, in one line, and returns the read-back', async () => {
    const { api } = await fakeHaproxy({ blue: 100, green: 0 });
    try {
      const router = new HaproxyRouter(provider(api.address));
      const steps: [Weights, string][] = [
        [{ blue: 75, green: 25 }, 'set weight web/green 25; set weight web/blue 75'],
        [{ blue: 0, green: 100 }, 'set weight web/green 100; set weight web/blue 0'],
        [{ blue: 100, green: 0 }, 'set weight web/blue 100; set weight web/green 0'],
      ];
      for (const [want, line] of steps) {
        api.lines.length = 0;
        const state = await router.set(want);
        expect(state.weights).toEqual(want);
        const sets = api.lines.filter((l) => l.startsWith('set '));
        expect(sets).toEqual([line]);
        expect(api.lines.some((l) => l.includes('%'))).toBe(false);
      }
    } finally {
      await api.close();
    }
  });

  it.each<[string, Weights, RegExp]>([
    ['sum ≠ 100', { blue: 50, green: 49 }, /blue 50 \+ green 49 = 99; accepted: two percents summing to 100/],
    ['all zero', { blue: 0, green: 0 }, /send traffic nowhere/],
    ['negative', { blue: -10, green: 110 }, /blue is -10; accepted: a percent from 0 to 100/],
    ['NaN', { blue: Number.NaN, green: 100 }, /blue is NaN/],
  ])('rejects %s before sending anything', async (_label, weights, message) => {
    const { api } = await fakeHaproxy({ blue: 100, green: 0 });
    try {
      await expect(new HaproxyRouter(provider(api.address)).set(weights)).rejects.toThrow(message);
      expect(api.lines).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('reports percent of the weights sum from any absolute scale, and 0/0 as 0/0', async () => {
    const { api, w } = await fakeHaproxy({ blue: 1, green: 3 });
    try {
      const router = new HaproxyRouter(provider(api.address));
      expect((await router.read()).weights).toEqual({ blue: 25, green: 75 });
      w.blue = 0;
      w.green = 0;
      expect((await router.read()).weights).toEqual({ blue: 0, green: 0 });
    } finally {
      await api.close();
    }
  });
});

describe.skipIf(!haproxyAvailable())('HaproxyRouter against real HAProxy', () => {
  let blue: AppServer;
  let green: AppServer;
  let hp: RunningHaproxy;
  let router: HaproxyRouter;

  beforeAll(async () => {
    blue = await startAppServer({ name: 'blue-v1' });
    green = await startAppServer({ name: 'green-v2' });
    hp = await startHaproxy({ servers: { blue: blue.port, green: green.port }, socket: 'unix' });
    router = new HaproxyRouter(provider(hp.socketAddress));
  });
  afterAll(async () => {
    await hp?.stop();
    await blue?.close();
    await green?.close();
  });

  it('describes itself by socket and servers', () => {
    expect(router.description).toBe(`HAProxy ${hp.socketPath} (web/blue, web/green)`);
  });

  it('reads the configured split 100/0 with both UP', async () => {
    const s = await router.read();
    expect(s.weights).toEqual({ blue: 100, green: 0 });
    expect(s.ineligible).toBeUndefined();
    expect(s.detail).toBe('web/blue weight 100 (100%) UP, web/green weight 0 UP');
  });

  it('25% to green: 400 keep-alive requests split within ±3%', async () => {
    const s = await router.set({ blue: 75, green: 25 });
    expect(s.weights).toEqual({ blue: 75, green: 25 });
    const before = green.stats().requests;
    const r = await sendSequential(hp.frontendUrl, 400);
    expect(r.connections).toBe(1);
    expect(r.byStatus[200]).toBe(400);
    const greenShare = (r.byVersion['green-v2'] ?? 0) / 400;
    expect(Math.abs(greenShare - 0.25)).toBeLessThanOrEqual(0.03);
    // the app saw what the client saw: HAProxy did not retry or invent answers
    expect(green.stats().requests - before).toBe(r.byVersion['green-v2']);
  });

  it('reads back every step of a canary and its rollback exactly', async () => {
    for (const g of [5, 25, 50, 99, 100, 0]) {
      const s = await router.set({ blue: 100 - g, green: g });
      expect(s.weights).toEqual({ blue: 100 - g, green: g });
      const share = (w: number) => (w > 0 ? ` (${w}%)` : '');
      expect(s.detail).toBe(
        `web/blue weight ${100 - g}${share(100 - g)} UP, web/green weight ${g}${share(g)} UP`,
      );
      // HAProxy itself agrees (absolute weights, never relative)
      expect(await sendCommand(hp.socketAddress, 'get weight web/green')).toMatch(
        new RegExp(`^${g} \\(initial 0\\)`),
      );
    }
  });

  it('with all traffic on green, every request lands on green', async () => {
    await router.set({ blue: 0, green: 100 });
    const r = await sendSequential(hp.frontendUrl, 50);
    expect(r.byVersion).toEqual({ 'green-v2': 50 });
    await router.set({ blue: 100, green: 0 });
  });

  it('a DRAINed server is ineligible though its weight column keeps the value', async () => {
    await router.set({ blue: 50, green: 50 });
    expect(await sendCommand(hp.socketAddress, 'set server web/green state drain')).toBe('\n');
    try {
      const s = await router.read();
      expect(s.ineligible).toEqual(['green']);
      expect(s.weights).toEqual({ blue: 50, green: 50 });
      // the weights still say 50/50; traffic goes all to blue, and the drained server is named
      expect(s.detail).toBe('web/blue weight 50 (100%) UP, web/green weight 50 DRAIN');
      expect(s.effective).toEqual({ blue: 100, green: 0 });
      expect(s.excluded).toEqual(['web/green DRAIN']);
      // and HAProxy indeed sends it nothing
      const r = await sendSequential(hp.frontendUrl, 20);
      expect(r.byVersion).toEqual({ 'blue-v1': 20 });
    } finally {
      await sendCommand(hp.socketAddress, 'set server web/green state ready');
    }
    expect((await router.read()).ineligible).toBeUndefined();
    await router.set({ blue: 100, green: 0 });
  });

  it('a MAINT server is ineligible too', async () => {
    await sendCommand(hp.socketAddress, 'set server web/green state maint');
    try {
      expect((await router.read()).ineligible).toEqual(['green']);
    } finally {
      await sendCommand(hp.socketAddress, 'set server web/green state ready');
    }
  });

  it('a wrong server name: set() and read() name the input and the servers HAProxy has', async () => {
    const bad = new HaproxyRouter(provider(hp.socketAddress, 'nope'));
    await expect(bad.set({ blue: 50, green: 50 })).rejects.toThrow(
      /green-target "web\/nope" is not a server of HAProxy at .*; servers it has: web\/blue, web\/green/,
    );
    await expect(bad.read()).rejects.toThrow(
      /green-target "web\/nope" is not a server of HAProxy at .*; servers it has: web\/blue, web\/green/,
    );
    // nothing moved
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
  });

  it('a server of the other slot missing: all traffic to one slot still sets it and says so; a split does not', async () => {
    const gone = new HaproxyRouter(provider(hp.socketAddress, 'nope'));
    const state = await gone.set({ blue: 100, green: 0 });
    expect(state.weights).toEqual({ blue: 100, green: 0 });
    expect(state.detail).toBe(
      'web/blue weight 100 (100%) UP; web/nope is no longer a server of HAProxy (no traffic goes there)',
    );
    // a slot that must take traffic needs its servers
    await expect(gone.set({ blue: 0, green: 100 })).rejects.toThrow(
      /green-target "web\/nope" is not a server/,
    );
    await expect(gone.set({ blue: 90, green: 10 })).rejects.toThrow(
      /green-target "web\/nope" is not a server/,
    );
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
  });
});

describe.skipIf(!haproxyAvailable())('HaproxyRouter faults and the tcp socket', () => {
  let blue: AppServer;
  let green: AppServer;
  beforeAll(async () => {
    blue = await startAppServer({ name: 'blue-v1' });
    green = await startAppServer({ name: 'green-v2' });
  });
  afterAll(async () => {
    await blue?.close();
    await green?.close();
  });

  it('HAProxy stopped (socket gone): read() and set() reject with a clear message', async () => {
    const hp = await startHaproxy({ servers: { blue: blue.port, green: green.port }, socket: 'unix' });
    const router = new HaproxyRouter(provider(hp.socketAddress));
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
    await hp.stop();
    const msg = `HAProxy runtime API at ${hp.socketPath}: connect ENOENT — is HAProxy running and is "stats socket" configured?`;
    await expect(router.read()).rejects.toThrow(msg);
    await expect(router.set({ blue: 0, green: 100 })).rejects.toThrow(msg);
  });

  it('works over a tcp runtime API (host:port)', async () => {
    const hp = await startHaproxy({
      servers: { blue: blue.port, green: green.port },
      socket: 'tcp',
      weights: { blue: 0, green: 100 },
    });
    try {
      expect(hp.socketAddress.kind).toBe('tcp');
      const router = new HaproxyRouter(provider(hp.socketAddress));
      expect(router.description).toMatch(/^HAProxy 127\.0\.0\.1:\d+ \(web\/blue, web\/green\)$/);
      expect((await router.read()).weights).toEqual({ blue: 0, green: 100 });
      expect((await router.set({ blue: 50, green: 50 })).weights).toEqual({ blue: 50, green: 50 });
      const r = await sendSequential(hp.frontendUrl, 40);
      // roundrobin right after a weight change is even, not strictly alternating
      expect(r.byStatus[200]).toBe(40);
      expect(Math.abs((r.byVersion['green-v2'] ?? 0) - 20)).toBeLessThanOrEqual(2);
    } finally {
      await hp.stop();
    }
    // stopped: the tcp port refuses
    await expect(new HaproxyRouter(provider(hp.socketAddress)).read()).rejects.toThrow(
      /connect ECONNREFUSED/,
    );
  });

  it('a set line HAProxy refuses (static balance) fails with its reply verbatim', async () => {
    const hp = await startHaproxy({
      servers: { blue: blue.port, green: green.port },
      socket: 'unix',
      balance: 'static-rr',
    });
    try {
      const router = new HaproxyRouter(provider(hp.socketAddress));
      const expected = (await sendCommand(hp.socketAddress, 'set weight web/green 25')).trim();
      expect(expected).not.toBe('');
      await expect(router.set({ blue: 75, green: 25 })).rejects.toThrow(
        `refused "set weight web/green 25; set weight web/blue 75": ${expected}`,
      );
    } finally {
      await hp.stop();
    }
  });
});
