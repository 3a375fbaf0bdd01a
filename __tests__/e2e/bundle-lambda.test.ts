// The bundle with provider lambda, run as the runner runs it, against a loopback stand-in for Lambda and
// CloudWatch reached through the SDK's standard AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL_CLOUDWATCH.
// A preloaded fast clock (helpers/fast-clock.mjs) runs CodeDeploy's LambdaCanary10Percent5Minutes, with
// its per-minute metrics two minutes late, in seconds: the same ordinary settings a user would type.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BundleProcess, MAIN, runBundle, runPost, type BundleRun } from '../helpers/bundle.js';
import { ALIAS, FUNCTION, LambdaStandin, REGION } from '../helpers/lambda-standin.js';

const FAST_CLOCK = pathToFileURL(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/fast-clock.mjs'),
).href;

let aws: LambdaStandin;
beforeEach(async () => {
  aws = await new LambdaStandin().start();
});
afterEach(async () => aws.stop());

const INPUTS = {
  provider: 'lambda',
  'lambda-function': FUNCTION,
  'lambda-alias': ALIAS,
  strategy: 'LambdaCanary10Percent5Minutes',
  'probe-interval': '30s',
  'max-error-rate': '5',
  'cloudwatch-alarms': 'checkout-errors',
  'pre-traffic-payload': '{"rawPath": "/health"}',
  'deploy-command': 'echo "uploading to $GLIDEPATH_TARGET_SLOT; live version $GLIDEPATH_LIVE_VERSION"',
  'rollback-command':
    'echo "flags off: from version $GLIDEPATH_TARGET_VERSION back to $GLIDEPATH_LIVE_VERSION" > "$RUNNER_TEMP/flags-off.txt"',
  'aws-region': REGION,
};

const env = () => ({
  AWS_ENDPOINT_URL_LAMBDA: aws.url,
  AWS_ENDPOINT_URL_CLOUDWATCH: aws.url,
  AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST',
  AWS_SECRET_ACCESS_KEY: 'bundle-test-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  NODE_OPTIONS: `--import=${FAST_CLOCK}`,
  GLIDEPATH_TEST_SPEED: '60',
});

function run(inputs: Record<string, string> = {}): Promise<BundleRun> {
  return runBundle({ ...INPUTS, ...inputs }, { env: env() });
}

/** the alias writes as `primary` or `primary+version@weight` */
const writes = () =>
  aws.of('UpdateAlias').map((r) => {
    const b = r.body as {
      FunctionVersion: string;
      RoutingConfig: { AdditionalVersionWeights: Record<string, number> };
    };
    const extra = Object.entries(b.RoutingConfig.AdditionalVersionWeights);
    return extra.length
      ? `${b.FunctionVersion}+${extra.map(([v, w]) => `${v}@${w}`).join(',')}`
      : b.FunctionVersion;
  });

function report(r: BundleRun): { events: { type: string }[] } {
  return JSON.parse(readFileSync(r.outputs.report!, 'utf8')) as { events: { type: string }[] };
}

/** every request went to the stand-in, signed for the region and its service */
function expectStandardEndpoints(): void {
  const host = aws.url.replace('http://', '');
  for (const r of aws.requests) {
    expect(r.host).toBe(host);
    const service = r.service === 'lambda' ? 'lambda' : 'monitoring';
    expect(r.authorization).toMatch(
      new RegExp(`Credential=AKIDBUNDLETEST/\\d{8}/${REGION}/${service}/aws4_request`),
    );
  }
}

/** Both versions in every GetMetricData, four metrics each with FunctionName, Resource and ExecutedVersion. */
function expectMetricQueries(evaluations: number): void {
  const requests = aws.of('GetMetricData');
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.length).toBeLessThanOrEqual(evaluations);
  for (const r of requests) {
    const queries = (
      r.body as {
        MetricDataQueries: { MetricStat: { Metric: { MetricName: string; Dimensions: unknown } } }[];
      }
    ).MetricDataQueries;
    expect(queries.map((q) => q.MetricStat.Metric.MetricName)).toEqual([
      'Invocations',
      'Errors',
      'Throttles',
      'Duration',
      'Invocations',
      'Errors',
      'Throttles',
      'Duration',
    ]);
    expect(queries.map((q) => q.MetricStat.Metric.Dimensions)).toEqual(
      ['7', '7', '7', '7', '8', '8', '8', '8'].map((v) => [
        { Name: 'FunctionName', Value: FUNCTION },
        { Name: 'Resource', Value: `${FUNCTION}:${ALIAS}` },
        { Name: 'ExecutedVersion', Value: v },
      ]),
    );
  }
}

describe('dist/index.js with provider lambda', () => {
  it('LambdaCanary10Percent5Minutes promotes: publishes $LATEST, invokes it, 10% then 100%, records version 7 as previous', async () => {
    const r = await run();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs).toMatchObject({
      result: 'promoted',
      'live-slot': '8',
      'previous-slot': '7',
      weight: '100',
    });

    expect(aws.of('PublishVersion').map((q) => q.body)).toEqual([
      { CodeSha256: 'sha-new', RevisionId: 'latest-3', Description: 'published by Glidepath for alias live' },
    ]);
    expect(aws.of('Invoke').map((q) => [q.query.Qualifier?.[0], q.body])).toEqual([
      ['8', '{"rawPath": "/health"}'],
    ]);
    expect(aws.of('UpdateAlias').map((q) => q.body)).toEqual([
      {
        FunctionVersion: '7',
        RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } },
        RevisionId: 'rev-1',
      },
      { FunctionVersion: '8', RoutingConfig: { AdditionalVersionWeights: {} }, RevisionId: 'rev-2' },
    ]);
    const evaluations = report(r).events.filter((e) => e.type === 'evaluation').length;
    expect(aws.of('DescribeAlarms')).toHaveLength(evaluations);
    expectMetricQueries(evaluations);
    expect(aws.tags).toEqual({ 'glidepath:live:previous': '7' });
    expectStandardEndpoints();

    expect(r.stdout).toContain('uploading to green; live version 7');
    expect(r.stdout).toContain('published version 8 of function checkout from $LATEST');
    expect(r.summary).toContain('✅ Promoted: version 8 is live');
    // the realised share beside the weight: what the minutes judged saw (the first may predate the shift)
    expect(r.summary).toMatch(/\| 1\/2 \| version 8 10% \(served \d+(?:\.\d+)?%\) \|/);
    // slots are versions wherever Glidepath speaks (the hook's own output is the user's words)
    expect(r.summary.split('### Hook output')[0]).not.toMatch(/\b(?:blue|green)\b/);
  }, 90_000);

  it('an alarm in ALARM at 10% rolls back to version 7; rollback-command gets the versions', async () => {
    aws.model.alarm = (split) => ((split['8'] ?? 0) > 0 ? 'ALARM' : 'OK');
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({
      result: 'rolled-back',
      'live-slot': '7',
      'previous-slot': '8',
      weight: '0',
    });
    expect(r.outputs['rollback-reason']).toMatch(
      /^alarm checkout-errors \(Threshold Crossed: 1 datapoint \[7\.0\] was greater than the threshold \(5\.0\)\.\) is in ALARM/,
    );
    expect(writes()).toEqual(['7+8@0.1', '7']);
    expect(readFileSync(path.join(r.dir, 'flags-off.txt'), 'utf8').trim()).toBe(
      'flags off: from version 8 back to 7',
    );
    expect(aws.tags['glidepath:live:rejected']).toBe('8');
    expect(r.summary).toContain('↩️ Rolled back: version 7 is live again');
    expectStandardEndpoints();
  }, 90_000);

  it('the new version’s own error rate rolls it back, the formula in the reason', async () => {
    aws.model.errorRate = { '8': 0.2 };
    const r = await run();
    expect(r.outputs).toMatchObject({ result: 'rolled-back', 'live-slot': '7' });
    expect(r.outputs['rollback-reason']).toMatch(
      /^version 8 error rate 20% \(\(Errors \d+ \+ Throttles 0\) \/ \(Invocations \d+ \+ Throttles 0\) over the deploy, Lambda\) is above the 5% limit/,
    );
    expect(writes()).toEqual(['7+8@0.1', '7']);
    const evaluations = report(r).events.filter((e) => e.type === 'evaluation').length;
    expectMetricQueries(evaluations);
  }, 90_000);

  it('holds at 10%, then a second job aborts: the additional weights go, version 8 is marked rejected', async () => {
    const held = await run({ 'hold-at': '10' });
    expect(held.code, held.stdout + held.stderr).toBe(0);
    expect(held.outputs).toMatchObject({
      result: 'held',
      'live-slot': '7',
      'previous-slot': '8',
      weight: '10',
    });
    expect(writes()).toEqual(['7+8@0.1']);
    expect(aws.tags['glidepath:live:target']).toBe('8 from 7');

    const aborted = await run({ command: 'abort', 'hold-at': '10' });
    expect(aborted.code, aborted.stdout + aborted.stderr).toBe(0);
    expect(aborted.outputs).toMatchObject({
      result: 'aborted',
      'live-slot': '7',
      'previous-slot': '8',
      weight: '0',
    });
    expect(writes()).toEqual(['7+8@0.1', '7']);
    expect(aws.of('UpdateAlias').at(-1)?.body).toEqual({
      FunctionVersion: '7',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'rev-2',
    });
    expect(aws.tags['glidepath:live:rejected']).toBe('8');
    expect(aws.tags['glidepath:live:target']).toBeUndefined();
    expect(readFileSync(path.join(aborted.dir, 'flags-off.txt'), 'utf8').trim()).toBe(
      'flags off: from version 8 back to 7',
    );
  }, 90_000);

  it('main killed mid-shift: the post step puts the alias back on version 7 and marks version 8 rejected', async () => {
    const main = new BundleProcess(MAIN, INPUTS, { env: env() });
    await main.waitFor(/step 1 · weights → version 7 90% \/ version 8 10%/);
    main.child.kill('SIGKILL');
    const killed = await main.done;
    expect(aws.split()).toEqual({ '7': 90, '8': 10 });
    expect(aws.tags['glidepath:live:target']).toBe('8 from 7');

    const post = await runPost(INPUTS, killed.state, killed.dir, env());
    expect(post.code, post.stdout + post.stderr).toBe(0);
    expect(aws.split()).toEqual({ '7': 100 });
    expect(aws.of('UpdateAlias').at(-1)?.body).toEqual({
      FunctionVersion: '7',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'rev-2',
    });
    expect(post.stdout).toMatch(
      /::warning title=Glidepath restored the live slot::the deploy to version 8 did not finish \(the main step stopped mid-shift\); version 7 has 100%25 of traffic again/,
    );
    expect(aws.tags['glidepath:live:rejected']).toBe('8');
    expect(aws.tags['glidepath:live:target']).toBeUndefined();
    expect(aws.tags['glidepath:live:lock']).toBeUndefined();
  }, 90_000);
});
