// Recipe 4 (examples/lambda-canary.yml) through the bundle: its Glidepath step with the inputs exactly as
// written, against the loopback Lambda + CloudWatch stand-in (helpers/lambda-standin.ts) reached through
// AWS_ENDPOINT_URL_LAMBDA and AWS_ENDPOINT_URL_CLOUDWATCH, the region from AWS_REGION as
// configure-aws-credentials leaves it. `aws` is a stand-in on PATH that records what deploy-command and
// rollback-command ask of it; `zip` is the real one, packing the checked-out src/ of the run's folder.
// A preloaded fast clock (helpers/fast-clock.mjs) runs CodeDeploy's LambdaCanary10Percent5Minutes in
// seconds, so nothing of the step is replaced.
import path from 'node:path';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBundle, type BundleRun } from '../helpers/bundle.js';
import { LambdaStandin, REGION } from '../helpers/lambda-standin.js';
import { glidepathStep, loadRecipe, pathWith, standIns, type StandIns } from '../helpers/recipes.js';

const FAST_CLOCK = pathToFileURL(
  path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/fast-clock.mjs'),
).href;

const recipe = loadRecipe('lambda-canary.yml');
const VARS = {
  'vars.APPCONFIG_APP': 'abc1234',
  'vars.APPCONFIG_ENV': 'env5678',
  'vars.APPCONFIG_FLAGS': 'prof9012',
};

let aws: LambdaStandin;
let bin: StandIns;
let work: string;

beforeEach(async () => {
  aws = await new LambdaStandin().start();
  work = mkdtempSync(path.join(os.tmpdir(), 'glidepath-lambda-recipe-'));
  bin = standIns(path.join(work, 'bin'), ['aws']);
  // the AWS CLI: the new AppConfig version's number when asked for it; everything else succeeds silently
  bin.respond('aws', 'if [ "$1 $2" = "appconfig create-hosted-configuration-version" ]; then echo 3; fi\n');
});
afterEach(() => aws.stop());

/** The recipe's step run as the runner runs it, in a folder holding the checked-out src/. */
async function run(): Promise<BundleRun & { overridden: string[]; calls: string[] }> {
  const step = glidepathStep(recipe, 'deploy', VARS);
  const dir = mkdtempSync(path.join(work, 'run-'));
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(
    path.join(dir, 'src', 'index.mjs'),
    'export const handler = async () => ({ statusCode: 200 });\n',
  );
  const r = await runBundle(step.inputs, {
    dir,
    env: {
      ...step.env,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_LAMBDA: aws.url,
      AWS_ENDPOINT_URL_CLOUDWATCH: aws.url,
      AWS_ACCESS_KEY_ID: 'AKIDLAMBDARECIPE',
      AWS_SECRET_ACCESS_KEY: 'lambda-recipe-secret',
      AWS_EC2_METADATA_DISABLED: 'true',
      PATH: pathWith(bin.dir),
      NODE_OPTIONS: `--import=${FAST_CLOCK}`,
      GLIDEPATH_TEST_SPEED: '60',
    },
  });
  return {
    ...r,
    overridden: step.overridden,
    calls: bin.calls().map((c) => [c.cmd, ...c.args].join(' ')),
  };
}

const UPLOAD = 'aws lambda update-function-code --function-name checkout --zip-file fileb://checkout.zip';

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

describe('recipe 4: Lambda canary, through the bundle', () => {
  it('LambdaCanary10Percent5Minutes promotes version 8: the zip uploaded, 10% for five minutes, then 100%', async () => {
    const r = await run();
    expect(r.overridden).toEqual([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs).toMatchObject({
      result: 'promoted',
      'live-slot': '8',
      'previous-slot': '7',
      weight: '100',
    });
    // deploy-command packed src/ with the real zip and handed it to the aws stand-in
    expect(r.calls).toEqual([UPLOAD]);
    expect(
      execFileSync('unzip', ['-Z1', path.join(r.dir, 'checkout.zip')])
        .toString()
        .trim(),
    ).toBe('index.mjs');
    // the payload as written, to the published version; 10% then 100%
    expect(aws.of('Invoke').map((q) => [q.query.Qualifier?.[0], q.body])).toEqual([
      ['8', '{"rawPath": "/health", "requestContext": {"http": {"method": "GET"}}}'],
    ]);
    expect(writes()).toEqual(['7+8@0.1', '8']);
    // both alarms read at every evaluation, by name
    const alarms = aws.of('DescribeAlarms');
    expect(alarms.length).toBeGreaterThan(0);
    for (const q of alarms)
      expect((q.body as { AlarmNames: string[] }).AlarmNames).toEqual([
        'checkout-error-rate',
        'checkout-duration',
      ]);
    expect(aws.tags['glidepath:live:previous']).toBe('7');
    expect(r.summary).toContain('✅ Promoted: version 8 is live');
  }, 120_000);

  it('an alarm at 10% rolls back to version 7 and rollback-command turns the flags off through AppConfig', async () => {
    aws.model.alarm = (split) => ((split['8'] ?? 0) > 0 ? 'ALARM' : 'OK');
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({
      result: 'rolled-back',
      'live-slot': '7',
      'previous-slot': '8',
      weight: '0',
    });
    expect(r.outputs['rollback-reason']).toMatch(/^alarm checkout-error-rate .* is in ALARM/);
    expect(writes()).toEqual(['7+8@0.1', '7']);
    expect(r.stdout).toContain('version 8 rolled back; version 7 serves: flags off');
    expect(r.calls).toEqual([
      UPLOAD,
      'aws appconfig create-hosted-configuration-version --application-id abc1234 --configuration-profile-id prof9012 --content-type application/json --content fileb://ops/flags-off.json --query VersionNumber --output text /dev/null',
      'aws appconfig start-deployment --application-id abc1234 --environment-id env5678 --configuration-profile-id prof9012 --configuration-version 3 --deployment-strategy-id AppConfig.AllAtOnce',
    ]);
    expect(aws.tags['glidepath:live:rejected']).toBe('8');
    expect(existsSync(path.join(r.dir, 'checkout.zip'))).toBe(true);
  }, 120_000);
});
