// Constant client load from a second process (the tests' keep-alive GET loops), bounded in time.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LOAD_SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../__tests__/helpers/load.mjs',
);

export interface LoadResult {
  requests: number;
  failures: number;
  statuses: Record<string, number>;
  byVersion: Record<string, number>;
  firstFailures: string[];
}

export interface LoadOptions {
  /** parallel keep-alive loops (one connection each) */
  concurrency: number;
  /** pause between a loop's requests, ms (ignored with rps) */
  pauseMs: number;
  /** pace all loops together to this many requests per second */
  rps?: number;
  /** hard bound: the process stops by itself after this long even if nobody stops it */
  maxMs: number;
}

export interface RunningLoad {
  stop(): Promise<LoadResult>;
}

export const describeLoad = (o: LoadOptions) =>
  o.rps
    ? `${o.rps} requests/s paced over ${o.concurrency} keep-alive GET loops from a second node process`
    : `${o.concurrency} keep-alive GET loops (${o.pauseMs} ms pause) from a second node process`;

export async function startLoad(url: string, opts: LoadOptions): Promise<RunningLoad> {
  const proc = spawn(
    process.execPath,
    [
      LOAD_SCRIPT,
      `--url=${url}`,
      `--concurrency=${opts.concurrency}`,
      `--pause=${opts.pauseMs}`,
      `--ms=${opts.maxMs}`,
      ...(opts.rps ? [`--rps=${opts.rps}`] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const closed = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    proc.stdout.once('data', () => resolve());
    proc.once('error', reject);
    void closed.then((code) => reject(new Error(`the load process exited (${code}) before it started`)));
  });
  return {
    stop: async () => {
      if (proc.exitCode === null && proc.pid !== undefined) proc.kill('SIGTERM');
      const code = await closed;
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        return JSON.parse(last) as LoadResult;
      } catch {
        throw new Error(
          `the load process (exit ${code}) printed no result line; it printed: ${out.slice(-300)}`,
        );
      }
    },
  };
}
