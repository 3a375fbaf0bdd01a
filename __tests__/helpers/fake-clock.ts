// A clock for tests: sleeping advances virtual time at once, so a five-minute bake runs in milliseconds.
import type { Clock } from '../../src/engine/ports.js';

export class FakeClock implements Clock {
  private t: number;
  /** every sleep requested, in order (ms) */
  readonly sleeps: number[] = [];
  /** called after time advanced, before the sleeper resumes: lets a test change the world at a time */
  onAdvance?: (now: number) => void | Promise<void>;

  constructor(start = Date.UTC(2026, 10, 22, 12, 0, 0)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.t += Math.max(0, ms);
    await this.onAdvance?.(this.t);
    // let other pending promises run, as real time would
    await new Promise((r) => setImmediate(r));
    if (signal?.aborted) throw signal.reason;
  }
}
