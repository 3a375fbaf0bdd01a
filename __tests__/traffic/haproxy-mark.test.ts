// Glidepath's mark on HAProxy servers: MAINT with a note listing the servers it put there. Checked against
// real HAProxy with cookie persistence, where weight 0 and DRAIN keep pinned clients and only MAINT moves them.
import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeMark, encodeMark } from '../../src/traffic/haproxy-mark.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';
import { parseShowStat, sendCommand } from '../../src/traffic/haproxy-socket.js';
import { watchLeft } from '../../src/engine/left.js';
import { escapeNote } from '../../src/traffic/mark-note.js';
import { haproxyAvailable, startHaproxy, type RunningHaproxy } from '../helpers/haproxy.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';

const note = {
  run: 'https://github.com/o/r/actions/runs/7',
  at: Date.UTC(2026, 11, 1, 3, 12),
  reason: 'rolled back: 5% (1 of 20) + "x"',
};

describe('the mark’s text', () => {
  it('round-trips slot, note, kind and servers through the characters a variable takes', () => {
    const text = encodeMark({
      slot: 'green',
      kind: 'rejected',
      note,
      servers: ['g1', 'g.2:x'],
      drained: ['g.2:x'],
    });
    expect(text).toMatch(/^[A-Za-z0-9._:/@=+-]*$/);
    expect(decodeMark(text)).toEqual({
      slot: 'green',
      kind: 'rejected',
      note,
      servers: ['g1', 'g.2:x'],
      drained: ['g.2:x'],
    });
    expect(decodeMark(encodeMark({ slot: 'blue', kind: 'left', servers: [], drained: [] }))).toEqual({
      slot: 'blue',
      kind: 'left',
      servers: [],
      drained: [],
    });
  });

  it('a mark from before the servers were listed (slot+run+at+reason) reads as rejected, listing none', () => {
    const old = ['green', note.run, new Date(note.at).toISOString(), 'aborted by alice']
      .map((f) => escapeNote(f, /[A-Za-z0-9._:/@-]/))
      .join('+');
    expect(decodeMark(old)).toEqual({
      slot: 'green',
      kind: 'rejected',
      note: { ...note, reason: 'aborted by alice' },
      drained: [],
    });
    expect(decodeMark('')).toBeUndefined();
    expect(decodeMark(undefined)).toBeUndefined();
  });
});

/** One GET with `SRV=<cookie>`: which app answered, and the cookie HAProxy set, if any. */
async function getAs(url: string, cookie?: string): Promise<{ server: string; setCookie?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: cookie ? { cookie: `SRV=${cookie}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        let server = '';
        try {
          server = String((JSON.parse(body) as { version?: unknown }).version);
        } catch {
          server = `(status ${res.statusCode})`;
        }
        resolve({
          server,
          ...(res.headers['set-cookie'] ? { setCookie: res.headers['set-cookie'].join('; ') } : {}),
        });
      });
    });
    req.on('error', reject);
  });
}

describe.skipIf(!haproxyAvailable())('real HAProxy with cookie persistence', () => {
  let apps: AppServer[] = [];
  let hp: RunningHaproxy;
  let router: HaproxyRouter;
  const names = ['blue', 'green1', 'green2'];
  const status = async (server: string) =>
    parseShowStat(await sendCommand(hp.socketAddress, 'show stat -1 4 -1')).find((r) => r.svname === server)
      ?.status;
  const clock = { sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

  beforeAll(async () => {
    apps = await Promise.all(names.map((name) => startAppServer({ name })));
    hp = await startHaproxy({
      servers: names.map((name, i) => ({ name, port: apps[i]!.port, weight: name === 'blue' ? 100 : 0 })),
      socket: 'unix',
      cookie: true,
    });
    router = new HaproxyRouter({
      kind: 'haproxy',
      sockets: [hp.socketAddress],
      blue: { backend: 'web', servers: ['blue'] },
      green: { backend: 'web', servers: ['green*'] },
    });
  });
  afterAll(async () => {
    await hp?.stop();
    await Promise.all(apps.map((a) => a.close()));
  });
  beforeEach(async () => {
    await sendCommand(
      hp.socketAddress,
      'set server web/green1 state ready; set server web/green2 state ready; experimental-mode on; set var proc.glidepath_rejected_web str()',
    );
    await router.set({ blue: 100, green: 0 });
  });

  it('weight 0 and DRAIN keep a pinned client on green (and the watch sees it); the rejected mark (MAINT) moves it', async () => {
    // the client was pinned to green1 during a canary; traffic is back on blue by weights alone
    expect((await getAs(hp.frontendUrl, 'green1')).server).toBe('green1');
    const pinned = setInterval(() => void getAs(hp.frontendUrl, 'green1').catch(() => undefined), 50);
    try {
      const weightsOnly = await watchLeft({ router, clock }, 'green', 500);
      expect(weightsOnly).toMatchObject({ windowMs: 500 });
      expect((weightsOnly as { requests: number }).requests).toBeGreaterThan(3);
      await sendCommand(hp.socketAddress, 'set server web/green1 state drain');
      expect((await getAs(hp.frontendUrl, 'green1')).server).toBe('green1');

      await router.reject('green', note);
      expect([await status('green1'), await status('green2')]).toEqual(['MAINT', 'MAINT']);
      const moved = await getAs(hp.frontendUrl, 'green1');
      expect(moved).toMatchObject({ server: 'blue', setCookie: expect.stringContaining('SRV=blue') });
      expect(await watchLeft({ router, clock }, 'green', 500)).toEqual({ requests: 0, windowMs: 500 });
    } finally {
      clearInterval(pinned);
    }
    // the mark lists both servers, green1 as drained before: lifting it puts each back as it was
    expect(await router.rejected()).toEqual({ slot: 'green', note });
    await router.prepare('green');
    expect([await status('green1'), await status('green2')]).toEqual([
      expect.stringMatching(/^DRAIN/),
      expect.stringMatching(/^UP/),
    ]);
    expect(await router.rejected()).toBeUndefined();
  });

  it('an operator’s MAINT is not Glidepath’s: the mark does not list it, and neither prepare nor lift takes it out', async () => {
    await sendCommand(hp.socketAddress, 'set server web/green2 state maint');
    await router.reject('green', note);
    const raw = await sendCommand(hp.socketAddress, 'get var proc.glidepath_rejected_web');
    expect(decodeMark(/value=<([^>]*)>/.exec(raw)?.[1])?.servers).toEqual(['green1']);
    await router.lift('green');
    expect([await status('green1'), await status('green2')]).toEqual([expect.stringMatching(/^UP/), 'MAINT']);

    // with the operator's MAINT the only one left, a lift is refused and changes nothing
    await sendCommand(hp.socketAddress, 'set server web/green1 state maint');
    const single = new HaproxyRouter({
      kind: 'haproxy',
      sockets: [hp.socketAddress],
      blue: { backend: 'web', servers: ['blue'] },
      green: { backend: 'web', servers: ['green2'] },
    });
    await single.reject('green', note);
    await expect(single.lift('green')).rejects.toThrow(
      "web/green2 is in MAINT, an operator's maintenance that Glidepath never lifts; bring it back by hand first",
    );
    expect(await single.rejected()).toEqual({ slot: 'green', note });
    await single.prepare('green');
    expect(await status('green2')).toBe('MAINT');
    await expect(single.set({ blue: 90, green: 10 })).rejects.toThrow(
      /no server of green can take traffic .*\(web\/green2 MAINT\).*state ready` brings one back/,
    );
  });

  it('an on-call rollback’s mark moves clients off without calling the version rejected; lift takes it back', async () => {
    await router.evacuate('green', { ...note, reason: 'left by an on-call rollback by alice' });
    expect(await router.rejected()).toBeUndefined();
    expect(await router.evacuated()).toBe('green');
    expect((await getAs(hp.frontendUrl, 'green2')).server).toBe('blue');
    await router.lift('green');
    expect(await router.evacuated()).toBeUndefined();
    expect([await status('green1'), await status('green2')]).toEqual([
      expect.stringMatching(/^UP/),
      expect.stringMatching(/^UP/),
    ]);
  });

  it('a drained slot from an older Glidepath (its note lists no servers) is lifted by the next deploy', async () => {
    const old = ['green', note.run, new Date(note.at).toISOString(), 'rolled back']
      .map((f) => escapeNote(f, /[A-Za-z0-9._:/@-]/))
      .join('+');
    await sendCommand(
      hp.socketAddress,
      `set server web/green1 state drain; set server web/green2 state drain; experimental-mode on; set var proc.glidepath_rejected_web str(${old})`,
    );
    expect(await router.rejected()).toMatchObject({ slot: 'green' });
    await router.prepare('green');
    expect([await status('green1'), await status('green2')]).toEqual([
      expect.stringMatching(/^UP/),
      expect.stringMatching(/^UP/),
    ]);
  });
});
