// Constant load from a second process (helpers/load.mjs), as users reach the service; stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface LoadResult {
  requests: number;
  failures: number;
  byVersion: Record<string, number>;
  statuses: Record<string, number>;
  firstFailures: string[];
}

export interface Load {
  proc: ChildProcess;
  stop(): Promise<LoadResult>;
}

/** keep-alive GET loops against `url` (default 4 loops, 2 ms apart) until stop() or `ms` */
export async function startLoad(
  url: string,
  opts: { concurrency?: number; pauseMs?: number; ms?: number; extra?: string[] } = {},
): Promise<Load> {
  const proc = spawn(
    process.execPath,
    [
      path.join(here, 'load.mjs'),
      `--url=${url}`,
      `--concurrency=${opts.concurrency ?? 4}`,
      `--pause=${opts.pauseMs ?? 2}`,
      `--ms=${opts.ms ?? 60_000}`,
      ...(opts.extra ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve) => proc.stdout!.once('data', () => resolve()));
  return {
    proc,
    stop: () =>
      new Promise((resolve) => {
        proc.once('close', () => resolve(JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult));
        proc.kill('SIGTERM');
      }),
  };
}
