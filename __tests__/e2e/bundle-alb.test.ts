// The bundle with provider alb: the ALB adapter and the AWS SDK are chunks loaded on demand, and they
// must still find their files and honour the SDK's standard AWS_ENDPOINT_URL_* variables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBundle } from '../helpers/bundle.js';
import { AlbStandin } from '../helpers/alb-standin.js';
import { BLUE_TG, GREEN_TG, RULE_ARN } from '../traffic/alb-fake.js';

let aws: AlbStandin;
beforeAll(async () => {
  aws = await new AlbStandin(RULE_ARN, { blue: BLUE_TG, green: GREEN_TG }, 'blue').start();
});
afterAll(() => aws.stop());

describe('dist/index.js with provider alb', () => {
  it('status loads the SDK chunks and reads the rule at AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2', async () => {
    const { AWS_REGION: _region, ...env } = aws.env('eu-west-1');
    const r = await runBundle(
      {
        command: 'status',
        provider: 'alb',
        'alb-rule-arn': RULE_ARN,
        'blue-target': BLUE_TG,
        'green-target': GREEN_TG,
        'aws-region': 'eu-west-1',
        // alarms make the CloudWatch check (and its client's chunk) load too; status evaluates nothing
        'cloudwatch-alarms': 'web-5xx',
      },
      { env },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // at rest there is no deploy in progress, so no new slot for the weight output
    expect(r.outputs).toMatchObject({ result: 'unchanged', 'live-slot': 'blue', weight: '' });
    expect(aws.requests.map((c) => c.action)).toContain('DescribeRules');
    for (const c of aws.requests) {
      expect(c.host).toBe(aws.url.replace('http://', ''));
      expect(c.authorization).toMatch(
        /Credential=AKIDALBSTANDIN\/\d{8}\/eu-west-1\/elasticloadbalancing\/aws4_request/,
      );
    }
  });
});
