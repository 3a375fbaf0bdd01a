// The sequential judge through the bundle on real HAProxy: a latency regression only a comparison
// with the live slot can see, and a healthy but noisy canary that must not be rolled back.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { haproxyAvailable, type RunningHaproxy } from '../helpers/haproxy.js';
import { type AppServer } from '../helpers/app-server.js';
import { startBlueGreen } from '../helpers/blue-green.js';
import { runBundle } from '../helpers/bundle.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';

const available = haproxyAvailable();
if (!available && process.env.GLIDEPATH_REQUIRE_HAPROXY)
  throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');

const here = path.dirname(fileURLToPath(import.meta.url));

/** Steady load from a second process for `ms`, as users reach the service. */
function load(url: string, ms: number): Promise<{ requests: number; failures: number }> {
  const proc = spawn(
    process.execPath,
    [path.join(here, '../helpers/load.mjs'), `--url=${url}`, '--concurrency=4', '--rps=300', `--ms=${ms}`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) =>
    proc.once('close', () => resolve(JSON.parse(out.trim().split('\n').at(-1)!))),
  );
}

describe.skipIf(!available)('the sequential judge through the bundle, on real HAProxy', () => {
  let blue: AppServer;
  let green: AppServer;
  let hp: RunningHaproxy;
  let router: HaproxyRouter;
  let base: Record<string, string>;

  beforeEach(async () => {
    ({ blue, green, hp, router } = await startBlueGreen());
    base = {
      command: 'deploy',
      provider: 'haproxy',
      'haproxy-socket': hp.socketPath!,
      'blue-target': 'web/blue',
      'green-target': 'web/green',
      'health-urls': `${hp.frontendUrl}/health`,
      'pr-comment': 'false',
    };
  });

  afterEach(async () => {
    await hp.stop();
    await blue.close();
    await green.close();
  });

  it('a +30% latency regression under a loose fixed limit is rolled back with compare-to-stable (only health-urls set)', async () => {
    // 100 ms → 130 ms in the app; a few ms of HTTP on loopback come on top of both
    blue.set({ extraLatencyMs: 100 });
    green.set({ extraLatencyMs: 130 });
    const r = await runBundle({
      ...base,
      strategy: 'canary',
      'canary-steps': '50',
      interval: '20s',
      'probe-interval': '250ms',
      'max-latency': 'p99<2s',
      'compare-to-stable': 'true',
      'min-requests': '0',
    });
    expect(r.outputs.result, r.stdout).toBe('rolled-back');
    expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
    // paired probes to the two servers' own addresses, read from the runtime API
    expect(r.outputs['rollback-reason']).toMatch(
      /^green p50 13\dms vs blue 10\dms \(\+(2[5-9]|3\d)%, at least \+2\d(\.\d)?% with 99% confidence\) exceeds the 20% tolerance \(max-latency-increase\); \d+ paired probes/,
    );
    // the fixed p99 limit never fired: only the comparison saw it
    expect(r.outputs['rollback-reason']).not.toMatch(/p99<2s/);
  }, 60_000);

  it('a healthy noisy canary (both slots 0.5% random 500s, 2% of requests 300 ms slower) is promoted', async () => {
    const noisy = { random: { errorRate: 0.005, slowShare: 0.02, slowMs: 300 } };
    blue.set(noisy);
    green.set(noisy);
    const users = load(hp.frontendUrl, 25_000);
    const r = await runBundle({
      ...base,
      strategy: 'canary',
      'canary-steps': '10,50',
      interval: '5s',
      'probe-interval': '250ms',
      'probe-timeout': '2s',
      'compare-to-stable': 'true',
    });
    const seen = await users;
    expect(r.outputs.result, r.stdout).toBe('promoted');
    expect((await router.read()).weights).toEqual({ blue: 0, green: 100 });
    // the noise was there: users met the random 500s, and the judge saw them
    expect(seen.failures).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/error rate [\d.]+% \(\d+ of \d+ (requests )?over the deploy, HAProxy\)/);
  }, 60_000);
});
