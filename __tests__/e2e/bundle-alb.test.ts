// The bundle with provider alb: the ALB adapter and the AWS SDK are chunks loaded on demand, and they
// must still find their files and honour the SDK's standard AWS_ENDPOINT_URL_* variables.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBundle } from '../helpers/bundle.js';
import { BLUE_TG, GREEN_TG, RULE_ARN } from '../traffic/alb-fake.js';

const NS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';
const RESPONSES: Record<string, string> = {
  DescribeRules: `<Rules><member><RuleArn>${RULE_ARN}</RuleArn><Priority>10</Priority><IsDefault>false</IsDefault>
    <Conditions/><Actions><member><Type>forward</Type><Order>1</Order><ForwardConfig><TargetGroups>
      <member><TargetGroupArn>${BLUE_TG}</TargetGroupArn><Weight>999</Weight></member>
      <member><TargetGroupArn>${GREEN_TG}</TargetGroupArn><Weight>0</Weight></member>
    </TargetGroups><TargetGroupStickinessConfig><Enabled>false</Enabled></TargetGroupStickinessConfig>
    </ForwardConfig></member></Actions></member></Rules>`,
  DescribeTags: `<TagDescriptions><member><ResourceArn>${RULE_ARN}</ResourceArn><Tags/></member></TagDescriptions>`,
};

const calls: { action: string; host?: string; auth?: string }[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const action = new URLSearchParams(body).get('Action') ?? '';
      calls.push({ action, host: req.headers.host, auth: req.headers.authorization });
      const result = RESPONSES[action];
      res.writeHead(result ? 200 : 400, { 'content-type': 'text/xml' });
      res.end(
        result
          ? `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result>` +
              `<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></${action}Response>`
          : `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>InvalidAction</Code>` +
              `<Message>not in the fake: ${action}</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('dist/index.js with provider alb', () => {
  it('status loads the SDK chunks and reads the rule at AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2', async () => {
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
      {
        env: {
          AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: endpoint,
          AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST',
          AWS_SECRET_ACCESS_KEY: 'bundle-test-secret',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // at rest there is no deploy in progress, so no new slot for the weight output
    expect(r.outputs).toMatchObject({ result: 'unchanged', 'live-slot': 'blue', weight: '' });
    expect(calls.map((c) => c.action)).toContain('DescribeRules');
    for (const c of calls) {
      expect(c.host).toBe(endpoint.replace('http://', ''));
      expect(c.auth).toMatch(
        /Credential=AKIDBUNDLETEST\/\d{8}\/eu-west-1\/elasticloadbalancing\/aws4_request/,
      );
    }
  });
});
