// On-call commands through the bundle: every result line and the `weight` output name the weights as
// read back from the load balancer (provider command: a file is the load balancer); and status, the
// rejected mark's note and force: true on real HAProxy.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBundle } from '../helpers/bundle.js';
import { haproxyAvailable, type RunningHaproxy } from '../helpers/haproxy.js';
import { type AppServer } from '../helpers/app-server.js';
import { startBlueGreen } from '../helpers/blue-green.js';
import { sendCommand } from '../../src/traffic/haproxy-socket.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';

type W = { blue: number; green: number };
const line = (w: W) => `blue ${w.blue}% / green ${w.green}%`;

// [starting weights, command, hold-at, result, live after, weights after (read back), weight output]
const TABLE: [W, string, string, string, string, W, string][] = [
  [{ blue: 0, green: 100 }, 'status', '', 'unchanged', 'green', { blue: 0, green: 100 }, ''],
  [{ blue: 0, green: 100 }, 'promote', '', 'unchanged', 'green', { blue: 0, green: 100 }, ''],
  [{ blue: 0, green: 100 }, 'abort', '', 'unchanged', 'green', { blue: 0, green: 100 }, ''],
  [{ blue: 0, green: 100 }, 'rollback', '', 'rolled-back', 'blue', { blue: 100, green: 0 }, '0'],
  [{ blue: 100, green: 0 }, 'status', '', 'unchanged', 'blue', { blue: 100, green: 0 }, ''],
  [{ blue: 100, green: 0 }, 'rollback', '', 'rolled-back', 'green', { blue: 0, green: 100 }, '0'],
  [{ blue: 75, green: 25 }, 'status', '25', 'unchanged', 'blue', { blue: 75, green: 25 }, '25'],
  [{ blue: 75, green: 25 }, 'promote', '25', 'promoted', 'green', { blue: 0, green: 100 }, '100'],
  [{ blue: 75, green: 25 }, 'abort', '25', 'aborted', 'blue', { blue: 100, green: 0 }, '0'],
  [{ blue: 75, green: 25 }, 'rollback', '25', 'failed', 'blue', { blue: 75, green: 25 }, '75'],
  [{ blue: 25, green: 75 }, 'status', '75', 'unchanged', 'blue', { blue: 25, green: 75 }, '75'],
  [{ blue: 25, green: 75 }, 'abort', '75', 'aborted', 'blue', { blue: 100, green: 0 }, '0'],
];

describe('on-call result lines and the weight output (provider command, through the bundle)', () => {
  it.each(
    TABLE.map(([start, command, holdAt, result, live, after, weight]) => ({
      start,
      command,
      holdAt,
      result,
      live,
      after,
      weight,
    })),
  )(
    '$command from $start.blue/$start.green → $result, weight "$weight"',
    async ({ start, command, holdAt, result, live, after, weight }) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-lb-'));
      const lb = path.join(dir, 'weights.json');
      writeFileSync(lb, JSON.stringify(start));
      const r = await runBundle({
        command,
        provider: 'command',
        'traffic-command': `printf '{"blue":%s,"green":%s}' "$BLUE_WEIGHT" "$GREEN_WEIGHT" > ${lb}`,
        'traffic-status-command': `cat ${lb}`,
        strategy: 'canary',
        'canary-steps': holdAt === '75' ? '25,75' : '25',
        interval: '1s',
        'probe-interval': '500ms',
        ...(holdAt ? { 'hold-at': holdAt } : {}),
        'pr-comment': 'false',
      });
      expect(JSON.parse(readFileSync(lb, 'utf8'))).toEqual(after);
      expect(r.outputs, r.stdout).toMatchObject({ result, 'live-slot': live, weight });
      const end = r.stdout.split('\n').find((l) => l.startsWith('result: '));
      // the line names both slots as read back, never one bare percent
      expect(end).toMatch(
        new RegExp(`^result: ${result} · live ${live} \\(previous \\w+\\) · ${line(after)}( · |$)`),
      );
      const header = r.stdout.split('\n').find((l) => l.startsWith(`glidepath ${command}`));
      if (command === 'status') expect(header).not.toContain('→');
    },
    20_000,
  );
});

const available = haproxyAvailable();
if (!available && process.env.GLIDEPATH_REQUIRE_HAPROXY)
  throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');

describe.skipIf(!available)('status, the rejected note and force: true on real HAProxy', () => {
  let blue: AppServer;
  let green: AppServer;
  let hp: RunningHaproxy;
  let router: HaproxyRouter;
  let base: Record<string, string>;
  const env = { GITHUB_ACTOR: 'alice', GITHUB_RUN_ID: '4242', GITHUB_REPOSITORY: 'o/shop' };
  const run = (inputs: Record<string, string>) => runBundle({ ...base, ...inputs }, { env });
  const statusOf = (stdout: string) =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('  ') || l.startsWith('glidepath status') || l.startsWith('result:'));

  beforeEach(async () => {
    ({ blue, green, hp, router } = await startBlueGreen());
    base = {
      strategy: 'canary',
      'canary-steps': '25',
      interval: '1s',
      'probe-interval': '500ms',
      provider: 'haproxy',
      'haproxy-socket': hp.socketPath!,
      'blue-target': 'web/blue',
      'green-target': 'web/green',
      'health-urls': `${hp.frontendUrl}/health`,
      'min-requests': '0',
      'pr-comment': 'false',
    };
  });

  afterEach(async () => {
    await hp.stop();
    await blue.close();
    await green.close();
  });

  it('held: status shows the split, its target and what to run next', async () => {
    expect((await run({ command: 'deploy', 'hold-at': '25' })).outputs.result).toBe('held');
    const s = await run({ command: 'status' });
    expect(s.outputs).toMatchObject({ result: 'unchanged', 'live-slot': 'blue', weight: '25' });
    const lines = statusOf(s.stdout);
    expect(lines[0]).toMatch(/^glidepath status · via HAProxy .* · live blue · blue 75% \/ green 25%$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}blue {3}75% {2}UP {2}live: the deploy in progress started from it/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}green {2}25% {2}UP {2}new: the deploy in progress, held at 25%/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}lock: none seen: no deploy holds this backend/));
    expect(lines).toContainEqual(expect.stringMatching(/promote: continue green from 25% to 100%/));
    expect(lines).toContainEqual(expect.stringMatching(/abort: send all traffic back to blue/));
    expect(s.summary).toContain('### Status');
    expect((await router.read()).weights).toEqual({ blue: 75, green: 25 });
  }, 30_000);

  it('aborted: status and the refusal say why green is rejected; force: true goes past Glidepath’s mark only', async () => {
    await run({ command: 'deploy', 'hold-at': '25' });
    expect((await run({ command: 'abort' })).outputs.result).toBe('aborted');
    const s = await run({ command: 'status' });
    expect(s.outputs.weight).toBe('');
    const green = statusOf(s.stdout).find((l) => l.startsWith('  green'));
    expect(green).toMatch(
      /^ {2}green {4}0% {2}MAINT {2}rejected: aborted by alice at 25% \(run https:\/\/github\.com\/o\/shop\/actions\/runs\/4242, \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/,
    );
    expect(s.stdout).toMatch(/rollback with force: true sends all traffic to green anyway/);

    const refused = await run({ command: 'rollback' });
    expect(refused.outputs.result).toBe('failed');
    expect(refused.outputs['rollback-reason']).toMatch(
      /green is marked rejected: aborted by alice at 25% \(run https/,
    );

    // an operator takes green out of Glidepath's MAINT into a drain of their own: force never overrides it
    await sendCommand(hp.socketAddress, 'set server web/green state drain');
    const drained = await run({ command: 'rollback', force: 'true' });
    expect(drained.outputs.result).toBe('failed');
    expect(drained.outputs['rollback-reason']).toMatch(
      /web\/green cannot take traffic \(web\/green DRAIN[^)]*\): its health check fails or an operator drained it/,
    );
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });

    // back to Glidepath's own mark (MAINT): force lifts it, and the summary names who forced it
    await sendCommand(hp.socketAddress, 'set server web/green state maint');
    const forced = await run({ command: 'rollback', force: 'true' });
    expect(forced.outputs, forced.stdout).toMatchObject({
      result: 'rolled-back',
      'live-slot': 'green',
      weight: '0',
    });
    expect(forced.code).toBe(0);
    expect((await router.read()).weights).toEqual({ blue: 0, green: 100 });
    expect(forced.summary).toMatch(
      /\*\*Forced\*\* by alice: `force: true` lifted Glidepath's rejected mark on green/,
    );
    expect(await router.rejected()).toBeUndefined();
  }, 60_000);

  it('promoted: status shows green live, blue previous, and what a rollback would do', async () => {
    expect((await run({ command: 'deploy' })).outputs.result).toBe('promoted');
    const s = await run({ command: 'status' });
    expect(s.outputs).toMatchObject({
      result: 'unchanged',
      'live-slot': 'green',
      'previous-slot': 'blue',
      weight: '',
    });
    const lines = statusOf(s.stdout);
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}blue {5}0% {2}UP {2}previous: a rollback switches back to it/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}green {2}100% {2}UP {2}live/));
    expect(lines).toContainEqual(expect.stringMatching(/rollback switches all traffic back to blue/));
    expect(lines.at(-1)).toBe('result: unchanged · live green (previous blue) · blue 0% / green 100%');
  }, 30_000);
});
