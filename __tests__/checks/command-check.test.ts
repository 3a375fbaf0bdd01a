import { describe, expect, it } from 'vitest';
import { CommandCheck } from '../../src/checks/command-check.js';
import type { CheckContext } from '../../src/ports/checks.js';

const quiet = { startGroup: () => {}, endGroup: () => {}, info: () => {} };
const ctx: CheckContext = {
  target: 'green',
  live: 'blue',
  weight: 10,
  now: 1_700_000_000_000,
  windowStart: 1_699_999_990_000,
};

describe('CommandCheck', () => {
  it('runs the command with the hook env and returns one command signal', async () => {
    const command =
      'echo "$GLIDEPATH_HOOK $GLIDEPATH_TARGET_SLOT $GLIDEPATH_LIVE_SLOT $GLIDEPATH_WEIGHT $GLIDEPATH_WINDOW_START"';
    const check = new CommandCheck({
      command,
      timeoutMs: 5000,
      secrets: [],
      logger: quiet,
    });
    expect(check.name).toBe('check-command');
    const signals = await check.collect(ctx);
    expect(signals).toEqual([
      {
        kind: 'command',
        at: ctx.now,
        command,
        exitCode: 0,
        output: `check green blue 10 ${new Date(ctx.windowStart).toISOString()}\n`,
      },
    ]);
  });

  it('reports a failing check by its exit code, output masked', async () => {
    const check = new CommandCheck({
      command: 'echo "error budget burnt, key sk_live_123456" >&2; exit 2',
      timeoutMs: 5000,
      secrets: ['sk_live_123456'],
      logger: quiet,
    });
    const [s] = await check.collect({ ...ctx, weight: 50 });
    expect(s).toMatchObject({ kind: 'command', exitCode: 2 });
    expect(s?.kind === 'command' && s.output).toBe('error budget burnt, key ***\n');
  });

  it('kills a hanging check at its timeout and reports 124', async () => {
    const check = new CommandCheck({ command: 'sleep 30', timeoutMs: 300, secrets: [], logger: quiet });
    const started = Date.now();
    const [s] = await check.collect(ctx);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(s).toMatchObject({ kind: 'command', exitCode: 124 });
  });

  it('keeps only the end of a chatty check in the signal', async () => {
    const check = new CommandCheck({
      command: 'for i in $(seq 1 3000); do echo "row $i"; done',
      timeoutMs: 5000,
      secrets: [],
      logger: quiet,
    });
    const [s] = await check.collect(ctx);
    const out = s?.kind === 'command' ? s.output : '';
    expect(out.length).toBeLessThan(2200);
    expect(out.trimEnd().endsWith('row 3000')).toBe(true);
  });
});
