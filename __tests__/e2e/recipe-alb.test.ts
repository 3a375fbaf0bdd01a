// Recipe 2 (examples/alb-two-asgs.yml) through the bundle: its Glidepath step with the inputs as
// written, against a loopback ELBv2 + CloudWatch stand-in (helpers/alb-standin.ts) reached through the
// SDK's standard AWS_ENDPOINT_URL_* variables, and an `aws` CLI stand-in on PATH that records what
// deploy-command and cleanup-command ask of it. A preloaded fast clock (helpers/fast-clock.mjs) runs the
// recipe's 5-minute steps and CloudWatch's per-minute, two-minutes-late metrics in seconds, so
// `interval: 5m` stays as written; only `keep-previous: 30m` is shortened (listed by the test).
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBundle, type BundleRun } from '../helpers/bundle.js';
import { AlbStandin, healthy } from '../helpers/alb-standin.js';
import { glidepathStep, loadRecipe, pathWith, standIns, type StandIns } from '../helpers/recipes.js';

const FAST_CLOCK = pathToFileURL(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/fast-clock.mjs'),
).href;

const recipe = loadRecipe('alb-two-asgs.yml');
const written = recipe.jobs.deploy!.steps.find((s) => s.id === 'glidepath')!.with as Record<string, string>;
const RULE = written['alb-rule-arn']!;
const TG = { blue: written['blue-target']!, green: written['green-target']! };
const REGION = 'eu-west-1';
const REFRESH = '08b91cf7-8fa6-48af-b6a6-d227f40f1b9b';

let aws: AlbStandin;
let bin: StandIns;

beforeEach(async () => {
  aws = await new AlbStandin(RULE, TG, 'blue').start();
  bin = standIns(path.join(mkdtempSync(path.join(os.tmpdir(), 'glidepath-alb-recipe-')), 'bin'), ['aws']);
  // the AWS CLI: an instance refresh that succeeds at once; everything else succeeds silently
  bin.respond(
    'aws',
    `case "$1 $2" in
  "autoscaling start-instance-refresh") echo ${REFRESH} ;;
  "autoscaling describe-instance-refreshes") echo Successful ;;
esac
`,
  );
});
afterEach(() => aws.stop());

async function run(): Promise<BundleRun & { overridden: string[]; calls: string[] }> {
  const step = glidepathStep(
    recipe,
    'deploy',
    { 'vars.WEB_LAUNCH_TEMPLATE_VERSION': '42' },
    { 'keep-previous': '1m' },
    'glidepath',
  );
  const r = await runBundle(step.inputs, {
    env: {
      ...step.env,
      ...aws.env(REGION),
      PATH: pathWith(bin.dir),
      NODE_OPTIONS: `--import=${FAST_CLOCK}`,
      GLIDEPATH_TEST_SPEED: '60',
      GITHUB_REPOSITORY: 'octo/web',
      GITHUB_SHA: 'beef'.padEnd(40, '2'),
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_RUN_ID: '4242',
      GITHUB_SERVER_URL: 'https://github.com',
      // no github-token: the runner's would create the production deployment (recipe 3's tests cover it)
    },
  });
  return {
    ...r,
    overridden: step.overridden,
    calls: bin.calls().map((c) => [c.cmd, ...c.args].join(' ')),
  };
}

/** the deploy-command's calls, as the recipe writes them, for the green ASG */
const DEPLOY_CALLS = [
  'aws autoscaling update-auto-scaling-group --auto-scaling-group-name web-green --launch-template LaunchTemplateName=web,Version=42 --min-size 3 --max-size 6 --desired-capacity 3',
  'aws autoscaling start-instance-refresh --auto-scaling-group-name web-green --preferences {"MinHealthyPercentage":100,"SkipMatching":true,"InstanceWarmup":60} --query InstanceRefreshId --output text',
  `aws autoscaling describe-instance-refreshes --auto-scaling-group-name web-green --instance-refresh-ids ${REFRESH} --query InstanceRefreshes[0].Status --output text`,
  `aws elbv2 wait target-in-service --target-group-arn ${TG.green}`,
];

/** every request went to the stand-in, signed for the region and its service */
function expectStandardEndpoints(): void {
  const host = aws.url.replace('http://', '');
  for (const r of aws.requests) {
    expect(r.host).toBe(host);
    const service = r.service === 'elbv2' ? 'elasticloadbalancing' : 'monitoring';
    expect(r.authorization).toMatch(
      new RegExp(`Credential=AKIDALBSTANDIN/\\d{8}/${REGION}/${service}/aws4_request`),
    );
  }
}

describe('recipe 2: ALB + two ASGs, through the bundle', () => {
  it('promotes 5 → 25 → 50 → 100 after the idle ASG is rolled; cleanup scales the old ASG to zero', async () => {
    const r = await run();
    expect(r.overridden).toEqual(['keep-previous']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs).toMatchObject({
      result: 'promoted',
      'live-slot': 'green',
      'previous-slot': 'blue',
      weight: '100',
    });
    // raw ALB weights (0..999) per step: 95/5, 75/25, 50/50, then all on green
    expect(aws.writes()).toEqual(['950/50', '750/250', '500/500', '0/999']);
    expect(aws.split()).toEqual({ blue: 0, green: 100 });
    expect(r.calls).toEqual([
      ...DEPLOY_CALLS,
      'aws autoscaling update-auto-scaling-group --auto-scaling-group-name web-blue --min-size 0 --desired-capacity 0',
    ]);
    // every evaluation read both groups' metrics and the alarm; the live slot is recorded in tags
    const queries = aws.of('GetMetricData')[0]!.body as {
      MetricDataQueries: { MetricStat: { Metric: { MetricName: string }; Stat: string } }[];
    };
    expect(
      queries.MetricDataQueries.map((q) => `${q.MetricStat.Metric.MetricName} ${q.MetricStat.Stat}`),
    ).toEqual([
      'RequestCount Sum',
      'HTTPCode_Target_5XX_Count Sum',
      'TargetResponseTime p99',
      'RequestCount Sum',
      'HTTPCode_Target_5XX_Count Sum',
      'TargetResponseTime p99',
    ]);
    expect(
      aws.of('DescribeAlarms').map((q) => (q.body as { AlarmNames: string[] }).AlarmNames),
    ).toContainEqual(['web-5xx']);
    expect(aws.tags).toMatchObject({ 'glidepath:live': 'green', 'glidepath:previous': 'blue' });
    expect(Object.keys(aws.tags).filter((k) => /lock|target|rejected/.test(k))).toEqual([]);
    expectStandardEndpoints();
    expect(r.summary).toContain('Promoted');
  }, 120_000);

  it('a 5xx rate above 2% on the new group at 25% rolls back to blue at 100%; the old ASG is kept', async () => {
    // a version that fails under load: fine at 5%, 8% of its answers 5xx from a quarter of the traffic
    aws.model.errorRate = (slot, split) => (slot === 'green' && split.green >= 25 ? 0.08 : 0);
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.outputs, r.stdout).toMatchObject({ result: 'rolled-back', 'live-slot': 'blue' });
    expect(r.outputs['rollback-reason']).toMatch(
      /^green error rate \d+(\.\d+)?% \(\d+ of \d+ requests over the deploy, ALB\) is above the 2% limit/,
    );
    expect(aws.writes()).toEqual(['950/50', '750/250', '999/0']);
    expect(r.calls).toEqual(DEPLOY_CALLS);
    expect(aws.tags['glidepath:rejected']).toBe('green');
    expectStandardEndpoints();
  }, 120_000);

  it('two unhealthy instances in the new group at 5% roll back at once: more than one is over the limit', async () => {
    aws.model.targets = (slot, split) =>
      slot === 'green' && split.green > 0
        ? healthy(slot).map((t, i) =>
            i < 2
              ? {
                  ...t,
                  state: 'unhealthy',
                  reason: 'Target.ResponseCodeMismatch',
                  description: 'Health checks failed with these codes: [502]',
                }
              : t,
          )
        : healthy(slot);
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.outputs, r.stdout).toMatchObject({ result: 'rolled-back', 'live-slot': 'blue' });
    expect(r.outputs['rollback-reason']).toMatch(
      /^2 of 3 green targets unhealthy \(i-0green000000000001:8080 unhealthy Target\.ResponseCodeMismatch .*above max-unhealthy-targets 1/,
    );
    expect(aws.writes()).toEqual(['950/50', '999/0']);
    expect(r.calls).toEqual(DEPLOY_CALLS);
    expect(aws.tags['glidepath:rejected']).toBe('green');
  }, 120_000);

  it('a p99 of 2.6 s on the new group at 5% rolls back: above max-latency p99<2s', async () => {
    aws.model.latencySeconds = { blue: 0.12, green: 2.6 };
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.outputs, r.stdout).toMatchObject({ result: 'rolled-back', 'live-slot': 'blue' });
    expect(r.outputs['rollback-reason']).toMatch(/^green p99 2600ms \(ALB\) is above the p99<2s limit/);
    expect(aws.writes()).toEqual(['950/50', '999/0']);
    expect(r.calls).toEqual(DEPLOY_CALLS);
    expect(aws.tags['glidepath:rejected']).toBe('green');
  }, 120_000);
});
