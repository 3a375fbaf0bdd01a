import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandRouter, parseStatus, WeightsUnknownError } from '../../src/traffic/command.js';

const dir = mkdtempSync(join(tmpdir(), 'glidepath-cmd-router-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { startGroup: () => {}, endGroup: () => {}, info: () => {} };

/** A real "load balancer": a script keeping the weights in a state file. */
function lb(name: string) {
  const state = join(dir, `${name}.json`);
  const script = join(dir, `${name}.sh`);
  writeFileSync(
    script,
    [
      'set -eu',
      'echo "setting blue=$BLUE_WEIGHT green=$GREEN_WEIGHT" >&2',
      `printf '{"blue":%s,"green":%s}\\n' "$BLUE_WEIGHT" "$GREEN_WEIGHT" > "${state}"`,
    ].join('\n'),
  );
  return {
    state,
    trafficCommand: `bash "${script}"`,
    statusCommand: `echo "reading ${name}" >&2; cat "${state}"`,
  };
}

describe('CommandRouter with a status command', () => {
  it('sets weights through env and reads them back from the status command', async () => {
    const b = lb('a');
    const router = new CommandRouter({
      trafficCommand: b.trafficCommand,
      statusCommand: b.statusCommand,
      timeoutMs: 5000,
      secrets: [],
      logger: quiet,
    });
    const applied = await router.set({ blue: 75, green: 25 });
    expect(JSON.parse(readFileSync(b.state, 'utf8'))).toEqual({ blue: 75, green: 25 });
    expect(applied.weights).toEqual({ blue: 75, green: 25 });
    // change the state behind the router's back: read() must report the file, not what it set
    writeFileSync(b.state, '{"blue":0,"green":100}');
    expect((await router.read()).weights).toEqual({ blue: 0, green: 100 });
  });

  it('accepts a status command that logs on stdout before the JSON line', async () => {
    const router = new CommandRouter({
      trafficCommand: 'true',
      statusCommand: 'echo "querying the balancer..."; echo \'{"blue":40,"green":60}\'',
      timeoutMs: 5000,
      secrets: [],
      logger: quiet,
    });
    expect((await router.read()).weights).toEqual({ blue: 40, green: 60 });
  });

  it('rejects status output that is not the weights JSON, quoting at most 200 characters', async () => {
    const long = 'z'.repeat(500);
    const router = new CommandRouter({
      trafficCommand: 'true',
      statusCommand: `echo ${long}`,
      timeoutMs: 5000,
      secrets: [],
      logger: quiet,
    });
    const err = await router.read().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain('did not print JSON');
    expect(err?.message).toContain('{"blue":100,"green":0}');
    expect(err?.message).toContain(`\`${'z'.repeat(200)}…\``);
    expect(err?.message).not.toContain('z'.repeat(201));
  });

  it('fails when the status command fails, with its exit code and last output', async () => {
    const router = new CommandRouter({
      trafficCommand: 'true',
      statusCommand: 'echo "socket refused" >&2; exit 4',
      timeoutMs: 5000,
      secrets: [],
      logger: quiet,
    });
    await expect(router.read()).rejects.toThrow(
      /traffic-status-command failed: exit code 4; last output:\nsocket refused/,
    );
  });
});

describe('CommandRouter failures', () => {
  it('throws with the exit code and the last lines when traffic-command fails', async () => {
    const router = new CommandRouter({
      trafficCommand: 'for i in $(seq 1 30); do echo "progress $i"; done; echo "lb api: 503" >&2; exit 7',
      timeoutMs: 5000,
      secrets: [],
      logger: quiet,
    });
    const err = await router.set({ blue: 50, green: 50 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(
      /^traffic-command failed setting blue 50% \/ green 50%: exit code 7; last output:/,
    );
    expect(err?.message).toContain('lb api: 503');
    expect(err?.message).toContain('progress 30');
    expect(err?.message).not.toContain('progress 1\n');
    // a failed set is not remembered as the current split
    await expect(router.read()).rejects.toBeInstanceOf(WeightsUnknownError);
  });

  it('masks secrets in the failure message and the description', async () => {
    const secret = 'tok-9f8e7d6c5b4a';
    const router = new CommandRouter({
      trafficCommand: `echo "auth ${secret} denied"; exit 1`,
      timeoutMs: 5000,
      secrets: [secret],
      logger: quiet,
    });
    expect(router.description).not.toContain(secret);
    const err = await router.set({ blue: 0, green: 100 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain('auth *** denied');
    expect(err?.message).not.toContain(secret);
  });

  it('reports a traffic-command that hangs as timed out', async () => {
    const router = new CommandRouter({
      trafficCommand: 'sleep 30',
      timeoutMs: 300,
      secrets: [],
      logger: quiet,
    });
    await expect(router.set({ blue: 0, green: 100 })).rejects.toThrow(/timed out after/);
  });

  it('refuses a split that is not whole percents summing to 100, without running the command', async () => {
    const marker = join(dir, 'ran');
    const router = new CommandRouter({
      trafficCommand: `touch "${marker}"`,
      timeoutMs: 5000,
      secrets: [],
      logger: quiet,
    });
    await expect(router.set({ blue: 60, green: 60 })).rejects.toThrow(
      /summing to 100, got blue 60 \/ green 60/,
    );
    await expect(router.set({ blue: 0.5, green: 99.5 })).rejects.toThrow(/whole percents/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('CommandRouter without a status command', () => {
  it('cannot tell the live slot before anything was set, and says what to do', async () => {
    const router = new CommandRouter({ trafficCommand: 'true', timeoutMs: 5000, secrets: [], logger: quiet });
    const err = await router.read().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WeightsUnknownError);
    const msg = (err as Error).message;
    expect(msg).toContain('traffic-status-command');
    expect(msg).toContain('assumes blue is live');
  });

  it('returns the weights it last set', async () => {
    const b = lb('b');
    const router = new CommandRouter({
      trafficCommand: b.trafficCommand,
      timeoutMs: 5000,
      secrets: [],
      logger: quiet,
    });
    expect((await router.set({ blue: 90, green: 10 })).weights).toEqual({ blue: 90, green: 10 });
    await router.set({ blue: 30, green: 70 });
    expect((await router.read()).weights).toEqual({ blue: 30, green: 70 });
    expect(JSON.parse(readFileSync(b.state, 'utf8'))).toEqual({ blue: 30, green: 70 });
  });
});

describe('parseStatus', () => {
  it.each([
    ['{"blue":100,"green":0}', { blue: 100, green: 0 }],
    ['  {"green":25.5,"blue":74.5,"extra":"ignored"}\n', { blue: 74.5, green: 25.5 }],
    ['log line\n{"blue":0,"green":100}', { blue: 0, green: 100 }],
  ])('reads %j', (text, expected) => {
    expect(parseStatus(text)).toEqual(expected);
  });

  it.each([
    ['', /did not print JSON: \(empty output\)/],
    ['[1,2]', /not an object/],
    ['null', /not an object/],
    ['{"blue":150,"green":0}', /"blue" missing or out of range/],
    ['{"blue":"50","green":50}', /"blue" missing or out of range/],
    ['{"blue":50}', /"green" missing or out of range/],
    ['{"blue":-1,"green":101}', /"blue" and "green" missing or out of range/],
  ])('rejects %j', (text, message) => {
    expect(() => parseStatus(text)).toThrow(message);
  });
});
