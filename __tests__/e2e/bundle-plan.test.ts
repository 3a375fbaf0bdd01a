// The bundle as the runner runs it, in plan mode and with bad input: no provider is touched.
import { describe, expect, it } from 'vitest';
import { runBundle } from '../helpers/bundle.js';

const haproxy = {
  provider: 'haproxy',
  'haproxy-socket': '/tmp/glidepath-none.sock',
  'blue-target': 'be/blue',
  'green-target': 'be/green',
};

describe('dist/index.js: plan', () => {
  it('prints ten one-minute steps for Linear10PercentEvery1Minute and sets result=planned', async () => {
    const r = await runBundle({ command: 'plan', strategy: 'Linear10PercentEvery1Minute', ...haproxy });
    expect(r.code).toBe(0);
    const steps = r.stdout.split('\n').filter((l) => /^step \d+\/10 .*hold 1m/.test(l));
    expect(steps).toHaveLength(10);
    expect(steps.map((l) => /→ (\d+)%/.exec(l)?.[1])).toEqual([
      '10',
      '20',
      '30',
      '40',
      '50',
      '60',
      '70',
      '80',
      '90',
      '100',
    ]);
    expect(r.outputs.result).toBe('planned');
    expect(r.summary).toContain('xychart-beta');
    expect(r.summary).toMatch(/\| 10 \| shift 10\/10 \| 100% \| 1m \|/);
    expect(r.summary).toContain('Total planned duration:** 10m');
  });

  it('a held canary plan stops at hold-at', async () => {
    const r = await runBundle({
      command: 'plan',
      strategy: 'canary',
      'canary-steps': '5,25,50',
      'hold-at': '25',
      interval: '2m',
      ...haproxy,
    });
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ result: 'planned', weight: '25' });
    expect(r.summary).toContain('4m');
  });

  it('bad input: non-zero exit, one annotation per problem naming the input, result=failed, nothing touched', async () => {
    const r = await runBundle({
      command: 'deploy',
      provider: 'haproxy',
      'haproxy-socket': '/tmp/glidepath-none.sock',
      'blue-target': 'be/blue',
      'green-target': 'be/green',
      'canary-steps': '50,10',
      'probe-timeout': '9 s',
      'health-headers': 'Authorization: Bearer s3cr3t-token-value',
      'max-latency': 'fast',
    });
    expect(r.code).not.toBe(0);
    const annotations = r.stdout.split('\n').filter((l) => l.startsWith('::error title=Glidepath input'));
    expect(annotations.map((l) => /input ([a-z-]+)::/.exec(l)?.[1]).sort()).toEqual([
      'canary-steps',
      'max-latency',
      'probe-timeout',
    ]);
    expect(r.outputs.result).toBe('failed');
    expect(r.summary).toContain('3 inputs are invalid: no traffic was moved');
    expect(r.outputs.report).toMatch(/glidepath-report-.*\.json$/);
    // `::add-mask::` is how the runner learns a secret (it never prints that line); nothing else may carry it
    expect(r.stdout).toContain('::add-mask::Bearer s3cr3t-token-value');
    const visible = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    expect(visible + r.stderr + r.summary + JSON.stringify(r.outputs)).not.toContain('s3cr3t-token-value');
  });

  it.each([
    [
      'linear by 5 against the 60m timeout',
      { strategy: 'linear', 'linear-increment': '5', ...haproxy },
      'timeout',
      20,
    ],
    [
      'a listed preset with 1-minute steps on ALB',
      {
        strategy: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
        provider: 'alb',
        'alb-listener-arn':
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
        'blue-target':
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/0123456789abcdef',
        'green-target':
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/fedcba9876543210',
      },
      'strategy',
      10,
    ],
  ] as const)(
    'plan refuses %s as deploy does (same annotation, result=failed) and still prints the plan',
    async (_why, inputs, input, steps) => {
      const [plan, deploy] = await Promise.all([
        runBundle({ command: 'plan', ...inputs }),
        runBundle({ command: 'deploy', ...inputs }),
      ]);
      const annotations = (out: string) =>
        out.split('\n').filter((l) => l.startsWith('::error title=Glidepath input'));
      expect(plan.code).not.toBe(0);
      expect(plan.outputs.result).toBe('failed');
      expect(annotations(plan.stdout)).toEqual(annotations(deploy.stdout));
      expect(annotations(plan.stdout)[0]).toContain(`input ${input}::${input}: `);
      expect(deploy.outputs.result).toBe('failed');
      // the refused plan is still drawn: its steps in the log, its table in the summary
      expect(plan.stdout.split('\n').filter((l) => new RegExp(`^step \\d+/${steps} `).test(l))).toHaveLength(
        steps,
      );
      expect(plan.summary).toContain('### Glidepath plan');
      expect(deploy.summary).not.toContain('### Glidepath plan');
    },
  );

  it('force: true on plan says it does not apply, and plans as usual', async () => {
    const r = await runBundle({ command: 'plan', force: 'true', ...haproxy });
    expect(r.code).toBe(0);
    expect(r.outputs.result).toBe('planned');
    expect(r.stdout).toMatch(/^::warning::force: true applies to command rollback only.*no effect on plan$/m);
  });

  it('a password in a pre-traffic URL never reaches the plan log or summary', async () => {
    const r = await runBundle({
      command: 'plan',
      ...haproxy,
      'pre-traffic-urls': 'https://probe:pl4n-s3cret@{slot}.internal/health',
    });
    expect(r.code).toBe(0);
    const visible = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    expect(visible).toContain('https://probe:***@{slot}.internal/health');
    expect(visible + r.summary).not.toContain('pl4n-s3cret');
  });
});
