// The typed settings every other module reads; built only by src/config/parse.ts.

export type Slot = 'blue' | 'green';
export const otherSlot = (s: Slot): Slot => (s === 'blue' ? 'green' : 'blue');

export type Command = 'deploy' | 'promote' | 'abort' | 'rollback' | 'status' | 'plan' | 'cleanup';

/** How traffic moves to the new slot. Percent weights of the NEW slot. */
export type Strategy =
  | { kind: 'blue-green' }
  | { kind: 'canary'; steps: number[] }
  | { kind: 'linear'; increment: number }
  | { kind: 'all-at-once' };

export interface StrategyChoice {
  /** the value as typed in `strategy` */
  name: string;
  strategy: Strategy;
  /** a CodeDeploy preset carries its own hold time; it replaces `interval` */
  presetIntervalMs?: number;
}

export interface StatusRange {
  min: number;
  max: number;
}

export interface LatencyLimit {
  /** e.g. 99 for p99 */
  percentile: number;
  maxMs: number;
  /** as typed, e.g. `p99<2s` */
  text: string;
}

/** `max-latency-increase`: `20%` of the live slot's latency, or `25ms` above it. */
export type LatencyIncrease =
  { kind: 'percent'; value: number; text: string } | { kind: 'ms'; value: number; text: string };

export type BodyCheck =
  | { kind: 'contains'; text: string }
  /** `$.a.b == "x"` / `!=`; value parsed as JSON */
  | { kind: 'json'; path: string[]; op: '==' | '!='; value: unknown; text: string };

/**
 * One line of `health-urls` or `pre-traffic-urls`: the URL to probe and what a healthy answer is.
 * A line may carry its own `expect=` and `body=`; `health-expect` and `health-body` fill in the rest.
 */
export interface ProbeTarget {
  /** may hold `{slot}` (pre-traffic-urls) and `{url}` (the URL a hook handed back) */
  url: string;
  expect: StatusRange[];
  body?: BodyCheck;
  /** the line as typed, for the plan and the log */
  text: string;
}

/** One HAProxy server, resolved: a server of a slot as the runtime API names it. */
export interface HaproxyServerRef {
  backend: string;
  server: string;
}

/**
 * A slot's servers in one HAProxy backend, as listed in blue-target / green-target: server names,
 * or name patterns where `*` stands for any run of characters and `?` for one (`blue*`). Patterns
 * are matched against the servers each HAProxy instance has, every time it is read.
 */
export interface HaproxySlot {
  backend: string;
  servers: string[];
}

export type SocketAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** `/run/haproxy.sock` or `127.0.0.1:9999`, as a person would type it in `haproxy-socket`. */
export function formatSocketAddress(address: SocketAddress): string {
  return address.kind === 'unix' ? address.path : `${address.host}:${address.port}`;
}

/** `*` and `?` make a server name a pattern. */
export const isServerPattern = (name: string): boolean => /[*?]/.test(name);

/** A server-name pattern as a RegExp over the whole name: `*` any run of characters, `?` one. */
export function serverPattern(name: string): RegExp {
  const body = name.replace(/[.*?+^${}()|[\]\\-]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${body}$`);
}

/** `web/blue1, web/blue2` or `web/blue*`: how a slot's list reads in messages. */
export const slotText = (s: HaproxySlot): string => s.servers.map((n) => `${s.backend}/${n}`).join(', ');

export type ProviderConfig =
  | {
      kind: 'haproxy';
      /** one or more runtime APIs moved as one deploy, in the order given (locks are taken in it) */
      sockets: SocketAddress[];
      blue: HaproxySlot;
      green: HaproxySlot;
    }
  | {
      kind: 'alb';
      listenerArn?: string;
      ruleArn?: string;
      blueTargetGroupArn: string;
      greenTargetGroupArn: string;
    }
  | {
      kind: 'command';
      trafficCommand: string;
      statusCommand?: string;
    }
  | {
      /** a weighted alias: the slots are the alias's live version and the new one */
      kind: 'lambda';
      /** as typed: a name or an unqualified function ARN */
      functionName: string;
      alias: string;
      /** the published version to shift to; none: publish $LATEST after deploy-command */
      version?: string;
      /** JSON event invoked on the new version before any traffic moves */
      preTrafficPayload?: string;
    }
  /** no traffic split: previews, and platforms that replace the running version themselves */
  | { kind: 'none' };

export type HookName = 'backup' | 'deploy' | 'smoke' | 'verify' | 'cleanup' | 'rollback';

export interface Config {
  command: Command;
  strategy: StrategyChoice;
  /** hold time of each step (already the preset's when a preset was given) */
  intervalMs: number;
  /** new-slot weight to stop at with result=held */
  holdAt?: number;
  provider: ProviderConfig;

  healthUrls: ProbeTarget[];
  /** URLs may contain `{slot}` */
  preTrafficUrls: ProbeTarget[];
  healthExpect: StatusRange[];
  healthBody?: BodyCheck;
  /** header name → value; values are secrets */
  healthHeaders: Record<string, string>;
  probeIntervalMs: number;
  probeTimeoutMs: number;

  failureThreshold: number;
  /** percent, 0..100 */
  maxErrorRate: number;
  maxLatency?: LatencyLimit;
  compareToStable: boolean;
  minRequests: number;
  /** 0.99 for `99%`: a healthy version is rolled back by the statistical tests with probability ≤ 1 − confidence */
  confidence: number;
  /** percentage points */
  maxErrorRateIncrease: number;
  maxLatencyIncrease: LatencyIncrease;
  /** blast-radius budget on the new slot's failed requests during the deploy */
  maxFailedRequests?: number;
  cloudwatchAlarms: string[];
  maxUnhealthyTargets: number;
  checkCommand?: string;

  hooks: Partial<Record<HookName, string>>;
  hookTimeoutMs: number;
  keepPreviousMs: number;
  /** after a promotion, how long cleanup-command waits for the previous slot's open sessions to end */
  drainTimeoutMs: number;
  timeoutMs: number;
  failOnRollback: boolean;
  /** rollback may lift Glidepath's own rejected mark (other commands ignore it, with a warning) */
  force: boolean;

  environment?: string;
  environmentUrl?: string;
  prComment: boolean;
  notifyWebhook?: string;
  githubToken?: string;
  awsRegion?: string;
}

/** One problem with the inputs; `value` is already masked when the input is a secret. */
export interface ConfigError {
  input: string;
  value: string;
  message: string;
}

export type ConfigResult =
  | { ok: true; config: Config; secrets: string[] }
  /** `config` is there when the inputs parse but a rule over the plan refuses them (plan/feasibility.ts) */
  | { ok: false; errors: ConfigError[]; secrets: string[]; config?: Config };
