// Fault suite: property-based fuzzing (fast-check) of every input. Whatever a workflow passes, the
// action never throws, refuses a bad config with one message per problem naming its input (and never
// a secret), reaches no router, check or hook on a refused config, and `plan` refuses what `deploy`
// refuses. Seeded and bounded: set FUZZ_SEED to replay; a failure prints its seed and the inputs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { INPUTS, type InputName } from '../../src/config/inputs.js';
import { parseInputs } from '../../src/config/parse.js';
import type { ConfigResult } from '../../src/config/types.js';
import { validateInputs } from '../../src/plan/feasibility.js';
import { parseCommandFile } from '../../scripts/local.js';

// The whole entry (src/main.ts) runs with every way out to the world replaced by a tripwire: a
// refused config must reach none of them, an accepted one stops at the first it reaches.
const reached = vi.hoisted(() => ({ calls: [] as string[] }));
class Tripwire extends Error {
  override name = 'Tripwire';
}
vi.mock('../../src/traffic/create-router.js', () => ({
  createRouter: async () => {
    reached.calls.push('router');
    throw new Tripwire('the test stops here: a router was created');
  },
}));
vi.mock('../../src/checks/create-checks.js', () => ({
  createChecks: async () => {
    reached.calls.push('checks');
    throw new Tripwire('the test stops here: checks were created');
  },
}));
vi.mock('../../src/hooks/runner.js', () => ({
  ShellHookRunner: class {
    async run(hook: string): Promise<never> {
      reached.calls.push(`hook ${hook}`);
      throw new Tripwire(`the test stops here: hook ${hook} would run`);
    }
  },
}));

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const NAMES = INPUTS.map((i) => i.name) as InputName[];
const RULE_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee';
const TG = (n: string, id: string) =>
  `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${n}/${id}`;

/** a valid deploy for each provider: mutations start from these */
const BASES: Record<string, Record<string, string>> = {
  haproxy: {
    provider: 'haproxy',
    'haproxy-socket': '/run/haproxy/admin.sock',
    'blue-target': 'web/blue',
    'green-target': 'web/green',
    'health-urls': 'http://127.0.0.1:9/health',
  },
  alb: {
    provider: 'alb',
    'alb-rule-arn': RULE_ARN,
    'blue-target': TG('web-blue', '73e2d6bc24d8a067'),
    'green-target': TG('web-green', '0f2b3c4d5e6f7a8b'),
  },
  lambda: { provider: 'lambda', 'lambda-function': 'orders', 'lambda-alias': 'live', interval: '5m' },
  command: {
    provider: 'command',
    'traffic-command': './set-weights.sh',
    'traffic-status-command': './get-weights.sh',
  },
  none: { provider: 'none', 'deploy-command': './deploy.sh', 'health-urls': 'http://127.0.0.1:9/health' },
};

/** secrets planted in secret inputs and URL passwords: never in any message */
const SECRET = 'sk-fuzz-7f3a9c1e5b';

/** what each input is often given: good values, near misses, neighbours' values */
const PLAUSIBLE: Partial<Record<InputName, string[]>> = {
  command: ['deploy', 'promote', 'abort', 'rollback', 'status', 'plan', 'cleanup', 'Deploy', 'deploy now'],
  strategy: [
    'canary',
    'blue-green',
    'linear',
    'all-at-once',
    'Canary10Percent5Minutes',
    'canery',
    'bluegreen',
  ],
  provider: ['haproxy', 'alb', 'lambda', 'command', 'none', 'nginx', 'ALB'],
  'canary-steps': ['5,25,50', '10', '50,10', '0', '100', '5,5', '5;25', '1,99', ' 5 , 25 '],
  'linear-increment': ['10', '33', '0', '100', '10%', '2.5'],
  interval: ['5m', '1s', '0s', '90', '1h30m', '5 minutes', '-1m', '1ms'],
  'hold-at': ['25', '50', '0', '100', '7', 'half'],
  'blue-target': ['web/blue', 'web/', 'web/green', 'web/blue*', TG('web-blue', '73e2d6bc24d8a067'), 'blue'],
  'green-target': ['web/green', 'web/blue', 'other/green', TG('web-green', '0f2b3c4d5e6f7a8b'), 'green'],
  'alb-listener-arn': [RULE_ARN.replace('listener-rule', 'listener'), 'arn:aws:nope', RULE_ARN],
  'alb-rule-arn': [RULE_ARN, 'arn:aws:elasticloadbalancing:eu-west-1:1:listener-rule/x'],
  'haproxy-socket': [
    '/run/haproxy/admin.sock',
    'tcp://127.0.0.1:9999',
    '127.0.0.1:9999',
    'ipv4@127.0.0.1:99999',
  ],
  'lambda-function': ['orders', 'arn:aws:lambda:eu-west-1:123456789012:function:orders', 'orders:live'],
  'lambda-alias': ['live', '$LATEST', '1'],
  'lambda-version': ['7', '$LATEST', '0', 'seven'],
  'pre-traffic-payload': ['{"ping":true}', '{not json', '[]'],
  'health-urls': [
    'http://127.0.0.1:9/health',
    `https://user:${SECRET}@127.0.0.1:9/health`,
    'ftp://127.0.0.1/x',
    '/health',
    'http://127.0.0.1:9/{slot}/health 200,503',
  ],
  'pre-traffic-urls': ['http://127.0.0.1:9/{slot}/health', 'not a url', `http://u:${SECRET}@127.0.0.1:9/`],
  'health-expect': ['200-299', '200,204', '600', '299-200', 'ok'],
  'health-body': ['"status":"ok"', '/ready/', '/(unclosed/'],
  'health-headers': [
    `Authorization: Bearer ${SECRET}`,
    `X-Token ${SECRET}`,
    `: ${SECRET}`,
    'Host: a\nHost: b',
  ],
  'probe-interval': ['5s', '100ms', '0s', '1h'],
  'probe-timeout': ['3s', '10s', '0ms', '2m'],
  'failure-threshold': ['2', '0', '1', '1000'],
  'max-error-rate': ['1', '0', '100', '101', '0.5%', '-1'],
  'max-latency': ['p99<200ms', 'p50<1s', 'p100<1ms', '200ms', 'p99>200ms'],
  'compare-to-stable': ['true', 'false', 'yes', 'maybe'],
  'min-requests': ['20', '0', '-5', '1e3'],
  confidence: ['99%', '0.95', '99.9%', '50%', '100%', '0'],
  'max-error-rate-increase': ['0.5', '0', '-1', '200'],
  'max-latency-increase': ['20%', '50ms', '0%', '-20%'],
  'max-failed-requests': ['10', '0', '-1', 'ten'],
  'cloudwatch-alarms': ['web-5xx', 'a,b', 'x'.repeat(300)],
  'max-unhealthy-targets': ['0', '1', '-1', '50%'],
  'check-command': ['./check.sh', 'exit 1'],
  'backup-command': ['./backup.sh'],
  'deploy-command': ['./deploy.sh "$GLIDEPATH_TARGET_SLOT"'],
  'smoke-command': ['./smoke.sh'],
  'verify-command': ['./verify.sh'],
  'cleanup-command': ['./cleanup.sh'],
  'rollback-command': ['./rollback.sh'],
  'hook-timeout': ['10m', '0s', '1ms', '48h'],
  'keep-previous': ['0s', '10m', '-1s'],
  'drain-timeout': ['30s', '0s', 'forever'],
  timeout: ['60m', '1m', '0s', '7d'],
  'fail-on-rollback': ['true', 'false', 'True', 'on', '2'],
  force: ['true', 'false', 'yes', 'force'],
  environment: ['production', 'staging', ' '],
  'environment-url': ['https://shop.example.com', '{url}', 'shop.example.com'],
  'pr-comment': ['true', 'false', 'sometimes'],
  'notify-webhook': [
    `https://127.0.0.1:9/${SECRET}`,
    `http://127.0.0.1:9/${SECRET}`,
    `hooks.slack.com/${SECRET}`,
  ],
  'github-token': [SECRET, `ghp_${SECRET}`],
  'aws-region': ['eu-west-1', 'mars-north-1', 'EU-WEST-1'],
};

/** what no input expects: empty, odd numbers, control and wide characters, very long text */
const hostile = fc.oneof(
  fc.constantFrom(
    '',
    '   ',
    '-1',
    '0',
    '1e309',
    'NaN',
    'Infinity',
    '99999999999999999999',
    'null',
    '{}',
    '\n\n',
    '\t',
    '%',
    '0x10',
    '٣',
    'ｄｅｐｌｏｙ',
    '${{ github.token }}',
    '\u0000',
    '\u202e',
    '💥',
    'a'.repeat(5000),
    '10,'.repeat(200),
    'two\nlines',
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

const valueFor = (name: InputName) =>
  PLAUSIBLE[name] ? fc.oneof(fc.constantFrom(...PLAUSIBLE[name]), hostile) : hostile;

/** a base deploy and 1..4 inputs changed (commands drawn too) */
const mutated = fc
  .tuple(
    fc.constantFrom(...Object.keys(BASES)),
    fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 4 }),
  )
  .chain(([base, names]) =>
    fc.tuple(...names.map((n) => valueFor(n))).map((values) => ({
      ...BASES[base],
      ...Object.fromEntries(names.map((n, i) => [n, values[i]!])),
    })),
  );

/** only some inputs set, each to anything: no base at all */
const scattered = fc.dictionary(fc.constantFrom(...NAMES), fc.string({ maxLength: 20 }), { maxKeys: 8 });

/** fast-check's replay: the seed, the path and the counterexample land in the failure message */
function check<T>(arb: fc.Arbitrary<T>, numRuns: number, predicate: (v: T) => void): void {
  const out = fc.check(fc.property(arb, predicate), { seed: SEED, numRuns });
  if (out.failed) {
    throw new Error(
      `fuzzing failed (replay with FUZZ_SEED=${SEED}; seed ${out.seed}, path ${out.counterexamplePath}):\n` +
        `inputs: ${JSON.stringify(out.counterexample?.[0], null, 1)}\n${String(out.errorInstance)}`,
    );
  }
}

/** the rules every refusal keeps */
function expectWellFormed(raw: Record<string, string>, r: ConfigResult): void {
  if (r.ok) {
    expect(r.config).toBeDefined();
    return;
  }
  expect(r.errors.length).toBeGreaterThan(0);
  for (const e of r.errors) {
    // each problem names one declared input, first
    expect(NAMES).toContain(e.input);
    expect(e.message.startsWith(`${e.input}:`) || e.message.startsWith(`${e.input} `), e.message).toBe(true);
    // a person can read it: one problem, not the whole input echoed back at length
    expect(e.message.length, e.message).toBeLessThan(2000);
    // never a secret
    expect(e.message).not.toContain(SECRET);
    expect(e.value).not.toContain(SECRET);
  }
  // one message per problem: none said twice
  const messages = r.errors.map((e) => e.message);
  expect(messages.filter((m, i) => messages.indexOf(m) !== i)).toEqual([]);
  // parse and validate agree: the plan's rules only add to what parsing refused
  const parsed = parseInputs(raw);
  if (!parsed.ok) expect(r.errors).toEqual(parsed.errors);
}

describe('fault: any input at all (property-based, fast-check)', () => {
  it('every base config is valid as given (the fuzzing starts from configs that deploy)', () => {
    for (const [name, raw] of Object.entries(BASES)) {
      const r = validateInputs(raw);
      expect(r.ok, `${name}: ${r.ok ? '' : r.errors.map((e) => e.message).join('\n')}`).toBe(true);
    }
  });

  it('validateInputs never throws on a valid config with 1-4 inputs changed to anything; each refusal names its input once and shows no secret', () => {
    check(mutated, 600, (raw) => expectWellFormed(raw, validateInputs(raw)));
  });

  it('validateInputs never throws on a few inputs set to random text; each refusal names its input once', () => {
    check(scattered, 300, (raw) => expectWellFormed(raw, validateInputs(raw)));
  });

  it('one input changed to anything: a refusal names that input (the problem is where the user made it)', () => {
    const one = fc
      .tuple(fc.constantFrom(...Object.keys(BASES)), fc.constantFrom(...NAMES))
      .chain(([base, name]) =>
        valueFor(name).map((value) => ({ raw: { ...BASES[base], [name]: value }, name })),
      );
    check(one, 600, ({ raw, name }) => {
      const r = validateInputs(raw);
      if (r.ok) return;
      expect(
        r.errors.some((e) => e.input === name || e.message.includes(name)),
        r.errors.map((e) => e.message).join('\n'),
      ).toBe(true);
    });
  });

  it('plan refuses what deploy refuses, with the same messages', () => {
    check(mutated, 400, (raw) => {
      const deploy = validateInputs({ ...raw, command: 'deploy' });
      const plan = validateInputs({ ...raw, command: 'plan' });
      expect(plan.ok, JSON.stringify([deploy.ok || deploy.errors, plan.ok || plan.errors])).toBe(deploy.ok);
      if (!deploy.ok && !plan.ok)
        expect(plan.errors.map((e) => e.message)).toEqual(deploy.errors.map((e) => e.message));
    });
  });
});

describe('fault: what the fuzzing found, pinned', () => {
  it('a 5,000-character value is quoted by its start and its length, not whole', () => {
    const r = validateInputs({ ...BASES.haproxy, interval: 'a'.repeat(5000) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.message)).toEqual([
      `interval: "${'a'.repeat(100)}… (5000 characters)" must be a duration of whole h, m, s or ms units written together, like 500ms, 30s, 5m or 1h30m`,
    ]);
  });

  it('a timeout too short for the plan names what makes the plan long, interval included', () => {
    const r = validateInputs({ ...BASES.lambda, interval: '1h30m', 'keep-previous': '10m' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.message)).toEqual([
      `timeout: "60m" is not longer than the plan's 4h40m of holds, so the run would stop in the middle of the shift; give more, like 7h, or shorten the plan (3 steps of interval 1h30m, keep-previous 10m)`,
    ]);
  });

  it('plan refuses a command provider without traffic-status-command, as deploy does', () => {
    const statusless = { provider: 'command', 'traffic-command': './set-weights.sh' };
    for (const command of ['deploy', 'plan']) {
      const r = validateInputs({ ...statusless, command });
      expect(r.ok, command).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => e.input)).toEqual(['traffic-status-command']);
    }
  });
});

describe('fault: any input at all, through the whole action entry (src/main.ts run)', () => {
  let dir: string;
  const saved = { ...process.env };
  let printed = '';
  const write = process.stdout.write.bind(process.stdout);

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-fuzz-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    process.stdout.write = write;
    process.env = { ...saved };
    process.exitCode = undefined;
  });

  /** one run of the main step, as the runner starts it: INPUT_* env and command files */
  async function runMain(raw: Record<string, string>, n: number) {
    const { run } = await import('../../src/main.js');
    const files = {
      GITHUB_OUTPUT: path.join(dir, `output-${n}`),
      GITHUB_STATE: path.join(dir, `state-${n}`),
      GITHUB_STEP_SUMMARY: path.join(dir, `summary-${n}`),
    };
    for (const f of Object.values(files)) writeFileSync(f, '');
    const env: NodeJS.ProcessEnv = { PATH: saved.PATH, HOME: dir, RUNNER_TEMP: dir, ...files };
    // GitHub's API, if anything reached it, is a closed loopback port
    env.GITHUB_API_URL = 'http://127.0.0.1:9';
    for (const [k, v] of Object.entries(raw)) env[`INPUT_${k.toUpperCase()}`] = v;
    process.env = env;
    reached.calls = [];
    printed = '';
    process.stdout.write = ((chunk: string | Uint8Array) => {
      printed += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }) as typeof process.stdout.write;
    try {
      await run();
    } finally {
      process.stdout.write = write;
    }
    const outputs = parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
    const exitCode = process.exitCode;
    process.env = { ...saved };
    process.exitCode = undefined;
    const listeners = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    return { outputs, printed, calls: [...reached.calls], exitCode, listeners };
  }

  it('run() never crashes; a refused config fails with one ::error per problem naming its input, reaches no router, check or hook, and prints no secret', async () => {
    // the runner passes every declared input, blanks included: so do we
    const blanks = Object.fromEntries(NAMES.map((n) => [n, '']));
    const samples = fc.sample(mutated, { seed: SEED, numRuns: 40 });
    const listeners = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    for (const [n, sample] of samples.entries()) {
      const raw = { ...blanks, ...sample };
      const expected = validateInputs(raw);
      const r = await runMain(raw, n);
      const what = `sample ${n} (FUZZ_SEED=${SEED}): ${JSON.stringify(sample)}\n${r.printed.slice(0, 3000)}`;
      // nothing but our tripwires may end a run early
      const crashed = r.printed.match(/^::error::Glidepath crashed: (.*)$/m);
      if (crashed) expect(crashed[1], what).toMatch(/^Tripwire: the test stops here/);
      // registering a secret with the runner (::add-mask::) is how it stays out of every other line
      const shown = r.printed
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n');
      expect(shown, what).not.toContain(SECRET);
      // however the run ended, it let go of the runner's signals
      expect(r.listeners, what).toEqual(listeners);
      if (expected.ok) {
        // an accepted config goes on to the world (here: the first tripwire), or draws its plan
        if (sample.command === 'plan') expect(r.outputs.result, what).toBe('planned');
        else expect(r.calls.length + (crashed ? 1 : 0), what).toBeGreaterThan(0);
        continue;
      }
      expect(r.calls, what).toEqual([]);
      expect(r.exitCode, what).toBe(1);
      expect(r.outputs.result, what).toBe('failed');
      const count = expected.errors.length;
      expect(r.outputs['rollback-reason'], what).toBe(
        `${count} input${count === 1 ? ' is' : 's are'} invalid: no traffic was moved`,
      );
      const errors = [...r.printed.matchAll(/^::error title=Glidepath input ([^:]+)::/gm)].map((m) => m[1]);
      expect(errors, what).toEqual(expected.errors.map((e) => e.input));
    }
  }, 120_000);
});
