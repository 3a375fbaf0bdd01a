// Benchmark 2: failed client requests during a healthy canary and a blue-green switch (bundle, real HAProxy, under load).
import { startHaproxy } from '../__tests__/helpers/haproxy.js';
import { startAppServer } from '../__tests__/helpers/app-server.js';
import { runBundle } from '../__tests__/helpers/bundle.js';
import { describeLoad, startLoad, type LoadOptions } from './load.js';
import { sampleSplit, type SplitSegment } from './split-sampler.js';
import type { BenchResult, Figure } from './results.js';

export interface ZeroFailureOptions {
  /** e.g. `5,25,50` (then 100) */
  canarySteps: string;
  /** hold per step, e.g. `2s` */
  interval: string;
  load: LoadOptions;
  log: (line: string) => void;
}

/** `0→0, 5→4.8, … (% green set→seen, N req)` */
const splitText = (segs: SplitSegment[]) =>
  `${segs.map((s) => `${s.weights.green}→${s.greenSharePct}`).join(', ')} (% green set→seen, ` +
  `${segs.reduce((n, s) => n + s.requests.blue + s.requests.green, 0)} req)`;

export async function benchZeroFailures(opts: ZeroFailureOptions): Promise<BenchResult> {
  const blue = await startAppServer({ name: 'blue' });
  const green = await startAppServer({ name: 'green' });
  const hp = await startHaproxy({ servers: { blue: blue.port, green: green.port }, socket: 'unix' });
  const base = {
    command: 'deploy',
    interval: opts.interval,
    'probe-interval': '500ms',
    'probe-timeout': '400ms',
    'min-requests': '10',
    provider: 'haproxy',
    'haproxy-socket': hp.socketPath!,
    'blue-target': 'web/blue',
    'green-target': 'web/green',
    'health-urls': `${hp.frontendUrl}/health`,
  };
  const figures: Figure[] = [];
  const samples: Record<string, unknown> = {};
  try {
    // canary blue → green, then blue-green green → blue: each deploy goes to the idle slot
    for (const [name, inputs] of [
      ['canary', { strategy: 'canary', 'canary-steps': opts.canarySteps }],
      ['blue-green', { strategy: 'blue-green' }],
    ] as const) {
      const load = await startLoad(hp.frontendUrl, opts.load);
      const sampler = sampleSplit(hp.socketAddress, 'web', 100);
      const t0 = performance.now();
      const r = await runBundle({ ...base, ...inputs });
      const ms = performance.now() - t0;
      const segs = await sampler.stop();
      const seen = await load.stop();
      opts.log(
        `  ${name}: ${r.outputs.result}, ${seen.requests} requests, ${seen.failures} failed, split ${splitText(segs)}`,
      );
      figures.push(
        {
          name: `${name}: result`,
          value: r.outputs.result ?? `(none, exit ${r.code})`,
          target: 'promoted',
          ok: r.outputs.result === 'promoted',
        },
        { name: `${name}: requests sent`, value: seen.requests },
        { name: `${name}: requests failed`, value: seen.failures, target: '0', ok: seen.failures === 0 },
        { name: `${name}: split set→seen`, value: splitText(segs) },
      );
      samples[name] = {
        durationMs: Math.round(ms),
        load: seen,
        segments: segs,
        live: r.outputs['live-slot'],
      };
    }
  } finally {
    await hp.stop();
    await blue.close();
    await green.close();
  }
  return {
    id: 'zero-failures',
    title: 'Failed client requests during a healthy canary and a blue-green switch',
    workload:
      `canary ${opts.canarySteps} → 100 (blue → green), then blue-green (green → blue), interval ${opts.interval}, ` +
      `probe-interval 500ms, health-urls through HAProxy + HAProxy stats; load: ${describeLoad(opts.load)}, ` +
      'one load process per deploy; split from HAProxy uweight and req_tot sampled every 100 ms (the sampling interval containing each change and the one after it are left out)',
    driver: 'bundle: node dist/index.js with INPUT_* env',
    figures,
    samples,
  };
}
