// TrafficRouter for an Application Load Balancer: the weighted forward of a listener's default action or of a rule.
//
// The ELBv2 Modify calls REPLACE the whole action list, so every write sends back the actions exactly
// as just read, with only the two slot weights of the forward changed. Weights are read back after
// every write and compared. A tag on the listener/rule is the run lock, other tags record the live slot.
import {
  AddTagsCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  RemoveTagsCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
  type TargetGroupTuple,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ProviderConfig, Slot } from '../config/types.js';
import type {
  LockHolder,
  Rejection,
  RejectionNote,
  RouterState,
  SlotState,
  TrafficRouter,
  Weights,
} from '../ports/traffic.js';
import { describeTargets, summarize } from '../checks/target-health.js';
import { escapeNote, noteFields, noteFrom, unescapeNote } from './mark-note.js';
import {
  createPacer,
  ELBV2_MUTATING_GAP_MS,
  awsErrorHint,
  withThrottleRetry,
  type Pacer,
  type RetryOptions,
} from './aws-retry.js';
import { loadBalancerDimension, shortName, targetGroupDimension } from './alb-arn.js';
import { releaseTagLock, tagLockHolder, tagSafe, takeTagLock, type TagLockOptions } from './tag-lock.js';

export type AlbProvider = Extract<ProviderConfig, { kind: 'alb' }>;

export const TAG_LOCK = 'glidepath:lock';
export const TAG_LIVE = 'glidepath:live';
export const TAG_PREVIOUS = 'glidepath:previous';
export const TAG_RUN = 'glidepath:run';
export const TAG_REJECTED = 'glidepath:rejected';
/** the note kept with the rejected mark: which run, when, why */
export const TAG_REJECTED_RUN = 'glidepath:rejected-run';
export const TAG_REJECTED_AT = 'glidepath:rejected-at';
export const TAG_REJECTED_REASON = 'glidepath:rejected-reason';
const REJECTED_TAGS = [TAG_REJECTED, TAG_REJECTED_RUN, TAG_REJECTED_AT, TAG_REJECTED_REASON];
/**
 * The forward's target-group stickiness duration (seconds) Glidepath turned off to move pinned
 * clients off a slot after a restore; the next deploy turns it back on with it.
 */
export const TAG_STICKINESS = 'glidepath:stickiness-off';
/** What an ELBv2 tag value accepts besides `=` (the note's escape character). */
const TAG_SAFE = /[\p{L}\p{Z}\p{N}_.:/+\-@]/u;
export const TAG_TARGET = 'glidepath:target';

/** ALB's weight scale: each target group 0..999 (API limit). */
export const ALB_MAX_WEIGHT = 999;

export interface AlbRouterOptions {
  client: ElasticLoadBalancingV2Client;
  provider: AlbProvider;
  /** epoch ms; for lock expiry (default Date.now) */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** our backoff on throttling, beyond the SDK's own retries */
  retry?: Pick<RetryOptions, 'attempts' | 'baseMs' | 'maxMs' | 'random'>;
  /** gap between mutating calls (default 334 ms) */
  mutatingGapMs?: number;
  /** progress and retry lines */
  log?: (line: string) => void;
  /** every warning is also kept in `warnings` */
  onWarning?: (message: string) => void;
}

/** Raw ALB weights of the two slots. */
export interface AlbWeights {
  blue: number;
  green: number;
}

interface ForwardView {
  index: number;
  raw: AlbWeights;
  /** target groups in the forward that are neither slot */
  others: { arn: string; weight: number }[];
  stickiness?: { enabled: boolean; durationSeconds?: number };
}

/**
 * Percent → ALB weight. Percent × 10 keeps one decimal (0.5% canaries) exact and makes the usual
 * integer splits exact ratios (5/95 → 50/950). 100% would be 1000, above the API's per-group maximum
 * of 999; at a 100/0 split any non-zero value means 100%, so it becomes 999 and 0.
 */
export function toAlbWeights(w: Weights): AlbWeights {
  for (const slot of ['blue', 'green'] as const) {
    const v = w[slot];
    if (!Number.isFinite(v) || v < 0 || v > 100) {
      throw new Error(`ALB: weight of ${slot} is ${v}; accepted: a percent from 0 to 100`);
    }
  }
  if (w.blue + w.green <= 0) {
    throw new Error(
      'ALB: refusing to write a total weight of 0 (blue 0, green 0); ALB behaviour with all weights 0 is undocumented',
    );
  }
  if (Math.abs(w.blue + w.green - 100) > 0.05) {
    throw new Error(
      `ALB: weights must add up to 100 percent, got blue ${w.blue} + green ${w.green} = ${w.blue + w.green}`,
    );
  }
  if (w.green === 0) return { blue: ALB_MAX_WEIGHT, green: 0 };
  if (w.blue === 0) return { blue: 0, green: ALB_MAX_WEIGHT };
  const clamp = (x: number) => Math.min(ALB_MAX_WEIGHT, Math.max(0, Math.round(x * 10)));
  const raw = { blue: clamp(w.blue), green: clamp(w.green) };
  // 0.01% rounds to 0 on this scale: keep the side that was asked to carry traffic alive
  if (raw.blue === 0) raw.blue = 1;
  if (raw.green === 0) raw.green = 1;
  return raw;
}

/** ALB weights → percent of their sum, rounded to 0.1 (our write resolution). */
export function toPercent(raw: AlbWeights): Weights {
  const total = raw.blue + raw.green;
  if (total <= 0) return { blue: 0, green: 0 };
  const blue = Math.round((raw.blue / total) * 1000) / 10;
  return { blue, green: Math.round((100 - blue) * 10) / 10 };
}

/** An escaped text cut to a tag value's 256 characters without splitting an `=XX` escape. */
function fitTag(text: string): string {
  if (text.length <= 256) return text;
  const cut = text.slice(0, 256);
  return cut.replace(/=[0-9A-F]?$/, '');
}

/** 3600 → `1h`, 90 → `90s` */
function human(d: number): string {
  return d >= 3600 && d % 3600 === 0 ? `${d / 3600}h` : d >= 60 && d % 60 === 0 ? `${d / 60}m` : `${d}s`;
}

function sameArn(a: string | undefined, b: string): boolean {
  return a !== undefined && a.trim() === b.trim();
}

export class AlbRouter implements TrafficRouter {
  readonly description: string;
  readonly warnings: string[] = [];
  /** `app/<name>/<id>`, for CloudWatch dimensions */
  readonly loadBalancer: string;
  /** set after the first read: the forward's stickiness as found */
  stickiness?: { enabled: boolean; durationSeconds?: number };

  private readonly client: ElasticLoadBalancingV2Client;
  private readonly where: { kind: 'rule' | 'listener'; arn: string };
  private readonly blueArn: string;
  private readonly greenArn: string;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly retry: AlbRouterOptions['retry'];
  private readonly pacer: Pacer;
  private readonly log: (line: string) => void;
  private readonly onWarning?: (message: string) => void;
  private stickinessWarned = false;

  constructor(opts: AlbRouterOptions) {
    const p = opts.provider;
    const arn = p.ruleArn ?? p.listenerArn;
    if (!arn) throw new Error('ALB: set alb-listener-arn or alb-rule-arn (where the weighted forward lives)');
    this.where = p.ruleArn ? { kind: 'rule', arn: p.ruleArn } : { kind: 'listener', arn };
    this.loadBalancer = loadBalancerDimension(arn);
    targetGroupDimension(p.blueTargetGroupArn);
    targetGroupDimension(p.greenTargetGroupArn);
    if (sameArn(p.blueTargetGroupArn, p.greenTargetGroupArn)) {
      throw new Error(
        `ALB: blue-target and green-target are the same target group (${p.blueTargetGroupArn}); they must differ`,
      );
    }
    this.client = opts.client;
    this.blueArn = p.blueTargetGroupArn;
    this.greenArn = p.greenTargetGroupArn;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.retry = opts.retry;
    this.pacer = createPacer({
      minGapMs: opts.mutatingGapMs ?? ELBV2_MUTATING_GAP_MS,
      now: this.now,
      sleep: this.sleep,
    });
    this.log = opts.log ?? (() => undefined);
    this.onWarning = opts.onWarning;
    this.description = `ALB ${this.where.kind} ${this.loadBalancer} (blue: ${shortName(this.blueArn)}, green: ${shortName(this.greenArn)})`;
  }

  /** The summary line about stickiness, when the forward has it on. */
  get stickinessWarning(): string | undefined {
    const s = this.stickiness;
    if (!s?.enabled) return undefined;
    const h = human(s.durationSeconds ?? 0);
    return (
      `Target group stickiness is on (${h}): clients already stuck to a slot keep reaching it for up to ${h} ` +
      'after a weight change; after a rollback or an abort Glidepath turns it off so they move, and the next deploy turns it back on.'
    );
  }

  async read(): Promise<RouterState> {
    const actions = await this.describeActions();
    const fwd = this.findForward(actions);
    return this.state(fwd);
  }

  async set(weights: Weights): Promise<RouterState> {
    const raw = toAlbWeights(weights);
    // Read right before writing so the actions we send back are the current ones.
    const actions = await this.describeActions();
    const fwd = this.findForward(actions);
    if (fwd.others.some((o) => o.weight > 0)) {
      const list = fwd.others.map((o) => `${shortName(o.arn)} (weight ${o.weight})`).join(', ');
      throw new Error(
        `ALB: the forward also sends traffic to ${list}; Glidepath only manages blue and green. Set the other target groups' weight to 0 or remove them.`,
      );
    }
    const next = actions.map((a, i) => (i === fwd.index ? this.rewriteForward(a, raw) : keepAsRead(a)));
    // One call changes both weights atomically, so "raise the gaining slot first" holds trivially.
    await this.writeActions(next);
    const back = this.findForward(await this.describeActions());
    if (back.raw.blue !== raw.blue || back.raw.green !== raw.green) {
      throw new Error(
        `ALB: read-back mismatch on the ${this.where.kind} ${this.where.arn}: wrote blue ${raw.blue}, green ${raw.green}; ` +
          `read blue ${back.raw.blue}, green ${back.raw.green} (0..999 scale)`,
      );
    }
    return this.state(back);
  }

  async lock(runId: string, ttlMs: number): Promise<void> {
    await takeTagLock(this.lockOptions(), runId, ttlMs);
  }

  async unlock(runId: string): Promise<void> {
    await releaseTagLock(this.lockOptions(), runId);
  }

  async lockClearCommand(): Promise<string> {
    return this.lockOptions().clear;
  }

  private lockOptions(): TagLockOptions {
    const arns = [this.where.arn];
    const region = this.where.arn.split(':')[3];
    return {
      key: TAG_LOCK,
      system: 'ALB',
      thing: `the ${this.where.kind} ${this.where.arn}`,
      clear: `aws elbv2 remove-tags${region ? ` --region ${region}` : ''} --resource-arns ${this.where.arn} --tag-keys ${TAG_LOCK}`,
      now: this.now,
      warn: (m) => this.warn(m),
      store: {
        read: () => this.tags(),
        write: async (tags) => {
          const Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
          await this.mutate('AddTags', () =>
            this.client.send(new AddTagsCommand({ ResourceArns: arns, Tags })),
          );
        },
        remove: async (TagKeys) => {
          await this.mutate('RemoveTags', () =>
            this.client.send(new RemoveTagsCommand({ ResourceArns: arns, TagKeys })),
          );
        },
      },
    };
  }

  async record(entry: { live: Slot; previous: Slot; runUrl?: string }): Promise<void> {
    const tags: { Key: string; Value: string }[] = [
      { Key: TAG_LIVE, Value: entry.live },
      { Key: TAG_PREVIOUS, Value: entry.previous },
    ];
    if (entry.runUrl) tags.push({ Key: TAG_RUN, Value: tagSafe(entry.runUrl) });
    await this.mutate('AddTags', () =>
      this.client.send(new AddTagsCommand({ ResourceArns: [this.where.arn], Tags: tags })),
    );
  }

  /**
   * The slot holding a version that was rolled back or aborted: a manual rollback must not go there.
   * The note goes in tags beside the mark, in one call (a tag value takes 256 characters); clients
   * stuck to the slot by target-group stickiness are moved off it (moveClientsOff).
   */
  async reject(slot: Slot, note?: RejectionNote): Promise<void> {
    await this.tagRejected(slot, note);
    await this.moveClientsOff(slot);
  }

  /** An on-call rollback left `slot`: only the clients stuck to it need moving (no mark on its version). */
  async evacuate(slot: Slot): Promise<void> {
    await this.moveClientsOff(slot);
  }

  /**
   * With target-group stickiness on in the weighted forward, a client keeps reaching the group its
   * cookie names after the weights moved, for up to the stickiness duration: the same pinning as
   * HAProxy's cookie. After a restore the forward is rewritten with stickiness off (weights as they
   * are), so every client follows the weights now; its duration is kept in a tag, and the next
   * deploy turns it back on before its first shift (prepare).
   */
  private async moveClientsOff(slot: Slot): Promise<void> {
    const actions = await this.describeActions();
    const fwd = this.findForward(actions);
    if (!fwd.stickiness?.enabled) return;
    const duration = fwd.stickiness.durationSeconds ?? 0;
    // the tag first: a later deploy must know to turn it back on even if the write below fails
    await this.mutate('AddTags', () =>
      this.client.send(
        new AddTagsCommand({
          ResourceArns: [this.where.arn],
          Tags: [{ Key: TAG_STICKINESS, Value: String(duration) }],
        }),
      ),
    );
    await this.writeStickiness(actions, fwd, { Enabled: false });
    this.warn(
      `target-group stickiness was on (${human(duration)}) in the weighted forward: clients stuck to ${slot} would keep ` +
        `reaching it after the restore for up to ${human(duration)}, so Glidepath turned it off on the ${this.where.kind}; ` +
        `the next deploy turns it back on (${human(duration)}) before its first shift (tag ${TAG_STICKINESS})`,
    );
  }

  /** The forward as read, with only its stickiness changed; read back to check it took. */
  private async writeStickiness(
    actions: Action[],
    fwd: ForwardView,
    config: { Enabled: boolean; DurationSeconds?: number },
  ): Promise<void> {
    const next = actions.map((a, i) => {
      if (i !== fwd.index) return keepAsRead(a);
      const copy = structuredClone(a);
      const tuples = this.tuples(copy);
      const { TargetGroupArn: _single, ...rest } = copy;
      return {
        ...rest,
        ForwardConfig: { ...rest.ForwardConfig, TargetGroups: tuples, TargetGroupStickinessConfig: config },
      };
    });
    await this.writeActions(next);
    const back = this.findForward(await this.describeActions());
    if ((back.stickiness?.enabled ?? false) !== config.Enabled) {
      throw new Error(
        `ALB: read-back mismatch on the ${this.where.kind} ${this.where.arn}: wrote target-group stickiness ${config.Enabled ? 'on' : 'off'}, read it ${back.stickiness?.enabled ? 'on' : 'off'}`,
      );
    }
    this.stickiness = back.stickiness;
  }

  private async tagRejected(slot: Slot, note?: RejectionNote): Promise<void> {
    const tags: { Key: string; Value: string }[] = [{ Key: TAG_REJECTED, Value: slot }];
    if (note) {
      const f = noteFields(note);
      tags.push(
        { Key: TAG_REJECTED_RUN, Value: escapeNote(f.run, TAG_SAFE).slice(0, 256) },
        { Key: TAG_REJECTED_AT, Value: f.at },
        { Key: TAG_REJECTED_REASON, Value: fitTag(escapeNote(f.reason, TAG_SAFE)) },
      );
    }
    await this.mutate('AddTags', () =>
      this.client.send(new AddTagsCommand({ ResourceArns: [this.where.arn], Tags: tags })),
    );
  }

  async rejected(): Promise<Rejection | undefined> {
    const t = await this.tags();
    const v = t[TAG_REJECTED];
    if (v !== 'blue' && v !== 'green') return undefined;
    const note = noteFrom({
      run: unescapeNote(t[TAG_REJECTED_RUN] ?? ''),
      at: t[TAG_REJECTED_AT],
      reason: unescapeNote(t[TAG_REJECTED_REASON] ?? ''),
    });
    return note ? { slot: v, note } : { slot: v };
  }

  /** A forced rollback: the mark is only tags, so lifting it is removing them (target health is a gate). */
  async lift(slot: Slot): Promise<void> {
    if ((await this.rejected())?.slot !== slot)
      throw new Error(
        `ALB: no ${TAG_REJECTED} tag names ${slot} on the ${this.where.kind} ${this.where.arn}`,
      );
    await this.removeRejected();
  }

  /**
   * A new version is going to the slot: it no longer holds the rejected one; and stickiness a
   * restore turned off is turned back on, as it was, before any traffic moves.
   */
  async prepare(slot: Slot): Promise<void> {
    const tags = await this.tags();
    if (tags[TAG_REJECTED] === slot) await this.removeRejected();
    const off = tags[TAG_STICKINESS];
    if (off === undefined) return;
    const duration = Number(off);
    const actions = await this.describeActions();
    const fwd = this.findForward(actions);
    if (!fwd.stickiness?.enabled && Number.isInteger(duration) && duration > 0) {
      await this.writeStickiness(actions, fwd, { Enabled: true, DurationSeconds: duration });
      this.log(`target-group stickiness back on (${human(duration)}), as it was before the last restore`);
    }
    await this.mutate('RemoveTags', () =>
      this.client.send(new RemoveTagsCommand({ ResourceArns: [this.where.arn], TagKeys: [TAG_STICKINESS] })),
    );
  }

  private async removeRejected(): Promise<void> {
    await this.mutate('RemoveTags', () =>
      this.client.send(new RemoveTagsCommand({ ResourceArns: [this.where.arn], TagKeys: REJECTED_TAGS })),
    );
  }

  /** For status: each target group's health, like `2/3 healthy (1 unhealthy: Target.Timeout)`. */
  async slotStates(): Promise<Partial<Record<Slot, SlotState>>> {
    const out: Partial<Record<Slot, SlotState>> = {};
    for (const [slot, arn] of [
      ['blue', this.blueArn],
      ['green', this.greenArn],
    ] as const) {
      const summary = summarize(
        await describeTargets(this.client, arn, this.retryOptions('DescribeTargetHealth')),
      );
      const head = summary.total === 0 ? 'no targets' : `${summary.healthy}/${summary.total} healthy`;
      const rest = [
        ...Object.entries(summary.notHealthy).map(([state, n]) => {
          const codes = summary.stateReasons[state] ?? [];
          return `${n} ${state}${codes.length ? `: ${codes.join(', ')}` : ''}`;
        }),
        ...(summary.draining ? [`${summary.draining} draining`] : []),
      ].join('; ');
      out[slot] = { state: head, detail: `${shortName(arn)}${rest ? `, ${rest}` : ''}` };
    }
    return out;
  }

  async lockHolder(): Promise<LockHolder | undefined> {
    return tagLockHolder(this.lockOptions(), (await this.tags())[TAG_LOCK]);
  }

  /** The deploy's target slot, so a later promote/abort job tells the new slot from the old one. */
  async markTarget(slot: Slot | undefined): Promise<void> {
    const arns = [this.where.arn];
    if (slot) {
      await this.mutate('AddTags', () =>
        this.client.send(
          new AddTagsCommand({ ResourceArns: arns, Tags: [{ Key: TAG_TARGET, Value: slot }] }),
        ),
      );
    } else {
      await this.mutate('RemoveTags', () =>
        this.client.send(new RemoveTagsCommand({ ResourceArns: arns, TagKeys: [TAG_TARGET] })),
      );
    }
  }

  async markedTarget(): Promise<Slot | undefined> {
    const v = (await this.tags())[TAG_TARGET];
    return v === 'blue' || v === 'green' ? v : undefined;
  }

  /** What `record` left behind, for `status` and a later `rollback`. */
  async readRecord(): Promise<{ live?: Slot; previous?: Slot; runUrl?: string }> {
    const t = await this.tags();
    const slot = (v: string | undefined): Slot | undefined => (v === 'blue' || v === 'green' ? v : undefined);
    return { live: slot(t[TAG_LIVE]), previous: slot(t[TAG_PREVIOUS]), runUrl: t[TAG_RUN] };
  }

  // ---- internals

  private state(fwd: ForwardView): RouterState {
    this.noteStickiness(fwd);
    const others = fwd.others.map((o) => `, ${shortName(o.arn)} ${o.weight}`).join('');
    return {
      weights: toPercent(fwd.raw),
      detail: `${shortName(this.blueArn)} ${fwd.raw.blue}, ${shortName(this.greenArn)} ${fwd.raw.green}${others} (ALB weights 0..999)`,
    };
  }

  private noteStickiness(fwd: ForwardView): void {
    this.stickiness = fwd.stickiness;
    const text = this.stickinessWarning;
    if (text && !this.stickinessWarned) {
      this.stickinessWarned = true;
      this.warn(text);
    }
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.onWarning?.(message);
  }

  private retryOptions(name: string): RetryOptions {
    return {
      ...this.retry,
      sleep: this.sleep,
      onRetry: ({ attempt, attempts, delayMs }) =>
        this.log(
          `ALB ${name} throttled, retry ${attempt}/${attempts - 1} in ${(delayMs / 1000).toFixed(1)}s`,
        ),
    };
  }

  private async call<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withThrottleRetry(fn, this.retryOptions(name));
    } catch (error) {
      const msg = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new Error(`ALB ${name} on ${this.where.arn} failed: ${msg}${awsErrorHint(error)}`, {
        cause: error,
      });
    }
  }

  /** Mutating calls share the account's 3/s refill: each attempt (retries included) is paced. */
  private mutate<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.call(name, () => this.pacer.run(fn));
  }

  private async tags(): Promise<Record<string, string>> {
    const out = await this.call('DescribeTags', () =>
      this.client.send(new DescribeTagsCommand({ ResourceArns: [this.where.arn] })),
    );
    const desc =
      out.TagDescriptions?.find((d) => sameArn(d.ResourceArn, this.where.arn)) ?? out.TagDescriptions?.[0];
    const tags: Record<string, string> = {};
    for (const t of desc?.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
    return tags;
  }

  /** Writes the rule's actions (or the listener's default actions) in one call. */
  private async writeActions(next: Action[]): Promise<void> {
    if (this.where.kind === 'rule') {
      await this.mutate('ModifyRule', () =>
        this.client.send(new ModifyRuleCommand({ RuleArn: this.where.arn, Actions: next })),
      );
    } else {
      await this.mutate('ModifyListener', () =>
        this.client.send(new ModifyListenerCommand({ ListenerArn: this.where.arn, DefaultActions: next })),
      );
    }
  }

  private async describeActions(): Promise<Action[]> {
    if (this.where.kind === 'rule') {
      const out = await this.call('DescribeRules', () =>
        this.client.send(new DescribeRulesCommand({ RuleArns: [this.where.arn] })),
      );
      const rule = out.Rules?.[0];
      if (!rule) throw new Error(`ALB: rule ${this.where.arn} not found`);
      return rule.Actions ?? [];
    }
    const out = await this.call('DescribeListeners', () =>
      this.client.send(new DescribeListenersCommand({ ListenerArns: [this.where.arn] })),
    );
    const listener = out.Listeners?.[0];
    if (!listener) throw new Error(`ALB: listener ${this.where.arn} not found`);
    return listener.DefaultActions ?? [];
  }

  private tuples(a: Action): TargetGroupTuple[] {
    const list = a.ForwardConfig?.TargetGroups;
    if (list && list.length > 0) return list;
    // a plain forward: that one target group takes everything
    return a.TargetGroupArn ? [{ TargetGroupArn: a.TargetGroupArn, Weight: 1 }] : [];
  }

  private findForward(actions: Action[]): ForwardView {
    const where = `${this.where.kind} ${this.where.arn}`;
    const forwards = actions.map((a, index) => ({ a, index })).filter(({ a }) => a.Type === 'forward');
    if (forwards.length === 0) {
      const types = actions.map((a) => a.Type).join(', ') || 'none';
      throw new Error(
        `ALB: the ${where} has no forward action (actions: ${types}); point Glidepath at the listener or rule that forwards to blue and green`,
      );
    }
    const mine = forwards.find(({ a }) =>
      this.tuples(a).some(
        (t) => sameArn(t.TargetGroupArn, this.blueArn) || sameArn(t.TargetGroupArn, this.greenArn),
      ),
    );
    if (!mine) {
      const found = forwards
        .flatMap(({ a }) => this.tuples(a).map((t) => shortName(t.TargetGroupArn ?? '?')))
        .join(', ');
      throw new Error(
        `ALB: the forward on the ${where} goes to ${found}, neither blue-target (${shortName(this.blueArn)}) nor green-target (${shortName(this.greenArn)})`,
      );
    }
    const raw: AlbWeights = { blue: 0, green: 0 };
    const others: ForwardView['others'] = [];
    for (const t of this.tuples(mine.a)) {
      const weight = t.Weight ?? 1;
      if (sameArn(t.TargetGroupArn, this.blueArn)) raw.blue = weight;
      else if (sameArn(t.TargetGroupArn, this.greenArn)) raw.green = weight;
      else others.push({ arn: t.TargetGroupArn ?? '?', weight });
    }
    const sc = mine.a.ForwardConfig?.TargetGroupStickinessConfig;
    const view: ForwardView = { index: mine.index, raw, others };
    if (sc)
      view.stickiness = {
        enabled: sc.Enabled === true,
        ...(sc.DurationSeconds !== undefined ? { durationSeconds: sc.DurationSeconds } : {}),
      };
    return view;
  }

  /** The forward with only the two slot weights changed; Order, stickiness and other groups kept. */
  private rewriteForward(a: Action, raw: AlbWeights): Action {
    const tuples = this.tuples(a).map((t) => {
      if (sameArn(t.TargetGroupArn, this.blueArn)) return { ...t, Weight: raw.blue };
      if (sameArn(t.TargetGroupArn, this.greenArn)) return { ...t, Weight: raw.green };
      return { ...t };
    });
    // a slot missing from the forward is added, so both groups stay attached (and health-checked) even at 0
    if (!tuples.some((t) => sameArn(t.TargetGroupArn, this.blueArn)))
      tuples.push({ TargetGroupArn: this.blueArn, Weight: raw.blue });
    if (!tuples.some((t) => sameArn(t.TargetGroupArn, this.greenArn)))
      tuples.push({ TargetGroupArn: this.greenArn, Weight: raw.green });
    // ELBv2 rejects TargetGroupArn next to a ForwardConfig of more than one group, so it goes.
    const { TargetGroupArn: _single, ...rest } = structuredClone(a);
    return { ...rest, ForwardConfig: { ...rest.ForwardConfig, TargetGroups: tuples } };
  }
}

/**
 * An action sent back as read. The one exception: DescribeRules never returns an OIDC client
 * secret, and ModifyRule then needs UseExistingClientSecret=true to keep the stored one.
 */
function keepAsRead(a: Action): Action {
  const copy = structuredClone(a);
  if (
    copy.Type === 'authenticate-oidc' &&
    copy.AuthenticateOidcConfig &&
    copy.AuthenticateOidcConfig.ClientSecret === undefined
  ) {
    copy.AuthenticateOidcConfig.UseExistingClientSecret = true;
  }
  return copy;
}
