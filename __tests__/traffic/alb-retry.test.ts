import { describe, expect, it } from 'vitest';
import { createPacer, isThrottle, withThrottleRetry } from '../../src/traffic/aws-retry.js';
import { throttle } from './alb-fake.js';

function fakeTime() {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return { now: () => t, sleep: async (ms: number) => void (sleeps.push(ms), (t += ms)), sleeps };
}

describe('isThrottle', () => {
  it.each([
    [throttle(), true],
    [Object.assign(new Error('x'), { name: 'ThrottlingException' }), true],
    [Object.assign(new Error('x'), { name: 'Whatever', $metadata: { httpStatusCode: 429 } }), true],
    [Object.assign(new Error('x'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }), false],
    [new Error('socket hang up'), false],
    ['Throttling', false],
  ])('%#', (err, expected) => {
    expect(isThrottle(err)).toBe(expected);
  });
});

describe('withThrottleRetry', () => {
  it('retries throttling with bounded exponential backoff and equal jitter', async () => {
    const time = fakeTime();
    let n = 0;
    const out = await withThrottleRetry(
      async () => {
        if (++n < 5) throw throttle();
        return 'done';
      },
      { attempts: 6, baseMs: 100, maxMs: 500, sleep: time.sleep, random: () => 1 },
    );
    expect(out).toBe('done');
    // ceilings 100, 200, 400, 500 (capped); random 1 → the full ceiling
    expect(time.sleeps).toEqual([100, 200, 400, 500]);
  });

  it('never waits less than half the ceiling (random 0)', async () => {
    const time = fakeTime();
    await expect(
      withThrottleRetry(async () => Promise.reject(throttle()), {
        attempts: 3,
        baseMs: 100,
        sleep: time.sleep,
        random: () => 0,
      }),
    ).rejects.toMatchObject({ name: 'Throttling' });
    expect(time.sleeps).toEqual([50, 100]);
  });

  it('does not retry other errors', async () => {
    const time = fakeTime();
    let n = 0;
    await expect(
      withThrottleRetry(
        async () => {
          n++;
          throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
        },
        { sleep: time.sleep },
      ),
    ).rejects.toThrow('denied');
    expect(n).toBe(1);
    expect(time.sleeps).toEqual([]);
  });
});

describe('createPacer', () => {
  it('spaces call starts by the gap, in order, even when one fails', async () => {
    const time = fakeTime();
    const pacer = createPacer({ minGapMs: 334, now: time.now, sleep: time.sleep });
    const starts: number[] = [];
    const call = (fail: boolean) =>
      pacer.run(async () => {
        starts.push(time.now());
        if (fail) throw new Error('boom');
        return starts.length;
      });
    const results = await Promise.allSettled([call(false), call(true), call(false)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(starts.map((s) => s - starts[0]!)).toEqual([0, 334, 668]);
  });

  it('does not wait when calls are already far apart', async () => {
    const time = fakeTime();
    const pacer = createPacer({ now: time.now, sleep: time.sleep });
    await pacer.run(async () => 1);
    await time.sleep(1000);
    await pacer.run(async () => 2);
    expect(time.sleeps).toEqual([1000]);
  });
});
