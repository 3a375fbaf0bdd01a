// ALB target health: wait until the new slot's targets are all healthy before any shift, and report
// unhealthy targets of the new slot as a `targets` signal during the shift.
import { formatElapsed } from '../config/durations.js';
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Slot } from '../config/types.js';
import type { Check, CheckContext } from '../ports/checks.js';
import type { Signal } from '../judge/types.js';
import type { Gate } from '../ports/checks.js';
import { withThrottleRetry, type RetryOptions } from '../traffic/aws-retry.js';

/** One target as read, reduced to what decisions need. */
export interface TargetView {
  id: string;
  state: string;
  reason?: string;
  description?: string;
}

export interface HealthSummary {
  /** targets that count: registered and not leaving (draining excluded) */
  total: number;
  healthy: number;
  /** state → count, for targets that count and are not healthy */
  notHealthy: Record<string, number>;
  /** leaving the group; deregistration delay keeps them listed for minutes */
  draining: number;
  /** `i-0abc:8080 unhealthy Target.ResponseCodeMismatch (Health checks failed with these codes: [502])` */
  reasons: string[];
  /** state → distinct reason codes, e.g. initial → [Elb.InitialHealthChecking] */
  stateReasons: Record<string, string[]>;
}

// `draining` and `unhealthy.draining` are targets being deregistered: they no longer take new
// requests from this group, so they neither count for nor against the new slot.
const LEAVING = new Set(['draining', 'unhealthy.draining']);

function view(d: TargetHealthDescription): TargetView {
  const id = `${d.Target?.Id ?? '?'}${d.Target?.Port !== undefined ? `:${d.Target.Port}` : ''}`;
  const v: TargetView = { id, state: d.TargetHealth?.State ?? 'unknown' };
  if (d.TargetHealth?.Reason) v.reason = d.TargetHealth.Reason;
  if (d.TargetHealth?.Description) v.description = d.TargetHealth.Description;
  return v;
}

export function summarize(targets: TargetView[], maxReasons = 5): HealthSummary {
  const s: HealthSummary = {
    total: 0,
    healthy: 0,
    notHealthy: {},
    draining: 0,
    reasons: [],
    stateReasons: {},
  };
  const lines: string[] = [];
  for (const t of targets) {
    if (LEAVING.has(t.state)) {
      s.draining++;
      continue;
    }
    s.total++;
    if (t.state === 'healthy') {
      s.healthy++;
      continue;
    }
    s.notHealthy[t.state] = (s.notHealthy[t.state] ?? 0) + 1;
    if (t.reason) {
      const codes = (s.stateReasons[t.state] ??= []);
      if (!codes.includes(t.reason)) codes.push(t.reason);
    }
    lines.push(
      `${t.id} ${t.state}${t.reason ? ` ${t.reason}` : ''}${t.description ? ` (${t.description})` : ''}`,
    );
  }
  s.reasons =
    lines.length > maxReasons
      ? [...lines.slice(0, maxReasons), `and ${lines.length - maxReasons} more`]
      : lines;
  return s;
}

export async function describeTargets(
  client: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
  retry: RetryOptions,
): Promise<TargetView[]> {
  const out = await withThrottleRetry(
    () => client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
    retry,
  );
  return (out.TargetHealthDescriptions ?? []).map(view);
}

/** `2/3 healthy (1 initial: Elb.InitialHealthChecking)` */
export function describeSummary(s: HealthSummary): string {
  if (s.total === 0) return `no targets registered${s.draining ? ` (${s.draining} draining)` : ''}`;
  const parts = Object.entries(s.notHealthy).map(([state, n]) => {
    const codes = s.stateReasons[state] ?? [];
    return `${n} ${state}${codes.length ? `: ${codes.join(', ')}` : ''}`;
  });
  const detail = parts.length ? ` (${parts.join('; ')})` : '';
  const draining = s.draining ? `, ${s.draining} draining` : '';
  return `${s.healthy}/${s.total} healthy${detail}${draining}`;
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  log: (line: string) => void;
  /** label for the lines, e.g. the slot name */
  label: string;
  retry?: Pick<RetryOptions, 'attempts' | 'baseMs' | 'maxMs' | 'random'>;
  signal?: AbortSignal;
}

/**
 * Poll DescribeTargetHealth until every registered target (draining ones aside) is healthy, with
 * one progress line per poll. Throws when the bound passes, naming the states and reasons.
 * No registered target is never "healthy": an empty group would take traffic and fail it all.
 */
export async function waitForHealthyTargets(
  client: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
  opts: WaitOptions,
): Promise<HealthSummary> {
  const start = opts.now();
  const retry: RetryOptions = { ...opts.retry, sleep: opts.sleep };
  for (;;) {
    opts.signal?.throwIfAborted();
    const s = summarize(await describeTargets(client, targetGroupArn, retry));
    const elapsed = opts.now() - start;
    opts.log(
      `${opts.label}: ${describeSummary(s)} · ${formatElapsed(elapsed)}/${formatElapsed(opts.timeoutMs)}`,
    );
    if (s.total > 0 && s.healthy === s.total) return s;
    if (elapsed + opts.intervalMs > opts.timeoutMs) {
      const why = s.reasons.length ? `: ${s.reasons.join('; ')}` : '';
      throw new Error(
        `target group of ${opts.label} not healthy after ${formatElapsed(elapsed)} (bound ${formatElapsed(opts.timeoutMs)}): ${describeSummary(s)}${why}`,
      );
    }
    await opts.sleep(opts.intervalMs);
  }
}

export interface TargetHealthCheckOptions {
  client: ElasticLoadBalancingV2Client;
  targetGroups: Record<Slot, string>;
  sleep?: (ms: number) => Promise<void>;
  retry?: Pick<RetryOptions, 'attempts' | 'baseMs' | 'maxMs' | 'random'>;
}

/** During the shift: one DescribeTargetHealth of the new slot's group per evaluation → a `targets` signal. */
export class TargetHealthCheck implements Check {
  readonly name = 'target-health';
  private readonly opts: TargetHealthCheckOptions;

  constructor(opts: TargetHealthCheckOptions) {
    this.opts = opts;
  }

  async collect(ctx: CheckContext): Promise<Signal[]> {
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const targets = await describeTargets(this.opts.client, this.opts.targetGroups[ctx.target], {
      ...this.opts.retry,
      sleep,
    });
    const s = summarize(targets);
    // `initial` is a target still being checked (e.g. scaled in mid-shift): not yet failing, so it
    // is listed in the reasons but not counted as unhealthy.
    const unhealthy = s.total - s.healthy - (s.notHealthy['initial'] ?? 0);
    const reasons = s.total === 0 ? [`no targets registered in the ${ctx.target} target group`] : s.reasons;
    return [
      {
        kind: 'targets',
        at: ctx.now,
        slot: ctx.target,
        total: s.total,
        // an empty group cannot serve its share: count that as one unhealthy target
        unhealthy: s.total === 0 ? 1 : unhealthy,
        reasons,
      },
    ];
  }
}

/**
 * The pre-traffic gate for the engine: the new slot's targets all healthy within `timeoutMs`.
 * Resolves with the reason nothing may move, or undefined.
 */
export function targetHealthGate(opts: {
  client: ElasticLoadBalancingV2Client;
  targetGroups: Record<Slot, string>;
  timeoutMs: number;
  intervalMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  log: (line: string) => void;
}): Gate {
  return {
    name: 'target-health',
    async run({ target, signal }) {
      try {
        await waitForHealthyTargets(opts.client, opts.targetGroups[target], {
          timeoutMs: opts.timeoutMs,
          intervalMs: opts.intervalMs,
          sleep: (ms) => opts.sleep(ms, signal),
          now: opts.now,
          log: opts.log,
          label: target,
          signal,
        });
        return undefined;
      } catch (e) {
        if (signal.aborted) throw e;
        return e instanceof Error ? e.message : String(e);
      }
    },
  };
}
