// A client built with `{ region }` only must honour AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2, so the
// router works against LocalStack-like endpoints and behind aws-actions/configure-aws-credentials.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AlbRouter } from '../../src/traffic/alb.js';
import { BLUE_TG, GREEN_TG, RULE_ARN } from './alb-fake.js';

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeRulesResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">
  <DescribeRulesResult>
    <Rules>
      <member>
        <RuleArn>${RULE_ARN}</RuleArn>
        <Priority>10</Priority>
        <IsDefault>false</IsDefault>
        <Conditions/>
        <Actions>
          <member>
            <Type>forward</Type>
            <Order>1</Order>
            <ForwardConfig>
              <TargetGroups>
                <member><TargetGroupArn>${BLUE_TG}</TargetGroupArn><Weight>950</Weight></member>
                <member><TargetGroupArn>${GREEN_TG}</TargetGroupArn><Weight>50</Weight></member>
              </TargetGroups>
              <TargetGroupStickinessConfig><Enabled>false</Enabled></TargetGroupStickinessConfig>
            </ForwardConfig>
          </member>
        </Actions>
      </member>
    </Rules>
  </DescribeRulesResult>
  <ResponseMetadata><RequestId>0e7d6f3c-0000-4000-8000-000000000000</RequestId></ResponseMetadata>
</DescribeRulesResponse>`;

const ENV_KEYS = [
  'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2',
  'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
];
const saved: Record<string, string | undefined> = {};
const seen: { host?: string; url?: string; body: string; auth?: string }[] = [];
let server: Server;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ host: req.headers.host, url: req.url, body, auth: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(XML);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  for (const k of ENV_KEYS) saved[k] = process.env[k];
  for (const k of ENV_KEYS) delete process.env[k];
  const { port } = server.address() as AddressInfo;
  process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = `http://127.0.0.1:${port}`;
  // credentials from the environment, as configure-aws-credentials leaves them; nothing read from disk or IMDS
  process.env.AWS_ACCESS_KEY_ID = 'AKIDENDPOINTTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'endpoint-test-secret';
  process.env.AWS_CONFIG_FILE = '/nonexistent/glidepath-test-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/glidepath-test-credentials';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});

afterAll(async () => {
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('ELBv2 client endpoint', () => {
  it('a client built with { region } only sends to AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2', async () => {
    const client = new ElasticLoadBalancingV2Client({ region: 'eu-west-1', maxAttempts: 1 });
    const router = new AlbRouter({
      client,
      provider: {
        kind: 'alb',
        ruleArn: RULE_ARN,
        blueTargetGroupArn: BLUE_TG,
        greenTargetGroupArn: GREEN_TG,
      },
    });
    const state = await router.read();
    client.destroy();
    expect(state.weights).toEqual({ blue: 95, green: 5 });
    expect(seen).toHaveLength(1);
    const { port } = server.address() as AddressInfo;
    expect(seen[0]?.host).toBe(`127.0.0.1:${port}`);
    const form = new URLSearchParams(seen[0]?.body ?? '');
    expect(form.get('Action')).toBe('DescribeRules');
    expect(form.get('RuleArns.member.1')).toBe(RULE_ARN);
    // signed with the environment's credentials for the ARN's service and region
    expect(seen[0]?.auth).toMatch(
      /Credential=AKIDENDPOINTTEST\/\d{8}\/eu-west-1\/elasticloadbalancing\/aws4_request/,
    );
  });
});
