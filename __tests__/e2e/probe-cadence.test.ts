// Probe settings as people write them, through the bundle on real HAProxy: probe often, tolerate a
// slow answer; and what the post step's exit code says after main dies mid-shift with them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { haproxyAvailable, type RunningHaproxy } from '../helpers/haproxy.js';
import { type AppServer } from '../helpers/app-server.js';
import { startBlueGreen } from '../helpers/blue-green.js';
import { BundleProcess, MAIN, runBundle, runPost } from '../helpers/bundle.js';
import { HaproxyRouter } from '../../src/traffic/haproxy.js';

const available = haproxyAvailable();
if (!available && process.env.GLIDEPATH_REQUIRE_HAPROXY)
  throw new Error('haproxy is required here (GLIDEPATH_REQUIRE_HAPROXY) but not installed');

/** the probe results the log reports per evaluation: `3 probes ok, 1 failed` → {ok: 3, failed: 1} */
function probesJudged(stdout: string): { ok: number; failed: number; evaluations: number } {
  const lines = stdout.split('\n').filter((l) => /^step \d+\/\d+ · green \d+% · \S+\/\S+ · /.test(l));
  let ok = 0;
  let failed = 0;
  for (const l of lines) {
    ok += Number(/(\d+) probes? ok/.exec(l)?.[1] ?? 0);
    failed += Number(/probes? ok, (\d+) failed/.exec(l)?.[1] ?? 0);
  }
  return { ok, failed, evaluations: lines.length };
}

describe.skipIf(!available)('probe-interval and probe-timeout through the bundle', () => {
  let blue: AppServer;
  let green: AppServer;
  let hp: RunningHaproxy;
  let router: HaproxyRouter;
  let base: Record<string, string>;

  beforeEach(async () => {
    ({ blue, green, hp, router } = await startBlueGreen());
    base = {
      command: 'deploy',
      strategy: 'canary',
      'canary-steps': '50',
      provider: 'haproxy',
      'haproxy-socket': hp.socketPath!,
      'blue-target': 'web/blue',
      'green-target': 'web/green',
      // the probes go straight to the new slot, so every request green sees is a probe
      'health-urls': `${green.url}/health`,
      'min-requests': '0',
      'pr-comment': 'false',
    };
  });

  afterEach(async () => {
    await hp.stop();
    await blue.close();
    await green.close();
  });

  it('probe-interval: 1s alone (probe-timeout keeps its 3s default) deploys', async () => {
    const r = await runBundle({ ...base, interval: '3s', 'probe-interval': '1s' });
    expect(r.stderr + r.stdout).not.toMatch(/probe-timeout|probe-interval/);
    expect(r.outputs.result, r.stdout).toBe('promoted');
    expect(r.code).toBe(0);
    const judged = probesJudged(r.stdout);
    expect(judged.failed).toBe(0);
    expect(judged.ok).toBe(green.stats().requests);
    // two 3 s steps probed every second: about three evaluations each
    expect(judged.evaluations).toBeGreaterThanOrEqual(4);
  }, 30_000);

  it('probe-interval: 500ms with probe-timeout: 2s against a slot answering in 1 s: one probe in flight, each judged', async () => {
    green.set({ extraLatencyMs: 1000 });
    const r = await runBundle({ ...base, interval: '3s', 'probe-interval': '500ms', 'probe-timeout': '2s' });
    expect(r.outputs.result, r.stdout).toBe('promoted');
    expect(r.code).toBe(0);
    // a probe still in flight when the next is due is not sent twice
    expect(green.stats().maxInFlight).toBe(1);
    const judged = probesJudged(r.stdout);
    // every probe sent was answered within probe-timeout and judged, none failed
    expect(judged.failed).toBe(0);
    expect(r.stdout).not.toMatch(/timed out/);
    expect(judged.ok).toBe(green.stats().requests);
    expect(judged.ok).toBeGreaterThanOrEqual(4);
  }, 30_000);

  describe.each<[string, Record<string, string>]>([
    ['probe-interval: 1s alone', { 'probe-interval': '1s' }],
    [
      'probe-interval: 500ms, probe-timeout: 2s, slot answering in 1 s',
      { 'probe-interval': '500ms', 'probe-timeout': '2s' },
    ],
  ])('main killed mid-shift with %s', (_name, probes) => {
    async function killedMidShift(): Promise<{
      state: Record<string, string>;
      dir: string;
      inputs: Record<string, string>;
    }> {
      if ('probe-timeout' in probes) green.set({ extraLatencyMs: 1000 });
      const inputs = { ...base, ...probes, interval: '30s' };
      const run = new BundleProcess(MAIN, inputs);
      await run.waitFor(/step 1 · weights → blue 50% \/ green 50%/);
      run.child.kill('SIGKILL');
      const r = await run.done;
      expect((await router.read()).weights).toEqual({ blue: 50, green: 50 });
      return { state: r.state, dir: r.dir, inputs };
    }

    it('the post step restores the live slot and exits 0, warning that the deploy did not finish', async () => {
      const { state, dir, inputs } = await killedMidShift();
      const post = await runPost(inputs, state, dir);
      expect((await router.read()).weights).toEqual({ blue: 100, green: 0 });
      expect(post.code, post.stdout + post.stderr).toBe(0);
      expect(post.stdout).toMatch(
        /::warning title=Glidepath restored the live slot::the deploy to green did not finish/,
      );
      expect(post.stdout).not.toMatch(/^::error/m);
    }, 30_000);

    it('the post step exits non-zero when the load balancer is gone, naming the split to fix by hand', async () => {
      const { state, dir, inputs } = await killedMidShift();
      await hp.stop();
      const post = await runPost(inputs, state, dir);
      expect(post.code).not.toBe(0);
      // workflow commands carry % as %25
      expect(post.stdout.replace(/%25/g, '%')).toMatch(
        /::error::.*could not restore blue to 100%.*blue 50% \/ green 50%.*set blue to 100% by hand/,
      );
    }, 30_000);
  });
});
