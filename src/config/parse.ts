// Inputs → one typed Config, or every problem found, each naming the input, its value and the accepted form.
import { checkCombinations } from './combinations.js';
import { MAX_ALARM_NAME, MAX_ALARMS } from './limits.js';
import type {
  BodyCheck,
  Command,
  Config,
  ConfigResult,
  HookName,
  ProbeTarget,
  StatusRange,
  Strategy,
  StrategyChoice,
} from './types.js';
import { GITHUB_TOKEN_DEFAULT, type InputName } from './inputs.js';
import { InputReader } from './reader.js';
import { DURATION_FORM, formatDuration, parseDuration } from './durations.js';
import {
  CANARY_STEPS_FORM,
  STRATEGY_FORM,
  STRATEGY_NAMES,
  intermediateWeights,
  parseCanarySteps,
  parseStrategyName,
} from './strategy.js';
import { parseProvider } from './provider.js';
import { BOOLEAN_FORM, parseDecimal, parseWholeNumber, parseYamlBoolean, splitNamesList } from './scalars.js';
import { HTTP_URL_FORM, URL_STAND_IN, WEBHOOK_URL_FORM, fillUrl, isHttpUrl, isWebhookUrl } from './urls.js';
import {
  PROBE_LINE_FORM,
  STATUS_FORM,
  parseBodyCheck,
  parseHeaders,
  parseProbeLine,
  parseStatusRanges,
} from './health.js';
import {
  CONFIDENCE_FORM,
  LATENCY_FORM,
  LATENCY_INCREASE_FORM,
  parseConfidence,
  parseLatencyIncrease,
  parseLatencyLimit,
} from './latency.js';
import { didYouMean } from './suggest.js';

const COMMANDS: readonly Command[] = ['deploy', 'promote', 'abort', 'rollback', 'status', 'plan', 'cleanup'];

const HOOK_INPUTS: Record<HookName, InputName> = {
  backup: 'backup-command',
  deploy: 'deploy-command',
  smoke: 'smoke-command',
  verify: 'verify-command',
  cleanup: 'cleanup-command',
  rollback: 'rollback-command',
};

/**
 * Keys are input names as in action.yml; a missing or blank key means the default.
 * Never stops at the first problem: a user fixing inputs wants the whole list in one run.
 */
export function parseInputs(raw: Record<string, string>): ConfigResult {
  const r = new InputReader(raw);
  const secrets = new Set<string>();

  const command = readCommand(r);
  const strategy = readStrategy(r);
  const provider = parseProvider(r);
  const timing = readTiming(r, strategy);
  // provider none has no weights to hold at: combinations.ts refuses hold-at there, saying so
  const holdAt = readHoldAt(r, strategy?.strategy, provider?.kind === 'none');
  const health = readHealth(r, secrets);
  const judging = readJudging(r);
  const run = readRunBounds(r);
  const reporting = readReporting(r, secrets);

  const failed = (): ConfigResult => ({ ok: false, errors: r.errors, secrets: [...secrets] });
  if (
    r.errors.length > 0 ||
    !command ||
    !strategy ||
    !provider ||
    !timing ||
    !health ||
    !judging ||
    !run ||
    !reporting
  )
    return failed();
  const config: Config = {
    command,
    strategy,
    holdAt,
    provider,
    ...timing,
    ...health,
    ...judging,
    ...run,
    ...reporting,
  };
  checkCombinations(config, r);
  if (r.errors.length > 0) return failed();
  return { ok: true, config, secrets: [...secrets] };
}

/** undefined when any of the group's required values failed to parse (its errors are already recorded) */
function complete<T extends object>(
  group: { [K in keyof T]: T[K] | undefined },
  optional: (keyof T)[] = [],
): T | undefined {
  for (const [k, v] of Object.entries(group))
    if (v === undefined && !optional.includes(k as keyof T)) return undefined;
  return group as T;
}

type Timing = Pick<Config, 'intervalMs' | 'probeIntervalMs' | 'probeTimeoutMs'>;

function readTiming(r: InputReader, strategy: StrategyChoice | undefined): Timing | undefined {
  const interval = readDuration(r, 'interval', 'positive');
  const probeInterval = readDuration(r, 'probe-interval', 'positive');
  const probeTimeout = readDuration(r, 'probe-timeout', 'positive');
  const intervalMs = strategy?.presetIntervalMs ?? interval;
  // probe-timeout may exceed probe-interval (probe often, tolerate a slow answer): a probe still in
  // flight when the next is due is not sent twice, the next evaluation waits for it
  if (probeInterval !== undefined && intervalMs !== undefined && intervalMs < probeInterval) {
    if (strategy?.presetIntervalMs !== undefined) {
      r.bad(
        'probe-interval',
        `is longer than the ${formatDuration(intervalMs)} each step of strategy ${strategy.name} is held, so no probe would run in a step; give a duration like 5s`,
      );
    } else {
      r.bad(
        'interval',
        `is shorter than probe-interval (${formatDuration(probeInterval)}), so no probe would run in a step; give a duration of at least ${formatDuration(probeInterval)}, like 5m, or lower probe-interval`,
      );
    }
  }
  return complete<Timing>({ intervalMs, probeIntervalMs: probeInterval, probeTimeoutMs: probeTimeout });
}

type Health = Pick<Config, 'healthUrls' | 'preTrafficUrls' | 'healthExpect' | 'healthBody' | 'healthHeaders'>;

function readHealth(r: InputReader, secrets: Set<string>): Health | undefined {
  const healthExpect = parseStatusRanges(r.get('health-expect'));
  if (!healthExpect) r.bad('health-expect', `must be ${STATUS_FORM}`);

  let healthBody: Config['healthBody'];
  let bodyOk = true;
  if (r.isSet('health-body')) {
    const body = parseBodyCheck(r.given('health-body'));
    if ('error' in body) {
      r.bad('health-body', body.error);
      bodyOk = false;
    } else healthBody = body.check;
  }

  const defaults = { expect: healthExpect ?? [], body: healthBody };
  // `{url}` and `{slot}` are filled in at run time: check each URL as it will be, with stand-ins
  // (`{slot}` only in pre-traffic-urls: health-urls reach the service, not one slot)
  const healthUrls = readProbeLines(r, 'health-urls', defaults, (u) => fillUrl(u, URL_STAND_IN));
  const preTrafficUrls = readProbeLines(r, 'pre-traffic-urls', defaults, asProbed);
  // a password in a URL is a secret like a header value: masked wherever the URL is shown
  for (const t of [...healthUrls, ...preTrafficUrls]) for (const s of urlCredentials(t.url)) secrets.add(s);

  const headers = parseHeaders(r.given('health-headers'));
  for (const s of headers.secrets) secrets.add(s);
  for (const problem of headers.problems) r.problem('health-headers', problem);
  return complete<Health>(
    {
      healthUrls,
      preTrafficUrls,
      healthExpect,
      healthBody: bodyOk ? healthBody : undefined,
      healthHeaders: headers.headers,
    },
    ['healthBody'],
  );
}

type Judging = Pick<
  Config,
  | 'failureThreshold'
  | 'maxErrorRate'
  | 'maxLatency'
  | 'compareToStable'
  | 'minRequests'
  | 'confidence'
  | 'maxErrorRateIncrease'
  | 'maxLatencyIncrease'
  | 'maxFailedRequests'
  | 'cloudwatchAlarms'
  | 'maxUnhealthyTargets'
  | 'checkCommand'
>;

function readJudging(r: InputReader): Judging | undefined {
  const failureThreshold = readWhole(r, 'failure-threshold', 1);
  const maxErrorRate = parseDecimal(r.get('max-error-rate'), true);
  if (maxErrorRate === undefined || maxErrorRate > 100) {
    r.bad('max-error-rate', 'must be a percent from 0 to 100, like 1, 0.5 or 2%');
  }
  let maxLatency: Config['maxLatency'];
  if (r.isSet('max-latency')) {
    maxLatency = parseLatencyLimit(r.given('max-latency'));
    if (!maxLatency) r.bad('max-latency', `must be ${LATENCY_FORM}`);
  }
  const confidence = parseConfidence(r.get('confidence'));
  if (confidence === undefined) r.bad('confidence', `must be ${CONFIDENCE_FORM}`);
  const increase = parseDecimal(r.get('max-error-rate-increase'), true);
  if (increase === undefined || increase > 100) {
    r.bad('max-error-rate-increase', 'must be percentage points from 0 to 100, like 0.5 or 2');
  }
  const latencyIncrease = parseLatencyIncrease(r.get('max-latency-increase'));
  if (!latencyIncrease) r.bad('max-latency-increase', `must be ${LATENCY_INCREASE_FORM}`);
  const maxFailedRequests = r.isSet('max-failed-requests')
    ? readWhole(r, 'max-failed-requests', 0)
    : undefined;
  return complete<Judging>(
    {
      failureThreshold,
      maxErrorRate: maxErrorRate !== undefined && maxErrorRate <= 100 ? maxErrorRate : undefined,
      maxLatency,
      compareToStable: readBoolean(r, 'compare-to-stable'),
      minRequests: readWhole(r, 'min-requests', 0),
      confidence,
      maxErrorRateIncrease: increase !== undefined && increase <= 100 ? increase : undefined,
      maxLatencyIncrease: latencyIncrease,
      maxFailedRequests,
      cloudwatchAlarms: readAlarms(r),
      maxUnhealthyTargets: readWhole(r, 'max-unhealthy-targets', 0),
      checkCommand: r.given('check-command') || undefined,
    },
    ['maxLatency', 'checkCommand', 'maxFailedRequests'],
  );
}

function readAlarms(r: InputReader): string[] {
  const names = splitNamesList(r.given('cloudwatch-alarms'));
  for (const name of names.filter((n) => n.length > MAX_ALARM_NAME)) {
    r.bad(
      'cloudwatch-alarms',
      `is longer than ${MAX_ALARM_NAME} characters; give alarm names separated by newlines or commas`,
      name,
    );
  }
  if (names.length > MAX_ALARMS) {
    r.bad(
      'cloudwatch-alarms',
      `names ${names.length} alarms; at most ${MAX_ALARMS} are read (one DescribeAlarms call per evaluation): combine them in a composite alarm`,
      `${names.length} names`,
    );
  }
  return names;
}

type RunBounds = Pick<
  Config,
  'hooks' | 'hookTimeoutMs' | 'keepPreviousMs' | 'drainTimeoutMs' | 'timeoutMs' | 'failOnRollback' | 'force'
>;

function readRunBounds(r: InputReader): RunBounds | undefined {
  const hooks: Config['hooks'] = {};
  for (const [hook, input] of Object.entries(HOOK_INPUTS) as [HookName, InputName][]) {
    if (r.isSet(input)) hooks[hook] = r.given(input);
  }
  return complete<RunBounds>({
    hooks,
    hookTimeoutMs: readDuration(r, 'hook-timeout', 'positive'),
    keepPreviousMs: readDuration(r, 'keep-previous', 'non-negative'),
    drainTimeoutMs: readDuration(r, 'drain-timeout', 'non-negative'),
    timeoutMs: readDuration(r, 'timeout', 'positive'),
    failOnRollback: readBoolean(r, 'fail-on-rollback'),
    force: readBoolean(r, 'force'),
  });
}

type Reporting = Pick<
  Config,
  'environment' | 'environmentUrl' | 'prComment' | 'notifyWebhook' | 'githubToken' | 'awsRegion'
>;

function readReporting(r: InputReader, secrets: Set<string>): Reporting | undefined {
  const environmentUrl = r.given('environment-url');
  if (environmentUrl && !isHttpUrl(asProbed(environmentUrl)))
    r.bad('environment-url', `must be ${HTTP_URL_FORM}, or one made from {url} like {url}app/`);
  const prComment = readBoolean(r, 'pr-comment');
  const notifyWebhook = r.given('notify-webhook');
  if (notifyWebhook) {
    secrets.add(notifyWebhook);
    if (!isWebhookUrl(notifyWebhook)) r.bad('notify-webhook', `must be ${WEBHOOK_URL_FORM}`);
  }
  // The runner substitutes the default; seeing it verbatim (a local run) means there is no token.
  const token = r.given('github-token');
  const githubToken = token && token !== GITHUB_TOKEN_DEFAULT ? token : undefined;
  if (githubToken) secrets.add(githubToken);
  const awsRegion = r.given('aws-region');
  if (awsRegion && !/^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$/.test(awsRegion)) {
    r.bad(
      'aws-region',
      'must be an AWS region name in lowercase letters, digits and hyphens, like us-east-1',
    );
  }
  return complete<Reporting>(
    {
      environment: r.given('environment') || undefined,
      environmentUrl: environmentUrl || undefined,
      prComment,
      notifyWebhook: notifyWebhook || undefined,
      githubToken,
      awsRegion: awsRegion || undefined,
    },
    ['environment', 'environmentUrl', 'notifyWebhook', 'githubToken', 'awsRegion'],
  );
}

function readCommand(r: InputReader): Command | undefined {
  const text = r.get('command');
  const command = COMMANDS.find((c) => c === text.toLowerCase());
  if (!command) r.bad('command', `must be one of ${COMMANDS.join(', ')}${didYouMean(text, COMMANDS)}`);
  return command;
}

function readStrategy(r: InputReader): StrategyChoice | undefined {
  const name = r.get('strategy');
  const parsed = parseStrategyName(name);
  if (!parsed) r.bad('strategy', `must be ${STRATEGY_FORM}${didYouMean(name, STRATEGY_NAMES)}`);

  // Checked whatever the strategy, so a typo is caught before someone switches strategy and trips on it.
  const steps = parseCanarySteps(r.get('canary-steps'));
  if (!steps) r.bad('canary-steps', `must be ${CANARY_STEPS_FORM}`);
  const increment = readWhole(r, 'linear-increment', 1, 99, 'percent');
  if (!parsed) return undefined;

  const percent = parsed.preset?.percent;
  let strategy: Strategy;
  switch (parsed.kind) {
    case 'canary':
      if (percent === undefined && !steps) return undefined;
      strategy = { kind: 'canary', steps: percent !== undefined ? [percent] : (steps ?? []) };
      break;
    case 'linear':
      if (percent === undefined && increment === undefined) return undefined;
      strategy = { kind: 'linear', increment: percent ?? increment ?? 0 };
      break;
    default:
      strategy = { kind: parsed.kind };
  }
  const presetIntervalMs = parsed.preset?.intervalMs;
  return { name, strategy, ...(presetIntervalMs !== undefined ? { presetIntervalMs } : {}) };
}

function readHoldAt(r: InputReader, strategy: Strategy | undefined, inPlace: boolean): number | undefined {
  if (!r.isSet('hold-at')) return undefined;
  const holdAt = readWhole(r, 'hold-at', 1, 99, 'percent');
  if (inPlace) return holdAt;
  if (holdAt === undefined || strategy === undefined) return undefined;
  const weights = intermediateWeights(strategy);
  if (weights.length === 0) {
    r.bad(
      'hold-at',
      `cannot be used with strategy ${r.get('strategy')}: it moves all traffic in one switch, with no weight to hold at; ` +
        'use strategy canary or linear, or remove hold-at',
    );
  } else if (!weights.includes(holdAt)) {
    r.bad(
      'hold-at',
      `is not a weight strategy ${r.get('strategy')} stops at; use one of ${weights.join(', ')}`,
    );
  }
  return holdAt;
}

function readDuration(
  r: InputReader,
  name: InputName,
  rule: 'positive' | 'non-negative',
): number | undefined {
  const text = r.get(name);
  const ms = parseDuration(text);
  if (ms === undefined) {
    r.bad(name, `must be ${DURATION_FORM}`);
    return undefined;
  }
  if (rule === 'positive' && ms === 0) {
    r.bad(name, `must be longer than 0: ${DURATION_FORM}`);
    return undefined;
  }
  return ms;
}

/** `unit: 'percent'` also takes a `%` after the number (`25%`), as max-error-rate does. */
function readWhole(
  r: InputReader,
  name: InputName,
  min: number,
  max?: number,
  unit?: 'percent',
): number | undefined {
  const text = r.get(name);
  const n = parseWholeNumber(unit === 'percent' ? text.replace(/\s*%$/, '') : text);
  if (n === undefined || n < min || (max !== undefined && n > max)) {
    const range = max !== undefined ? `from ${min} to ${max}` : `of ${min} or more`;
    r.bad(
      name,
      `must be a whole number ${range}, like ${max !== undefined ? Math.min(10, max) : Math.max(min, 2)}`,
    );
    return undefined;
  }
  return n;
}

function readBoolean(r: InputReader, name: InputName): boolean | undefined {
  const b = parseYamlBoolean(r.get(name));
  if (b === undefined) r.bad(name, `must be ${BOOLEAN_FORM}${didYouMean(r.get(name), ['true', 'false'])}`);
  return b;
}

/**
 * One probe per non-blank line: `URL [expect=CODES] [body=CHECK]` (config/health.ts), the line's own
 * expectations over the defaults. Every bad line is its own error, naming the input and the line.
 */
function readProbeLines(
  r: InputReader,
  name: InputName,
  defaults: { expect: StatusRange[]; body?: BodyCheck },
  probed: (url: string) => string,
): ProbeTarget[] {
  const out: ProbeTarget[] = [];
  r.given(name)
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const text = raw.trim();
      if (text === '') return;
      const where = `(line ${i + 1})`;
      // the URL first: a line that does not start with one is most likely a URL typed wrong
      if (!isHttpUrl(probed(text.split(/\s/)[0] ?? '')))
        return r.bad(name, `${where} must start with ${HTTP_URL_FORM}; a line is ${PROBE_LINE_FORM}`, text);
      const parsed = parseProbeLine(text);
      if ('error' in parsed) return r.bad(name, `${where} ${parsed.error}`, text);
      const { url, expect, body } = parsed.line;
      const own = body ?? defaults.body;
      out.push({ url, expect: expect ?? defaults.expect, ...(own ? { body: own } : {}), text });
    });
  return out;
}

/** A URL input as it will be probed: `{slot}` and `{url}` replaced by stand-ins of what fills them. */
function asProbed(text: string): string {
  return fillUrl(text.replaceAll('{slot}', 'blue'), URL_STAND_IN);
}

function urlCredentials(text: string): string[] {
  try {
    const u = new URL(asProbed(text));
    // the password only: a user name is often a common word, and masking it would garble every log line
    return u.password ? [decodeURIComponent(u.password)] : [];
  } catch {
    return [];
  }
}
