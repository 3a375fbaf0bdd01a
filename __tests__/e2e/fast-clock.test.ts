// helpers/fast-clock.mjs runs bundle tests' waits fast but keeps every other timer (bounds above all) in
// real time, so a loaded machine cannot fail a check's read bound or a GitHub call. It knows a wait by
// the name of the function that arms it, `sleep`, as src/ports/clock.ts names it: this test breaks when
// that contract does.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const FAST_CLOCK = pathToFileURL(path.join(here, '../helpers/fast-clock.mjs')).href;

/** real ms taken, at speed 60, by a 600 ms sleep (as the Clock port sleeps) and a 600 ms abort bound */
function measure(): { wait: number; bound: number; fast: number } {
  const script = `
    const real = performance.now.bind(performance);
    const clock = { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
    const t0 = real();
    const d0 = Date.now();
    await clock.sleep(600);
    const wait = real() - t0;
    const fast = Date.now() - d0;
    const t1 = real();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 600);
    await new Promise((resolve) => controller.signal.addEventListener('abort', resolve));
    console.log(JSON.stringify({ wait, bound: real() - t1, fast }));
  `;
  const out = execFileSync(process.execPath, ['--import', FAST_CLOCK, '--input-type=module', '-e', script], {
    env: { ...process.env, GLIDEPATH_TEST_SPEED: '60' },
  });
  return JSON.parse(out.toString()) as { wait: number; bound: number; fast: number };
}

describe('fast clock', () => {
  it('runs a sleep 60 times faster, by a clock that runs 60 times faster, and a bound in real time', () => {
    const { wait, bound, fast } = measure();
    expect(wait).toBeLessThan(400);
    expect(fast).toBeGreaterThanOrEqual(600);
    expect(bound).toBeGreaterThanOrEqual(590);
  });

  it('src/ports/clock.ts still waits through a function named sleep, and bounds through another', () => {
    const src = readFileSync(path.join(here, '../../src/ports/clock.ts'), 'utf8');
    expect(src).toMatch(/export const systemClock: Clock = \{[\s\S]*?\n {2}sleep: \(ms, signal\) =>/);
    expect(src).toMatch(/\n {2}timer: \(ms, reason\) =>/);
  });
});
