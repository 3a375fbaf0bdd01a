import { afterEach, describe, expect, it } from 'vitest';
import { commandEnv, lastLines, runShell, shellFor } from '../../src/shared/shell.js';

const quiet = { startGroup: () => {}, endGroup: () => {}, info: () => {} };

describe('shellFor', () => {
  it('uses bash with -e and pipefail when bash is on PATH', () => {
    const s = shellFor('echo hi', { PATH: '/usr/bin:/bin' });
    expect(s.file).toMatch(/\/bash$/);
    expect(s.args).toEqual(['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', 'echo hi']);
  });

  it('falls back to sh -e without bash', () => {
    const s = shellFor('echo hi', { PATH: '/nonexistent-dir' });
    expect(s.file).toMatch(/\/sh$/);
    expect(s.args).toEqual(['-e', '-c', 'echo hi']);
  });
});

describe('runShell', () => {
  const key = 'INPUT_GITHUB-TOKEN';
  afterEach(() => {
    delete process.env[key];
  });

  it("hides this action's own INPUT_ variables from user commands but keeps the rest of the environment", async () => {
    process.env[key] = 'ghs_not-for-hooks';
    const env = commandEnv({ EXTRA: '1' });
    expect(env[key]).toBeUndefined();
    expect(env.PATH).toBe(process.env.PATH);
    const r = await runShell('env', { EXTRA: 'yes' }, { timeoutMs: 5000, secrets: [], logger: quiet });
    expect(r.output).toContain('EXTRA=yes');
    expect(r.output).not.toContain('ghs_not-for-hooks');
  });

  it('hides the runner tokens a run: step does not get, keeps the OIDC request variables', () => {
    process.env.ACTIONS_RUNTIME_TOKEN = 'runtime-token-value';
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = 'https://token.example/oidc';
    try {
      const env = commandEnv({});
      expect(env.ACTIONS_RUNTIME_TOKEN).toBeUndefined();
      expect(env.ACTIONS_ID_TOKEN_REQUEST_URL).toBe('https://token.example/oidc');
    } finally {
      delete process.env.ACTIONS_RUNTIME_TOKEN;
      delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    }
  });

  it('passes a value with shell metacharacters through literally', async () => {
    const value = '$(echo injected); `echo injected`; "\'';
    const r = await runShell(
      'printf "%s" "$V"',
      { V: value },
      { timeoutMs: 5000, secrets: [], logger: quiet },
    );
    expect(r.output).toBe(value);
  });

  it('keeps stdout apart from the combined output', async () => {
    const r = await runShell(
      'echo warn >&2; echo \'{"a":1}\'',
      {},
      { timeoutMs: 5000, secrets: [], logger: quiet },
    );
    expect(r.stdout.trim()).toBe('{"a":1}');
    expect(r.output).toContain('warn');
  });
});

describe('lastLines', () => {
  it('keeps the last non-empty lines within a character bound', () => {
    const out = Array.from({ length: 30 }, (_, i) => `l${i}`).join('\n\n');
    expect(lastLines(out, 3)).toBe('l27\nl28\nl29');
    expect(lastLines('a'.repeat(50), 10, 20)).toBe(`…${'a'.repeat(20)}`);
  });
});
