import { describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/config/parse.js';
import { validateInputs } from '../../src/plan/feasibility.js';
import type { Config, ConfigError, ConfigResult } from '../../src/config/types.js';

const HAPROXY = {
  provider: 'haproxy',
  'blue-target': 'app/blue',
  'green-target': 'app/green',
  'haproxy-socket': '/run/haproxy/admin.sock',
};
const ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const TG_BLUE = `${ARN}:targetgroup/app-blue/0123456789abcdef`;
const TG_GREEN = `${ARN}:targetgroup/app-green/fedcba9876543210`;
const LISTENER = `${ARN}:listener/app/my-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const RULE = `${ARN}:listener-rule/app/my-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;
const ALB = {
  provider: 'alb',
  'blue-target': TG_BLUE,
  'green-target': TG_GREEN,
  'alb-listener-arn': LISTENER,
};
const LAMBDA = {
  provider: 'lambda',
  'lambda-function': 'checkout',
  'lambda-alias': 'live',
};
const FN_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:checkout';
const COMMAND = {
  provider: 'command',
  'traffic-command': './set-weights.sh',
  'traffic-status-command': './get-weights.sh',
};

const DURATION_HINT = 'like 500ms, 30s, 5m or 1h30m';

function errorsOf(result: ConfigResult): ConfigError[] {
  if (result.ok) throw new Error(`expected problems, got a config: ${JSON.stringify(result.config)}`);
  return result.errors;
}

function configOf(result: ConfigResult): Config {
  if (!result.ok)
    throw new Error(`expected a config, got: ${result.errors.map((e) => e.message).join('\n')}`);
  return result.config;
}

// [why, inputs, input the error must name, text the message must contain (the accepted form)]
const BAD: [string, Record<string, string>, string, string][] = [
  // combinations that parse one by one but cannot work (src/config/combinations.ts, src/plan/feasibility.ts)
  [
    'command provider without a status command',
    { provider: 'command', 'traffic-command': './set.sh' },
    'traffic-status-command',
    'like {"blue":100,"green":0}',
  ],
  ['hold at 50% with provider command', { ...COMMAND, 'hold-at': '50' }, 'hold-at', 'hold at another weight'],
  ['ALB step too short for its metrics', { ...ALB, interval: '1m' }, 'interval', 'or set min-requests: 0'],
  [
    'ALB all-at-once with min-requests',
    { ...ALB, strategy: 'AllAtOnce' },
    'strategy',
    'hold steps for 3m or more',
  ],
  [
    'timeout shorter than the plan',
    { ...HAPROXY, strategy: 'linear', 'linear-increment': '5' },
    'timeout',
    'or shorten the plan',
  ],
  [
    'more than 100 alarms',
    { ...HAPROXY, 'cloudwatch-alarms': Array.from({ length: 101 }, (_, i) => `a${i}`).join(',') },
    'cloudwatch-alarms',
    'composite alarm',
  ],
  [
    'unknown command',
    { ...HAPROXY, command: 'ship' },
    'command',
    'deploy, promote, abort, rollback, status, plan',
  ],
  ['unknown strategy', { ...HAPROXY, strategy: 'rolling' }, 'strategy', 'Canary10Percent5Minutes'],
  [
    'strategy spelled without hyphen',
    { ...HAPROXY, strategy: 'bluegreen' },
    'strategy',
    'blue-green, canary, linear, all-at-once',
  ],
  [
    'preset with 0 percent',
    { ...HAPROXY, strategy: 'Canary0Percent5Minutes' },
    'strategy',
    'percent 1 to 99',
  ],
  [
    'preset with 0 minutes',
    { ...HAPROXY, strategy: 'Linear10PercentEvery0Minutes' },
    'strategy',
    'at least 1 minute',
  ],
  [
    'EC2 in-place preset',
    { ...HAPROXY, strategy: 'CodeDeployDefault.OneAtATime' },
    'strategy',
    'Linear10PercentEvery1Minute',
  ],
  ['descending canary steps', { ...HAPROXY, 'canary-steps': '10,5' }, 'canary-steps', 'like 5,25,50'],
  ['canary step 0', { ...HAPROXY, 'canary-steps': '0,50' }, 'canary-steps', 'between 1 and 99'],
  ['canary step 100', { ...HAPROXY, 'canary-steps': '10,100' }, 'canary-steps', 'between 1 and 99'],
  ['empty canary item', { ...HAPROXY, 'canary-steps': '10,,50' }, 'canary-steps', 'like 5,25,50'],
  ['fractional canary step', { ...HAPROXY, 'canary-steps': '10.5,50' }, 'canary-steps', 'whole percents'],
  ['repeated canary step', { ...HAPROXY, 'canary-steps': '10,10' }, 'canary-steps', 'ascending'],
  [
    'linear increment 0',
    { ...HAPROXY, strategy: 'linear', 'linear-increment': '0' },
    'linear-increment',
    'from 1 to 99',
  ],
  ['linear increment 100', { ...HAPROXY, 'linear-increment': '100' }, 'linear-increment', 'from 1 to 99'],
  [
    'linear increment in words',
    { ...HAPROXY, 'linear-increment': 'ten' },
    'linear-increment',
    'whole number',
  ],
  ['interval as a bare number', { ...HAPROXY, interval: '5' }, 'interval', DURATION_HINT],
  ['interval of zero', { ...HAPROXY, interval: '0s' }, 'interval', 'longer than 0'],
  ['interval units out of order', { ...HAPROXY, interval: '30m1h' }, 'interval', DURATION_HINT],
  ['interval with a space', { ...HAPROXY, interval: '1h 30m' }, 'interval', DURATION_HINT],
  [
    'interval shorter than probe-interval',
    { ...HAPROXY, interval: '2s' },
    'interval',
    'shorter than probe-interval (5s)',
  ],
  ['hold-at not a canary step', { ...HAPROXY, 'hold-at': '30' }, 'hold-at', 'use one of 10, 50'],
  [
    'hold-at with blue-green',
    { ...HAPROXY, strategy: 'blue-green', 'hold-at': '50' },
    'hold-at',
    'no weight to hold at',
  ],
  [
    'hold-at with all-at-once preset',
    { ...HAPROXY, strategy: 'AllAtOnce', 'hold-at': '50' },
    'hold-at',
    'canary or linear',
  ],
  ['hold-at 100', { ...HAPROXY, 'hold-at': '100' }, 'hold-at', 'from 1 to 99'],
  [
    'hold-at off the linear grid',
    { ...HAPROXY, strategy: 'linear', 'hold-at': '25' },
    'hold-at',
    'use one of 10, 20, 30',
  ],
  [
    'hold-at off a linear preset',
    { ...HAPROXY, strategy: 'Linear30PercentEvery1Minute', 'hold-at': '50' },
    'hold-at',
    'use one of 30, 60, 90',
  ],
  ['no provider', { 'blue-target': 'app/blue' }, 'provider', 'alb, haproxy, lambda, command or none'],
  [
    'unknown provider',
    { ...HAPROXY, provider: 'nginx' },
    'provider',
    'alb, haproxy, lambda, command or none',
  ],
  ['haproxy without blue-target', { ...HAPROXY, 'blue-target': '' }, 'blue-target', 'backend/server'],
  ['haproxy server without backend', { ...HAPROXY, 'blue-target': 'blue' }, 'blue-target', 'like app/blue'],
  [
    'haproxy servers in two backends',
    { ...HAPROXY, 'green-target': 'web/green' },
    'green-target',
    'same backend',
  ],
  [
    'haproxy slots on one server',
    { ...HAPROXY, 'green-target': 'app/blue' },
    'green-target',
    'different servers',
  ],
  [
    'haproxy slot listing servers of two backends',
    { ...HAPROXY, 'blue-target': 'app/blue1, api/blue2' },
    'blue-target',
    'two backends, app and api (item 2, "api/blue2"): a slot\'s servers must all be in one backend',
  ],
  [
    'haproxy slot item without backend',
    { ...HAPROXY, 'blue-target': 'app/blue1\nblue2' },
    'blue-target',
    'not backend/server (item 2, "blue2")',
  ],
  [
    'haproxy slot listing a server twice',
    { ...HAPROXY, 'blue-target': 'app/b1, app/b1' },
    'blue-target',
    'app/b1 twice',
  ],
  [
    'haproxy slots sharing a server',
    { ...HAPROXY, 'blue-target': 'app/b1, app/shared', 'green-target': 'app/g1,app/shared' },
    'green-target',
    'names app/shared, which blue-target names too',
  ],
  [
    'haproxy slots with the same pattern',
    { ...HAPROXY, 'blue-target': 'app/web*', 'green-target': 'app/web*' },
    'green-target',
    'repeats app/web* from blue-target',
  ],
  [
    'one of two sockets bad',
    { ...HAPROXY, 'haproxy-socket': '/run/lb1.sock\nlb2.internal' },
    'haproxy-socket',
    '"lb2.internal" (line 2) must be a unix socket path',
  ],
  [
    'the same socket twice',
    { ...HAPROXY, 'haproxy-socket': '/run/lb1.sock\n/run/lb1.sock' },
    'haproxy-socket',
    '"/run/lb1.sock" (line 2) is listed twice',
  ],
  ['haproxy without socket', { ...HAPROXY, 'haproxy-socket': '' }, 'haproxy-socket', 'unix socket path'],
  [
    'socket without port',
    { ...HAPROXY, 'haproxy-socket': 'localhost' },
    'haproxy-socket',
    'host:port like 127.0.0.1:9999',
  ],
  [
    'socket port too high',
    { ...HAPROXY, 'haproxy-socket': '127.0.0.1:70000' },
    'haproxy-socket',
    'port 1 to 65535',
  ],
  [
    'socket port 0',
    { ...HAPROXY, 'haproxy-socket': 'ipv4@127.0.0.1:0' },
    'haproxy-socket',
    'port 1 to 65535',
  ],
  [
    'alb listener with haproxy',
    { ...HAPROXY, 'alb-listener-arn': LISTENER },
    'alb-listener-arn',
    'remove it',
  ],
  [
    'traffic-command with haproxy',
    { ...HAPROXY, 'traffic-command': './x.sh' },
    'traffic-command',
    'remove it',
  ],
  ['alb target as a server ref', { ...ALB, 'blue-target': 'app/blue' }, 'blue-target', 'target group ARN'],
  [
    'alb target group of another service',
    { ...ALB, 'green-target': `${ARN}:loadbalancer/app/x/1` },
    'green-target',
    'targetgroup/',
  ],
  [
    'alb slots on one target group',
    { ...ALB, 'green-target': TG_BLUE },
    'green-target',
    'two different target groups',
  ],
  [
    'alb without listener or rule',
    { ...ALB, 'alb-listener-arn': '' },
    'alb-listener-arn',
    'listener rule ARN',
  ],
  [
    'network load balancer listener',
    { ...ALB, 'alb-listener-arn': LISTENER.replace('/app/', '/net/') },
    'alb-listener-arn',
    'Application Load Balancer listener ARN',
  ],
  [
    'listener ARN given as rule',
    { ...ALB, 'alb-rule-arn': LISTENER },
    'alb-rule-arn',
    'listener rule ARN like',
  ],
  [
    'haproxy socket with alb',
    { ...ALB, 'haproxy-socket': '/run/haproxy.sock' },
    'haproxy-socket',
    'remove it',
  ],
  ['command provider without command', { provider: 'command' }, 'traffic-command', 'BLUE_WEIGHT'],
  ['alb rule with command provider', { ...COMMAND, 'alb-rule-arn': RULE }, 'alb-rule-arn', 'remove it'],
  [
    'ftp health URL',
    { ...HAPROXY, 'health-urls': 'https://ok.example.com\nftp://files.example.com' },
    'health-urls',
    'absolute http or https URL',
  ],
  [
    'relative health URL',
    { ...HAPROXY, 'health-urls': '/healthz' },
    'health-urls',
    'like https://app.example.com/healthz',
  ],
  [
    'pre-traffic URL without scheme',
    { ...HAPROXY, 'pre-traffic-urls': 'app-{slot}.internal/health' },
    'pre-traffic-urls',
    'absolute http or https URL',
  ],
  [
    'status range upside down',
    { ...HAPROXY, 'health-expect': '299-200' },
    'health-expect',
    'like 200,204 or 200-299,304',
  ],
  ['status code below 100', { ...HAPROXY, 'health-expect': '99' }, 'health-expect', 'between 100 and 599'],
  ['status class', { ...HAPROXY, 'health-expect': '2xx' }, 'health-expect', '200-299'],
  [
    'JSON check with bare word',
    { ...HAPROXY, 'health-body': '$.status == ready' },
    'health-body',
    'double quotes',
  ],
  [
    'JSON check without operator',
    { ...HAPROXY, 'health-body': '$.status' },
    'health-body',
    '$.status == "ready"',
  ],
  [
    'JSON check against an object',
    { ...HAPROXY, 'health-body': '$.a == {"b":1}' },
    'health-body',
    'string, number, true, false or null',
  ],
  [
    'header without colon',
    { ...HAPROXY, 'health-headers': 'X-Token abc' },
    'health-headers',
    '"Name: value"',
  ],
  [
    'header name with a space',
    { ...HAPROXY, 'health-headers': 'X Token: abc' },
    'health-headers',
    'HTTP token',
  ],
  ['header with empty value', { ...HAPROXY, 'health-headers': 'X-Token:' }, 'health-headers', 'empty value'],
  ['header given twice', { ...HAPROXY, 'health-headers': 'X-A: 1\nx-a: 2' }, 'health-headers', 'once'],
  ['probe-interval of zero', { ...HAPROXY, 'probe-interval': '0s' }, 'probe-interval', 'longer than 0'],
  [
    'probe-timeout not a duration',
    { ...HAPROXY, 'probe-timeout': '3 seconds' },
    'probe-timeout',
    'like 500ms',
  ],
  [
    'probe-interval longer than a preset hold',
    { ...HAPROXY, strategy: 'Canary10Percent1Minute', 'probe-interval': '2m', 'probe-timeout': '10s' },
    'probe-interval',
    'like 5s',
  ],
  ['failure-threshold 0', { ...HAPROXY, 'failure-threshold': '0' }, 'failure-threshold', 'of 1 or more'],
  ['error rate over 100', { ...HAPROXY, 'max-error-rate': '101' }, 'max-error-rate', 'from 0 to 100'],
  ['error rate in words', { ...HAPROXY, 'max-error-rate': 'one%' }, 'max-error-rate', 'like 1, 0.5 or 2%'],
  ['latency with >', { ...HAPROXY, 'max-latency': 'p99>2s' }, 'max-latency', 'like p99<2s'],
  ['latency p100', { ...HAPROXY, 'max-latency': 'p100<1s' }, 'max-latency', 'from 1 to 99.9'],
  ['latency of zero', { ...HAPROXY, 'max-latency': 'p99<0s' }, 'max-latency', 'p95<500ms'],
  ['latency without unit', { ...HAPROXY, 'max-latency': 'p99<2' }, 'max-latency', 'p99.9<1s'],
  ['yes as a boolean', { ...HAPROXY, 'compare-to-stable': 'yes' }, 'compare-to-stable', 'true or false'],
  ['1 as a boolean', { ...HAPROXY, 'fail-on-rollback': '1' }, 'fail-on-rollback', 'true or false'],
  ['mixed-case boolean', { ...HAPROXY, 'pr-comment': 'tRUE' }, 'pr-comment', 'true or false'],
  ['negative min-requests', { ...HAPROXY, 'min-requests': '-1' }, 'min-requests', 'of 0 or more'],
  [
    'confidence as a fraction',
    { ...HAPROXY, confidence: '0.99' },
    'confidence',
    'above 50 and below 100, like 99%',
  ],
  ['confidence of 100%', { ...HAPROXY, confidence: '100%' }, 'confidence', 'above 50 and below 100'],
  ['confidence in words', { ...HAPROXY, confidence: 'high' }, 'confidence', 'like 99%, 95% or 99.9%'],
  [
    'error rate increase in words',
    { ...HAPROXY, 'max-error-rate-increase': 'half' },
    'max-error-rate-increase',
    'percentage points from 0 to 100, like 0.5',
  ],
  [
    'latency increase without a unit',
    { ...HAPROXY, 'max-latency-increase': '20' },
    'max-latency-increase',
    'like 20%',
  ],
  ['latency increase of 0%', { ...HAPROXY, 'max-latency-increase': '0%' }, 'max-latency-increase', 'above 0'],
  [
    'fractional failed-request budget',
    { ...HAPROXY, 'max-failed-requests': '2.5' },
    'max-failed-requests',
    'whole number',
  ],
  [
    'fractional unhealthy targets',
    { ...HAPROXY, 'max-unhealthy-targets': '1.5' },
    'max-unhealthy-targets',
    'whole number',
  ],
  ['keep-previous in words', { ...HAPROXY, 'keep-previous': 'forever' }, 'keep-previous', DURATION_HINT],
  ['timeout of zero', { ...HAPROXY, timeout: '0s' }, 'timeout', 'longer than 0'],
  ['hook-timeout as a bare number', { ...HAPROXY, 'hook-timeout': '10' }, 'hook-timeout', DURATION_HINT],
  [
    'environment-url without scheme',
    { ...HAPROXY, 'environment-url': 'preview.example.com' },
    'environment-url',
    'absolute http or https URL',
  ],
  [
    'plain-http webhook',
    { ...HAPROXY, 'notify-webhook': 'http://hooks.example.com/x' },
    'notify-webhook',
    'absolute https URL',
  ],
  ['upper-case region', { ...HAPROXY, 'aws-region': 'US-EAST-1' }, 'aws-region', 'like us-east-1'],
  [
    'alarm name too long',
    { ...HAPROXY, 'cloudwatch-alarms': `ok-alarm,${'a'.repeat(256)}` },
    'cloudwatch-alarms',
    'separated by newlines or commas',
  ],
  // provider lambda (src/config/lambda.ts; the per-minute rule in src/plan/feasibility.ts)
  [
    'lambda without lambda-function',
    { ...LAMBDA, 'lambda-function': '' },
    'lambda-function',
    'is required with provider lambda',
  ],
  [
    'lambda without lambda-alias',
    { ...LAMBDA, 'lambda-alias': '' },
    'lambda-alias',
    'the alias your callers invoke',
  ],
  [
    'lambda-function with a qualifier',
    { ...LAMBDA, 'lambda-function': `${FN_ARN}:live` },
    'lambda-function',
    'names a version or alias (live) after the function',
  ],
  [
    'lambda-function not a name',
    { ...LAMBDA, 'lambda-function': 'check out' },
    'lambda-function',
    'a function name like checkout',
  ],
  [
    'lambda-function in another region than aws-region',
    { ...LAMBDA, 'lambda-function': FN_ARN, 'aws-region': 'eu-west-1' },
    'lambda-function',
    'is in region us-east-1 but aws-region is eu-west-1',
  ],
  ['lambda-alias $LATEST', { ...LAMBDA, 'lambda-alias': '$LATEST' }, 'lambda-alias', 'not an alias'],
  [
    'lambda-alias a version number',
    { ...LAMBDA, 'lambda-alias': '7' },
    'lambda-alias',
    'not a version number',
  ],
  [
    'lambda-version $LATEST',
    { ...LAMBDA, 'lambda-version': '$LATEST' },
    'lambda-version',
    'Lambda weights only published versions',
  ],
  [
    'lambda-version not a number',
    { ...LAMBDA, 'lambda-version': 'v8' },
    'lambda-version',
    'a published version number',
  ],
  [
    'pre-traffic-payload not JSON',
    { ...LAMBDA, 'pre-traffic-payload': '{path: /}' },
    'pre-traffic-payload',
    'must be the JSON event',
  ],
  [
    'pre-traffic-payload with alb',
    { ...ALB, 'pre-traffic-payload': '{}' },
    'pre-traffic-payload',
    'belongs to provider lambda',
  ],
  [
    'lambda-function with haproxy',
    { ...HAPROXY, 'lambda-function': 'checkout' },
    'lambda-function',
    'belongs to provider lambda',
  ],
  [
    'blue-target with lambda',
    { ...LAMBDA, 'blue-target': 'app/blue' },
    'blue-target',
    'is not used with provider lambda',
  ],
  [
    'Lambda preset steps of 1 minute with min-requests',
    { ...LAMBDA, strategy: 'LambdaLinear10PercentEvery1Minute' },
    'strategy',
    'Lambda metrics are published per minute',
  ],
  [
    'lambda interval of 2 minutes with min-requests',
    { ...LAMBDA, interval: '2m' },
    'interval',
    'set min-requests: 0 to judge on alarms, probes and checks only',
  ],
];

describe('validateInputs: bad inputs', () => {
  it('has a row for at least 45 bad inputs', () => {
    expect(BAD.length).toBeGreaterThanOrEqual(45);
  });

  it.each(BAD.map(([why, inputs, input, hint]) => ({ why, inputs, input, hint })))(
    '$why → $input',
    ({ inputs, input, hint }) => {
      // everything a user is told: the config's own rules and the plan's (plan/feasibility.ts)
      const errors = errorsOf(validateInputs(inputs));
      const mine = errors.filter((e) => e.input === input);
      expect(mine, JSON.stringify(errors)).not.toHaveLength(0);
      for (const e of mine) expect(e.message.startsWith(input)).toBe(true);
      expect(
        mine.some((e) => e.message.includes(hint)),
        JSON.stringify(mine),
      ).toBe(true);
    },
  );

  it('shows the offending value in the message', () => {
    const [e] = errorsOf(parseInputs({ ...HAPROXY, 'canary-steps': '10,5' }));
    expect(e).toEqual({
      input: 'canary-steps',
      value: '10,5',
      message:
        'canary-steps: "10,5" must be ascending whole percents between 1 and 99 separated by commas, like 5,25,50',
    });
  });

  it('points at the bad line of a list input', () => {
    const errors = errorsOf(
      parseInputs({ ...HAPROXY, 'health-urls': 'https://a.example.com\n\nnot a url\nhttps://b.example.com' }),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]?.value).toBe('not a url');
    expect(errors[0]?.message).toContain('"not a url"');
  });

  it('counts header lines as written, blank ones included', () => {
    const errors = errorsOf(parseInputs({ ...HAPROXY, 'health-headers': 'X-A: 1\n\nbad line' }));
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^health-headers line 3 has no colon/),
    ]);
  });

  it('reports every problem at once, not only the first', () => {
    const errors = errorsOf(
      parseInputs({
        command: 'ship',
        strategy: 'linear',
        'linear-increment': '0',
        provider: 'haproxy',
        'blue-target': 'app/blue',
        'green-target': 'web/green',
        'alb-rule-arn': RULE,
        'health-expect': '2xx',
        'probe-timeout': '10 s',
        'max-latency': 'fast',
        'pr-comment': 'yes',
        timeout: '1 hour',
      }),
    );
    expect(new Set(errors.map((e) => e.input))).toEqual(
      new Set([
        'command',
        'linear-increment',
        'green-target',
        'haproxy-socket',
        'alb-rule-arn',
        'health-expect',
        'probe-timeout',
        'max-latency',
        'pr-comment',
        'timeout',
      ]),
    );
    for (const e of errors) expect(e.message.startsWith(e.input)).toBe(true);
  });

  it('never puts a secret in an error, and returns the secrets to mask', () => {
    const header = 'Bearer sk-live-HEADERSECRET';
    const pasted = 'sk-pasted-LINESECRET';
    const webhook = 'http://hooks.example.com/services/WEBHOOKSECRET';
    const token = 'ghp_TOKENSECRET';
    const result = parseInputs({
      ...HAPROXY,
      'health-headers': `Authorization: ${header}\n${pasted}\nX Bad Name: sk-NAMESECRET\nX-Empty:`,
      'notify-webhook': webhook,
      'github-token': token,
      'canary-steps': 'nope',
    });
    const errors = errorsOf(result);
    expect(errors.map((e) => e.input)).toEqual(
      expect.arrayContaining(['health-headers', 'notify-webhook', 'canary-steps']),
    );
    const text = JSON.stringify(errors);
    for (const secret of [
      header,
      'HEADERSECRET',
      pasted,
      'LINESECRET',
      'NAMESECRET',
      webhook,
      'WEBHOOKSECRET',
      token,
    ]) {
      expect(text).not.toContain(secret);
    }
    for (const e of errors.filter((e) => e.input === 'health-headers' || e.input === 'notify-webhook')) {
      expect(e.value).toBe('***');
    }
    expect(result.secrets).toEqual(expect.arrayContaining([header, pasted, webhook, token]));
    expect(result.secrets.some((s) => s.includes('NAMESECRET'))).toBe(true);
  });

  it('masks a secret input even when the problem is elsewhere in it', () => {
    const errors = errorsOf(parseInputs({ ...HAPROXY, 'notify-webhook': 'ftp://u:p4ss@x' }));
    expect(errors[0]?.message).toBe(
      'notify-webhook: "***" must be an absolute https URL, like https://hooks.slack.com/services/T000/B000/XXXX (http only for localhost or 127.0.0.1)',
    );
  });
});

describe('parseInputs: valid inputs', () => {
  it('takes probe-interval alone, below the default probe-timeout (probe often, tolerate a slow answer)', () => {
    const alone = configOf(validateInputs({ ...HAPROXY, 'probe-interval': '1s' }));
    expect(alone).toMatchObject({ probeIntervalMs: 1000, probeTimeoutMs: 3000 });
    const slowAnswers = configOf(
      validateInputs({ ...HAPROXY, 'probe-interval': '500ms', 'probe-timeout': '2s' }),
    );
    expect(slowAnswers).toMatchObject({ probeIntervalMs: 500, probeTimeoutMs: 2000 });
  });

  it('fills every default for the smallest haproxy input', () => {
    const result = parseInputs(HAPROXY);
    expect(configOf(result)).toEqual({
      command: 'deploy',
      strategy: { name: 'canary', strategy: { kind: 'canary', steps: [10, 50] } },
      intervalMs: 300_000,
      provider: {
        kind: 'haproxy',
        sockets: [{ kind: 'unix', path: '/run/haproxy/admin.sock' }],
        blue: { backend: 'app', servers: ['blue'] },
        green: { backend: 'app', servers: ['green'] },
      },
      healthUrls: [],
      preTrafficUrls: [],
      healthExpect: [{ min: 200, max: 299 }],
      healthHeaders: {},
      probeIntervalMs: 5_000,
      probeTimeoutMs: 3_000,
      failureThreshold: 2,
      maxErrorRate: 1,
      compareToStable: false,
      minRequests: 20,
      confidence: 0.99,
      maxErrorRateIncrease: 0.5,
      maxLatencyIncrease: { kind: 'percent', value: 20, text: '20%' },
      cloudwatchAlarms: [],
      maxUnhealthyTargets: 0,
      hooks: {},
      hookTimeoutMs: 600_000,
      keepPreviousMs: 0,
      drainTimeoutMs: 30_000,
      timeoutMs: 3_600_000,
      failOnRollback: true,
      force: false,
      prComment: true,
    } satisfies Config);
    expect(result.secrets).toEqual([]);
  });

  it('treats blank values as defaults and trims the rest', () => {
    const config = configOf(
      parseInputs({
        ...HAPROXY,
        command: '  ',
        strategy: ' linear ',
        interval: ' 30s\n',
        'canary-steps': '',
      }),
    );
    expect(config.command).toBe('deploy');
    expect(config.strategy).toEqual({ name: 'linear', strategy: { kind: 'linear', increment: 10 } });
    expect(config.intervalMs).toBe(30_000);
  });

  it('reads a TCP runtime API address', () => {
    const config = configOf(parseInputs({ ...HAPROXY, 'haproxy-socket': 'ipv4@127.0.0.1:9999' }));
    expect(config.provider).toMatchObject({ sockets: [{ kind: 'tcp', host: '127.0.0.1', port: 9999 }] });
    const plain = configOf(
      parseInputs({ ...HAPROXY, provider: 'HAProxy', 'haproxy-socket': 'lb.internal:7000' }),
    );
    expect(plain.provider).toMatchObject({
      kind: 'haproxy',
      sockets: [{ kind: 'tcp', host: 'lb.internal', port: 7000 }],
    });
    const relative = configOf(parseInputs({ ...HAPROXY, 'haproxy-socket': './run/admin.sock' }));
    expect(relative.provider).toMatchObject({ sockets: [{ kind: 'unix', path: './run/admin.sock' }] });
  });

  it('reads slots of several servers (a list, newline or comma, or a pattern) and several sockets in their order', () => {
    const config = configOf(
      parseInputs({
        ...HAPROXY,
        'blue-target': 'web/blue1,\n web/blue2 ',
        'green-target': 'web/green*',
        'haproxy-socket': '/run/lb1/admin.sock\n\n10.0.0.2:9999\n',
      }),
    );
    expect(config.provider).toEqual({
      kind: 'haproxy',
      sockets: [
        { kind: 'unix', path: '/run/lb1/admin.sock' },
        { kind: 'tcp', host: '10.0.0.2', port: 9999 },
      ],
      blue: { backend: 'web', servers: ['blue1', 'blue2'] },
      green: { backend: 'web', servers: ['green*'] },
    });
  });

  it('builds an alb config with linear steps; the rule is kept beside the listener', () => {
    const config = configOf(
      parseInputs({
        ...ALB,
        'alb-rule-arn': RULE,
        strategy: 'linear',
        'linear-increment': '25',
        interval: '1m',
        // 1m steps see no whole minute of ALB metrics: judged on probes, alarms and target health
        'min-requests': '0',
        'aws-region': 'eu-west-1',
      }),
    );
    expect(config.provider).toEqual({
      kind: 'alb',
      blueTargetGroupArn: TG_BLUE,
      greenTargetGroupArn: TG_GREEN,
      listenerArn: LISTENER,
      ruleArn: RULE,
    });
    expect(config.strategy.strategy).toEqual({ kind: 'linear', increment: 25 });
    expect(config.intervalMs).toBe(60_000);
    expect(config.awsRegion).toBe('eu-west-1');
  });

  it('accepts an alb rule alone, in another partition', () => {
    const cn = (arn: string) => arn.replace('arn:aws:', 'arn:aws-cn:').replace('us-east-1', 'cn-north-1');
    const config = configOf(
      parseInputs({
        provider: 'alb',
        'blue-target': cn(TG_BLUE),
        'green-target': cn(TG_GREEN),
        'alb-rule-arn': cn(RULE),
      }),
    );
    expect(config.provider).toEqual({
      kind: 'alb',
      blueTargetGroupArn: cn(TG_BLUE),
      greenTargetGroupArn: cn(TG_GREEN),
      ruleArn: cn(RULE),
    });
  });

  it('builds a command config with blue-green; targets are optional', () => {
    const config = configOf(
      parseInputs({
        ...COMMAND,
        'traffic-status-command': './weights.sh',
        strategy: 'Blue-Green',
        'keep-previous': '30m',
      }),
    );
    expect(config.provider).toEqual({
      kind: 'command',
      trafficCommand: './set-weights.sh',
      statusCommand: './weights.sh',
    });
    expect(config.strategy).toEqual({ name: 'Blue-Green', strategy: { kind: 'blue-green' } });
    expect(config.keepPreviousMs).toBe(1_800_000);
  });

  it('builds all-at-once', () => {
    const config = configOf(parseInputs({ ...COMMAND, strategy: 'all-at-once', interval: '1m' }));
    expect(config.strategy).toEqual({ name: 'all-at-once', strategy: { kind: 'all-at-once' } });
    expect(config.intervalMs).toBe(60_000);
  });

  it.each([
    ['CodeDeployDefault.ECSLinear10PercentEvery1Minutes', { kind: 'linear', increment: 10 }, 60_000],
    ['CodeDeployDefault.LambdaCanary10Percent30Minutes', { kind: 'canary', steps: [10] }, 1_800_000],
    ['Canary5Percent2Minutes', { kind: 'canary', steps: [5] }, 120_000],
  ])('preset %s replaces the steps and the interval', (name, strategy, intervalMs) => {
    const config = configOf(
      parseInputs({
        ...HAPROXY,
        strategy: name,
        interval: '7m',
        'canary-steps': '20,40',
        'linear-increment': '33',
        timeout: '2h',
      }),
    );
    expect(config.strategy).toEqual({ name, strategy, presetIntervalMs: intervalMs });
    expect(config.intervalMs).toBe(intervalMs);
  });

  it.each(['AllAtOnce', 'CodeDeployDefault.AllAtOnce'])('preset %s keeps the interval input', (name) => {
    const config = configOf(parseInputs({ ...HAPROXY, strategy: name, interval: '7m' }));
    expect(config.strategy).toEqual({ name, strategy: { kind: 'all-at-once' } });
    expect(config.intervalMs).toBe(420_000);
  });

  it('holds at a weight the plan reaches', () => {
    expect(configOf(parseInputs({ ...HAPROXY, 'canary-steps': '5, 25, 50', 'hold-at': '25' })).holdAt).toBe(
      25,
    );
    expect(
      configOf(parseInputs({ ...HAPROXY, strategy: 'linear', 'linear-increment': '20', 'hold-at': '60' }))
        .holdAt,
    ).toBe(60);
    expect(
      configOf(parseInputs({ ...HAPROXY, strategy: 'Canary15Percent5Minutes', 'hold-at': '15' })).holdAt,
    ).toBe(15);
  });

  it('reads health, judge, hook and report inputs', () => {
    const result = parseInputs({
      ...HAPROXY,
      command: 'plan',
      'health-urls': 'https://app.example.com/healthz\n\n  http://127.0.0.1:8080/ready  \n',
      'pre-traffic-urls': 'http://{slot}.internal:8080/healthz',
      'health-expect': '200, 204,300-399',
      'health-body': '$.checks.db != false',
      'health-headers': 'Authorization: Bearer abc:def\nX-Env:  staging ',
      'probe-interval': '2s',
      'probe-timeout': '500ms',
      'failure-threshold': '3',
      'max-error-rate': '2.5%',
      'max-latency': 'p99.9<1s',
      'compare-to-stable': 'True',
      'min-requests': '0',
      confidence: '99.9%',
      'max-error-rate-increase': '1',
      'max-latency-increase': '25ms',
      'max-failed-requests': '10',
      'cloudwatch-alarms': 'api-5xx, api-latency\napi-saturation',
      'max-unhealthy-targets': '1',
      'check-command': './check.sh',
      'backup-command': './backup.sh',
      'smoke-command': 'npm run smoke',
      'rollback-command': './notify-rollback.sh',
      'hook-timeout': '90s',
      timeout: '1h30m',
      'fail-on-rollback': 'FALSE',
      environment: 'production',
      'environment-url': 'https://app.example.com',
      'pr-comment': 'false',
      'notify-webhook': 'http://127.0.0.1:4000/hook',
      'github-token': 'ghs_abc123',
    });
    const config = configOf(result);
    expect(config).toMatchObject({
      confidence: 0.999,
      maxErrorRateIncrease: 1,
      maxLatencyIncrease: { kind: 'ms', value: 25, text: '25ms' },
      maxFailedRequests: 10,
    });
    expect(config).toMatchObject({
      command: 'plan',
      healthUrls: [
        { url: 'https://app.example.com/healthz', text: 'https://app.example.com/healthz' },
        { url: 'http://127.0.0.1:8080/ready', text: 'http://127.0.0.1:8080/ready' },
      ],
      preTrafficUrls: [{ url: 'http://{slot}.internal:8080/healthz' }],
      healthExpect: [
        { min: 200, max: 200 },
        { min: 204, max: 204 },
        { min: 300, max: 399 },
      ],
      healthBody: {
        kind: 'json',
        path: ['checks', 'db'],
        op: '!=',
        value: false,
        text: '$.checks.db != false',
      },
      healthHeaders: { Authorization: 'Bearer abc:def', 'X-Env': 'staging' },
      probeIntervalMs: 2_000,
      probeTimeoutMs: 500,
      failureThreshold: 3,
      maxErrorRate: 2.5,
      maxLatency: { percentile: 99.9, maxMs: 1_000, text: 'p99.9<1s' },
      compareToStable: true,
      minRequests: 0,
      cloudwatchAlarms: ['api-5xx', 'api-latency', 'api-saturation'],
      maxUnhealthyTargets: 1,
      checkCommand: './check.sh',
      hooks: { backup: './backup.sh', smoke: 'npm run smoke', rollback: './notify-rollback.sh' },
      hookTimeoutMs: 90_000,
      timeoutMs: 5_400_000,
      failOnRollback: false,
      environment: 'production',
      environmentUrl: 'https://app.example.com',
      prComment: false,
      notifyWebhook: 'http://127.0.0.1:4000/hook',
      githubToken: 'ghs_abc123',
    });
    expect(result.secrets.sort()).toEqual(
      ['Bearer abc:def', 'ghs_abc123', 'http://127.0.0.1:4000/hook', 'staging'].sort(),
    );
  });

  it('reads a body that does not start with $. as text to find', () => {
    expect(configOf(parseInputs({ ...HAPROXY, 'health-body': 'status: ok' })).healthBody).toEqual({
      kind: 'contains',
      text: 'status: ok',
    });
    expect(
      configOf(parseInputs({ ...HAPROXY, 'health-body': '$.status == "ready"' })).healthBody,
    ).toMatchObject({
      path: ['status'],
      op: '==',
      value: 'ready',
    });
  });

  it('reads the unsubstituted token default as no token', () => {
    const result = parseInputs({ ...HAPROXY, 'github-token': '${{ github.token }}' });
    expect(configOf(result).githubToken).toBeUndefined();
    expect(result.secrets).toEqual([]);
  });

  it.each(['deploy', 'promote', 'abort', 'rollback', 'status', 'plan'])(
    'accepts command %s and still needs a provider',
    (command) => {
      expect(configOf(parseInputs({ ...HAPROXY, command })).command).toBe(command);
      expect(errorsOf(parseInputs({ command })).map((e) => e.input)).toEqual(['provider']);
    },
  );
});

describe('credentials in URLs', () => {
  it('are secrets, so they are masked wherever a URL is shown', () => {
    const r = parseInputs({ ...HAPROXY, 'health-urls': 'https://probe:s3cret-pw@shop.example/health' });
    expect(r.secrets).toContain('s3cret-pw');
    expect(r.secrets).not.toContain('probe');
  });
});

describe('on-call commands are not refused for the plan they do not run', () => {
  it.each(['abort', 'rollback', 'status'])(
    '%s with a short timeout and an ALB all-at-once strategy',
    (command) => {
      expect(validateInputs({ ...ALB, command, timeout: '2m', strategy: 'AllAtOnce' }).ok).toBe(true);
    },
  );
});

/** What a user is told, as a comparable list: the input, the value and the message of each problem. */
const verdictOf = (raw: Record<string, string>) => {
  const r = validateInputs(raw);
  return r.ok ? 'ok' : r.errors.map((e) => e.message);
};

// Whole-config cases a person met: plan said yes, deploy refused (issue 10).
const WHOLE_CONFIG: [string, Record<string, string>, string][] = [
  [
    'linear by 5 over 5m holds exceeds the 60m timeout',
    { ...HAPROXY, strategy: 'linear', 'linear-increment': '5' },
    'timeout',
  ],
  ['ALB steps of 1m cannot see a whole minute of metrics', { ...ALB, interval: '1m' }, 'interval'],
  [
    'a listed ALB preset with 1-minute steps',
    { ...ALB, strategy: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes' },
    'strategy',
  ],
  ['ALB all-at-once with min-requests', { ...ALB, strategy: 'AllAtOnce' }, 'strategy'],
  [
    'a canary whose holds fill the timeout exactly',
    { ...HAPROXY, interval: '20m', timeout: '1h' },
    'timeout',
  ],
];

describe('plan refuses what deploy refuses', () => {
  // rows where the command itself is the subject, or that need what only a moving command reads
  const EXEMPT: Record<string, string> = {
    'unknown command': 'the row sets command itself',
  };

  it.each(BAD.map(([why, inputs]) => ({ why, inputs })))(
    '$why: same verdict for plan and deploy',
    ({ why, inputs }) => {
      if (EXEMPT[why]) return;
      const deploy = verdictOf({ ...inputs, command: 'deploy' });
      expect(deploy).not.toBe('ok');
      expect(verdictOf({ ...inputs, command: 'plan' })).toEqual(deploy);
    },
  );

  it('exempts only rows whose difference is on purpose', () => {
    for (const why of Object.keys(EXEMPT)) expect(BAD.map(([w]) => w)).toContain(why);
    // plan does no I/O, yet refuses a command provider without a status command: deploy would
    const statusless = { provider: 'command', 'traffic-command': './set.sh' };
    expect(verdictOf({ ...statusless, command: 'plan' })).toEqual(
      verdictOf({ ...statusless, command: 'deploy' }),
    );
    expect(verdictOf({ ...statusless, command: 'plan' })).not.toBe('ok');
  });

  it.each(WHOLE_CONFIG.map(([why, inputs, input]) => ({ why, inputs, input })))(
    '$why: plan and deploy both refuse, naming $input',
    ({ inputs, input }) => {
      const deploy = verdictOf({ ...inputs, command: 'deploy' });
      const plan = verdictOf({ ...inputs, command: 'plan' });
      expect(plan).toEqual(deploy);
      expect(plan).not.toBe('ok');
      expect((plan as string[]).some((m) => m.startsWith(input))).toBe(true);
    },
  );

  it('keeps the config of a plan refused only for its plan, so it can still be drawn', () => {
    const r = validateInputs({ ...HAPROXY, command: 'plan', strategy: 'linear', 'linear-increment': '5' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.config?.strategy.strategy).toEqual({ kind: 'linear', increment: 5 });
    // a config that does not parse has nothing to draw
    const bad = validateInputs({ ...HAPROXY, command: 'plan', 'canary-steps': '10,5' });
    expect(!bad.ok && bad.config).toBeUndefined();
  });
});

describe('inputs as people write them', () => {
  it.each([
    ['strategy', 'canery', 'did you mean canary?'],
    ['strategy', 'bluegreen', 'did you mean blue-green?'],
    ['strategy', 'all_at_once', 'did you mean all-at-once?'],
    ['command', 'promte', 'did you mean promote?'],
    ['command', 'rollbakc', 'did you mean rollback?'],
    ['provider', 'haprxy', 'did you mean haproxy?'],
    ['compare-to-stable', 'ture', 'did you mean true?'],
  ])('%s: %s → %s', (input, value, hint) => {
    const errors = errorsOf(validateInputs({ ...HAPROXY, [input]: value }));
    expect(errors.find((e) => e.input === input)?.message).toContain(hint);
  });

  it.each([
    ['strategy', 'rolling'],
    ['command', 'ship'],
    ['provider', 'nginx'],
    ['compare-to-stable', 'yes'],
  ])('%s: %s is too far from any word to guess', (input, value) => {
    const errors = errorsOf(validateInputs({ ...HAPROXY, [input]: value }));
    expect(errors.find((e) => e.input === input)?.message).not.toContain('did you mean');
  });

  it('takes canary steps, a linear increment and hold-at with a % sign, like max-error-rate', () => {
    const c = configOf(validateInputs({ ...HAPROXY, 'canary-steps': '5%,25%, 50 %', 'hold-at': '25%' }));
    expect(c.strategy.strategy).toEqual({ kind: 'canary', steps: [5, 25, 50] });
    expect(c.holdAt).toBe(25);
    const l = configOf(validateInputs({ ...HAPROXY, strategy: 'linear', 'linear-increment': '20%' }));
    expect(l.strategy.strategy).toEqual({ kind: 'linear', increment: 20 });
    expect(errorsOf(validateInputs({ ...HAPROXY, 'canary-steps': '5%%,25' }))[0]?.input).toBe('canary-steps');
  });

  it.each([
    ['alb', { provider: 'alb', 'alb-listener-arn': LISTENER }, /targetgroup\/app-green\//],
    [
      'haproxy',
      { provider: 'haproxy', 'haproxy-socket': '/run/h.sock' },
      /like app\/green; .*\(app\/green\*\)$/,
    ],
  ])('a missing green-target with provider %s gets an example of its own kind', (_p, inputs, example) => {
    const errors = errorsOf(validateInputs(inputs));
    const green = errors.find((e) => e.input === 'green-target')?.message ?? '';
    expect(green).toMatch(example);
    expect(green).not.toContain('app/blue');
    const blue = errors.find((e) => e.input === 'blue-target')?.message ?? '';
    if (inputs.provider === 'alb') expect(blue).not.toMatch(/app\/blue\b/);
  });
});

describe('provider lambda', () => {
  it('reads the function, the alias, the version and the pre-traffic event', () => {
    const c = configOf(
      validateInputs({
        ...LAMBDA,
        'lambda-function': FN_ARN,
        'lambda-version': '8',
        'pre-traffic-payload': '{"path": "/health"}',
        'aws-region': 'us-east-1',
        strategy: 'LambdaCanary10Percent5Minutes',
      }),
    );
    expect(c.provider).toEqual({
      kind: 'lambda',
      functionName: FN_ARN,
      alias: 'live',
      version: '8',
      preTrafficPayload: '{"path": "/health"}',
    });
    expect(c.strategy.strategy).toEqual({ kind: 'canary', steps: [10] });
    expect(c.intervalMs).toBe(5 * 60_000);
  });

  it('publishes when no version is given: lambda-version stays unset', () => {
    expect(configOf(validateInputs(LAMBDA)).provider).toEqual({
      kind: 'lambda',
      functionName: 'checkout',
      alias: 'live',
    });
  });

  it('takes LambdaLinear10PercentEvery1Minute once min-requests is 0 (alarms, probes and checks judge)', () => {
    const c = configOf(
      validateInputs({ ...LAMBDA, strategy: 'LambdaLinear10PercentEvery1Minute', 'min-requests': '0' }),
    );
    expect(c.strategy.strategy).toEqual({ kind: 'linear', increment: 10 });
    expect(c.intervalMs).toBe(60_000);
  });

  it('an on-call rollback is never refused for the plan’s per-minute rule', () => {
    expect(
      validateInputs({ ...LAMBDA, command: 'rollback', strategy: 'LambdaLinear10PercentEvery1Minute' }).ok,
    ).toBe(true);
  });
});
