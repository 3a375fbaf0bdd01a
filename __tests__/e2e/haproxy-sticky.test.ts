// Rollbacks that move everyone: the bundled action on real HAProxy with cookie persistence
// (`cookie SRV insert`), under clients that keep their cookie. Weight 0 and DRAIN keep pinned clients on
// a server; only MAINT moves them, so no request sent after a restore may reach the slot it left.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { haproxyAvailable, startHaproxy, type RunningHaproxy } from '../helpers/haproxy.js';
import { startAppServer, type AppServer } from '../helpers/app-server.js';
import { runBundle, type BundleRun } from '../helpers/bundle.js';
import { startStickyClients, type StickyRequest } from '../helpers/sticky-clients.js';
import { parseShowStat, sendCommand } from '../../src/traffic/haproxy-socket.js';

const available = haproxyAvailable();
if (!available && process.env.GLIDEPATH_REQUIRE_HAPROXY)
  throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');

interface ReportEvent {
  type: string;
  at: string;
  slot?: string;
  requests?: number;
  windowMs?: number;
}

/** The restore's time (its `rollback` event: weights back and the slot left marked) and the watch after it. */
function restoreOf(r: BundleRun): { at: number; left?: ReportEvent } {
  const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8')) as { events: ReportEvent[] };
  const rollback = report.events.find((e) => e.type === 'rollback');
  if (!rollback) throw new Error(`no rollback event in the report:\n${r.stdout}`);
  return { at: Date.parse(rollback.at), left: report.events.find((e) => e.type === 'left') };
}

/**
 * What the clients did around the restore: the clients pinned to the slot left, the requests after
 * it still carrying its cookie, and where every request sent after it went.
 */
function after(log: StickyRequest[], at: number, left: string) {
  const later = log.filter((q) => q.sent > at);
  const clients = new Set(log.map((q) => q.client));
  // pinned when the restore began: answered by the slot in the last 300 ms before traffic left it
  // (the restore writes the weights, then the mark, then notes the time: a few ms under load, or more)
  const pinnedClients = [...clients].filter((c) =>
    log.some((q) => q.client === c && q.sent <= at && q.sent > at - 300 && q.server === left),
  );
  return {
    sent: later.length,
    pinnedClients: pinnedClients.length,
    withCookie: later.filter((q) => q.cookie === left).length,
    reached: later.filter((q) => q.server === left),
    failed: later.filter((q) => q.status !== 200 && q.server !== left).length,
  };
}

/** One line of the closing note. */
function describe1(name: string, seen: ReturnType<typeof after>, left: string, watch?: ReportEvent): string {
  return (
    `${name}: ${seen.pinnedClients} clients answered by ${left} in the 300 ms before the restore; of the ${seen.sent} requests sent after it, ` +
    `${seen.withCookie} still carried SRV=${left} and ${seen.reached.length} reached ${left}; the watch counted ${watch?.requests} in ${watch?.windowMs} ms`
  );
}

const measured: string[] = [];

describe.skipIf(!available)('bundled action on a sticky HAProxy backend', () => {
  let blue: AppServer;
  let green: AppServer;
  let hp: RunningHaproxy;

  async function start(cookie = true): Promise<Record<string, string>> {
    blue = await startAppServer({ name: 'blue' });
    green = await startAppServer({ name: 'green' });
    hp = await startHaproxy({
      servers: { blue: blue.port, green: green.port },
      socket: 'unix',
      cookie,
    });
    return {
      command: 'deploy',
      strategy: 'canary',
      'canary-steps': '50',
      interval: '3s',
      'probe-interval': '500ms',
      'probe-timeout': '400ms',
      provider: 'haproxy',
      'haproxy-socket': hp.socketPath!,
      'blue-target': 'web/blue',
      'green-target': 'web/green',
      'health-urls': `${hp.frontendUrl}/health`,
      'min-requests': '10',
    };
  }

  const stateOf = async (server: string) =>
    parseShowStat(await sendCommand(hp.socketAddress, 'show stat -1 4 -1')).find((r) => r.svname === server)
      ?.status;
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  afterAll(() => {
    if (measured.length > 0)
      console.log(`requests to the slot left, after each restore:\n${measured.join('\n')}`);
  });

  afterEach(async () => {
    await hp?.stop();
    await blue?.close();
    await green?.close();
  });

  it.each([
    ['sticky', true],
    ['without persistence', false],
  ] as const)(
    'a bad canary is rolled back (%s): clients on green reach blue from the restore on; the summary says 0 reached green',
    async (kind, cookie) => {
      const inputs = await start(cookie);
      green.set({ errorRate: 0.3 });
      const clients = startStickyClients(hp.frontendUrl, { clients: 8, sessionEvery: 30, pauseMs: 10 });
      const r = await runBundle(inputs);
      await pause(1500);
      const log = await clients.stop();
      expect(r.outputs.result, r.stdout).toBe('rolled-back');

      const { at, left } = restoreOf(r);
      const seen = after(log, at, 'green');
      if (process.env.STICKY_DEBUG)
        console.log(
          log
            .filter((q) => q.sent > at - 1500 && q.sent < at + 200)
            .map((q) => `${q.sent - at} c${q.client} ${q.cookie ?? '-'} → ${q.server} ${q.status}`)
            .join('\n') + `\n${r.stdout}`,
        );
      // the test means something: clients were on green when traffic went back (pinned, when sticky)...
      expect(seen.pinnedClients, 'no client was on green at the restore').toBeGreaterThan(0);
      // ...and not one request sent after it reached green
      expect(seen.reached).toEqual([]);
      expect(seen.failed).toBe(0);
      expect(left).toMatchObject({ slot: 'green', requests: 0, windowMs: 2000 });
      expect(r.summary).toContain('✅ 0 requests reached green in the 2 s after the restore.');
      expect(r.stdout).toContain('traffic left: 0 requests reached green in the 2 s after the restore');
      // the restore's line is read once green is marked: it shows MAINT, not the UP of a moment before
      expect(r.summary).toContain(
        'Restored blue 100% / green 0% (web/blue weight 100 (100%) UP, web/green weight 0 MAINT).',
      );
      expect(await stateOf('green')).toBe('MAINT');
      measured.push(describe1(`automatic rollback (${kind})`, seen, 'green', left));
    },
    90_000,
  );

  it('abort, an on-call rollback and a rollback back to green each move every pinned client; no request after reaches the slot left', async () => {
    const inputs = await start();
    const clients = startStickyClients(hp.frontendUrl, { clients: 8, sessionEvery: 30, pauseMs: 10 });

    const started: Record<string, number> = {};
    const run = (name: string, extra: Record<string, string>) => {
      started[name] = Date.now();
      return runBundle({ ...inputs, ...extra });
    };

    // held at 50%: half the new sessions are pinned to green; abort takes them all back
    const held = await run('held', { 'hold-at': '50' });
    expect(held.outputs.result, held.stdout).toBe('held');
    await pause(500);
    const aborted = await run('abort', { command: 'abort' });
    expect(aborted.outputs.result, aborted.stdout).toBe('aborted');
    await pause(1000);

    // deployed again and promoted: every session ends up on green; on-call rolls back to blue
    const promoted = await run('promote', {});
    expect(promoted.outputs.result, promoted.stdout).toBe('promoted');
    await pause(500);
    const rolledBack = await run('rollback', { command: 'rollback' });
    expect(rolledBack.outputs.result, rolledBack.stdout).toBe('rolled-back');
    expect(await stateOf('green')).toBe('MAINT');
    await pause(1000);

    // status says green is kept out since that rollback, and a rollback back to it needs no force
    const status = await run('status', { command: 'status' });
    expect(status.stdout).toMatch(
      /green .*MAINT .*previous: kept out of service \(MAINT\) since the last rollback/,
    );
    const back = await run('back', { command: 'rollback' });
    expect(back.outputs, back.stdout).toMatchObject({ result: 'rolled-back', 'live-slot': 'green' });
    expect(await stateOf('blue')).toBe('MAINT');
    await pause(1500);
    const log = await clients.stop();

    // each restore's window ends when the next run that moves traffic starts
    for (const [name, result, left, until] of [
      ['abort', aborted, 'green', started.promote],
      ['on-call rollback', rolledBack, 'green', started.back],
      ['rollback back to green', back, 'blue', undefined],
    ] as const) {
      const restore = restoreOf(result);
      const seen = after(
        log.filter((q) => until === undefined || q.sent < until),
        restore.at,
        left,
      );
      expect(seen.pinnedClients, `${name}: no client was pinned to ${left} at the restore`).toBeGreaterThan(
        0,
      );
      expect(seen.reached, name).toEqual([]);
      expect(seen.failed, name).toBe(0);
      expect(restore.left, name).toMatchObject({ slot: left, requests: 0 });
      expect(result.summary, name).toContain(`✅ 0 requests reached ${left} in the 2 s after the restore.`);
      measured.push(describe1(name, seen, left, restore.left));
    }
  }, 180_000);
});
