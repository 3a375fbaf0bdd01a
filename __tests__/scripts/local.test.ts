// The local dev loop: `npm run local -- <env file>` runs the bundle and its post step as a runner would.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { declaredInputs, inputVariable, readEnvFile } from '../../scripts/local.js';

const ROOT = path.join(import.meta.dirname, '../..');

describe('readEnvFile', () => {
  const inputs = new Map<string, string | undefined>([
    ['command', 'deploy'],
    ['canary-steps', '10,50'],
    ['health-urls', undefined],
    ['github-token', undefined],
  ]);

  it('fills action.yml defaults, maps input names to INPUT_*, passes upper-case variables through', () => {
    const { env, warnings } = readEnvFile(
      [
        '# a comment',
        '',
        'command=plan',
        'health-urls="http://a/health\\nhttp://b/health"',
        'AWS_REGION=eu-west-1',
        'INPUT_GITHUB-TOKEN=t0ken',
      ].join('\n'),
      inputs,
    );
    expect(env).toEqual({
      INPUT_COMMAND: 'plan',
      'INPUT_CANARY-STEPS': '10,50',
      'INPUT_HEALTH-URLS': 'http://a/health\nhttp://b/health',
      AWS_REGION: 'eu-west-1',
      'INPUT_GITHUB-TOKEN': 't0ken',
    });
    expect(warnings).toEqual([]);
  });

  it('warns on an input action.yml does not declare, and passes it on as the runner does', () => {
    const { env, warnings } = readEnvFile('canary-step=5', inputs);
    expect(env['INPUT_CANARY-STEP']).toBe('5');
    expect(warnings).toEqual([expect.stringMatching(/unexpected input 'canary-step' \(line 1\)/)]);
  });

  it.each([
    ['a line without =', 'command plan', /line 1: "command plan" is not name=value/],
    ['a quoted value that is not JSON', 'health-urls="a\\q"', /line 1: the quoted value of health-urls/],
  ])('rejects %s', (_what, text, message) => {
    expect(() => readEnvFile(text, inputs)).toThrow(message);
  });

  it('knows every input of action.yml and leaves expression defaults to the runner', () => {
    const declared = declaredInputs();
    expect(declared.get('command')).toBe('deploy');
    expect(declared.has('github-token')).toBe(true);
    expect(declared.get('github-token')).toBeUndefined();
    expect(inputVariable('haproxy-socket')).toBe('INPUT_HAPROXY-SOCKET');
  });
});

describe('npm run local', () => {
  it('runs main and post from the bundle on a plan-mode env file and prints the outputs and the summary', () => {
    const r = spawnSync('npm', ['run', '--silent', 'local', '--', 'examples/local/plan.env'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const kept = /kept in (\S+)/.exec(r.stdout)?.[1];
    if (kept) rmSync(kept, { recursive: true, force: true });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('━━ main step: node dist/index.js');
    expect(r.stdout).toContain('━━ post step: node dist/post/index.js');
    const outputs = r.stdout.split('━━ outputs')[1]!.split('━━ job summary')[0]!;
    expect(outputs).toMatch(/^result=planned$/m);
    expect(outputs).toMatch(/^weight=25$/m);
    expect(r.stdout).toContain('### Glidepath plan');
    expect(r.stdout).toContain('stops at 25% and exits `held`');
    expect(r.stdout).toMatch(/main exit 0 · post exit 0/);
    expect(kept).toMatch(/glidepath-local-/);
  }, 60_000);
});
