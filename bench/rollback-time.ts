// Benchmark 1: from the new slot starting to fail to traffic back on the live slot (bundle, real HAProxy, under load).
import type { SocketAddress } from '../src/config/types.js';
import { sendCommand } from '../src/traffic/haproxy-socket.js';
import { startHaproxy } from '../__tests__/helpers/haproxy.js';
import { startAppServer } from '../__tests__/helpers/app-server.js';
import { BundleProcess, MAIN } from '../__tests__/helpers/bundle.js';
import { describeLoad, startLoad, type LoadOptions } from './load.js';
import { roundMs, summarize } from './summary.js';
import type { BenchResult } from './results.js';

export interface RollbackOptions {
  repeats: number;
  /** requests per second sent to the service during each run */
  rps: number;
  log: (line: string) => void;
}

const PROBE_INTERVAL_MS = 1000;
const FAILURE_THRESHOLD = 2;
const CANARY = 5;
const TARGET_MS = 500;
const TARGET_FAILED = 15;

/** `get weight` for both servers in one line: `N (initial M)` twice. */
async function weights(socket: SocketAddress): Promise<{ blue: number; green: number }> {
  const reply = await sendCommand(socket, 'get weight web/blue; get weight web/green', { timeoutMs: 1000 });
  const [blue, green] = [...reply.matchAll(/(\d+) \(initial/g)].map((m) => Number(m[1]));
  if (blue === undefined || green === undefined) throw new Error(`unexpected get weight reply: ${reply}`);
  return { blue, green };
}

async function pollUntil(
  socket: SocketAddress,
  done: (w: { blue: number; green: number }) => boolean,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (done(await weights(socket))) return performance.now();
    if (performance.now() - start > timeoutMs) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function benchRollbackTime(opts: RollbackOptions): Promise<BenchResult> {
  const load: LoadOptions = { concurrency: 8, pauseMs: 0, rps: opts.rps, maxMs: 60_000 };
  const workload =
    `canary ${CANARY}% on green (healthy, steps held 30s), probe-interval 1s, failure-threshold ${FAILURE_THRESHOLD}, ` +
    `max-error-rate 1%, min-requests 10, health-urls through HAProxy + HAProxy stats; load: ${describeLoad(load)}, ` +
    `one load process per run; green flipped to answer every request with 500 at a random moment 1-2 s into the step; ` +
    `time from green's first 500 (app server clock) to blue 100 / green 0 (get weight polled every 10 ms); ` +
    `failed client requests = the run's non-200 answers; ${opts.repeats} runs`;
  const blue = await startAppServer({ name: 'blue' });
  const green = await startAppServer({ name: 'green' });
  const hp = await startHaproxy({ servers: { blue: blue.port, green: green.port }, socket: 'unix' });
  const runs: {
    ms: number;
    offset: number;
    failed: number;
    sent: number;
    result: string | undefined;
    reason: string | undefined;
  }[] = [];
  try {
    for (let i = 0; i < opts.repeats; i++) {
      green.set({ errorRate: 0 });
      const traffic = await startLoad(hp.frontendUrl, load);
      const run = new BundleProcess(MAIN, {
        command: 'deploy',
        strategy: 'canary',
        'canary-steps': String(CANARY),
        interval: '30s',
        'probe-interval': `${PROBE_INTERVAL_MS}ms`,
        'probe-timeout': '500ms',
        'failure-threshold': String(FAILURE_THRESHOLD),
        'min-requests': '10',
        provider: 'haproxy',
        'haproxy-socket': hp.socketPath!,
        'blue-target': 'web/blue',
        'green-target': 'web/green',
        'health-urls': `${hp.frontendUrl}/health`,
      });
      try {
        await pollUntil(hp.socketAddress, (w) => w.green === CANARY, 20_000, `green at ${CANARY}%`);
        // past the first healthy evaluation, at a random phase of the probe cycle
        const offset = 1000 + Math.random() * PROBE_INTERVAL_MS;
        await new Promise((r) => setTimeout(r, offset));
        if (run.child.exitCode !== null)
          throw new Error(`the action ended before the fault was injected:\n${run.stdout}`);
        green.set({ errorRate: 1 });
        const flippedAt = performance.now();
        const backAt = await pollUntil(
          hp.socketAddress,
          (w) => w.blue === 100 && w.green === 0,
          15_000,
          'blue back at 100%',
        );
        const r = await run.done;
        // requests still in flight at the switch finish on green; let them land before counting
        await new Promise((res) => setTimeout(res, 200));
        const seen = await traffic.stop();
        const firstFailure = green.firstErrorAt() ?? flippedAt;
        runs.push({
          ms: backAt - firstFailure,
          offset,
          failed: seen.failures,
          sent: seen.requests,
          result: r.outputs.result,
          reason: r.outputs['rollback-reason'],
        });
        opts.log(
          `  rollback run ${i + 1}/${opts.repeats}: ${roundMs(backAt - firstFailure)} ms, ${seen.failures} failed of ${seen.requests} (${r.outputs.result})`,
        );
      } finally {
        if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
        await run.done;
        await traffic.stop().catch(() => undefined);
      }
    }
  } finally {
    await hp.stop();
    await blue.close();
    await green.close();
  }
  const s = summarize(runs.map((r) => r.ms));
  const f = summarize(runs.map((r) => r.failed));
  const allRolledBack = runs.every((r) => r.result === 'rolled-back');
  return {
    id: 'rollback-time',
    title: 'Rollback time: new slot starts failing → live slot back at 100%',
    workload,
    driver: 'bundle: node dist/index.js with INPUT_* env',
    figures: [
      {
        name: `median of ${s.n}`,
        value: roundMs(s.median),
        unit: 'ms',
        target: `< ${TARGET_MS} ms`,
        ok: s.median < TARGET_MS,
      },
      { name: 'min', value: roundMs(s.min), unit: 'ms' },
      { name: 'max', value: roundMs(s.max), unit: 'ms' },
      {
        name: `failed client requests, median of ${f.n}`,
        value: f.median,
        target: `≤ ${TARGET_FAILED}`,
        ok: f.median <= TARGET_FAILED,
      },
      { name: 'failed client requests, min–max', value: `${f.min}–${f.max}` },
      {
        name: 'runs ending rolled-back',
        value: `${runs.filter((r) => r.result === 'rolled-back').length}/${runs.length}`,
        ok: allRolledBack,
        target: 'all',
      },
    ],
    samples: {
      runsMs: runs.map((r) => roundMs(r.ms)),
      failedRequests: runs.map((r) => r.failed),
      sentRequests: runs.map((r) => r.sent),
      faultMsIntoStep: runs.map((r) => Math.round(r.offset)),
      reasons: runs.map((r) => r.reason),
    },
  };
}
