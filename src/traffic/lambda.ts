// TrafficRouter for a Lambda weighted alias: the two slots are the alias's live version and the new one.
//
// The engine's two-slot model is kept by mapping versions onto slots once per run: blue is the version
// the alias pointed at when the run began (or, for a deploy in progress, the `from` of its target
// tag), green the other one (the alias's additional version, the deploy's new version, or the
// previous version for a rollback). A step sets RoutingConfig.AdditionalVersionWeights with the
// alias's RevisionId read just before (so a concurrent change fails the write instead of being
// overwritten) and reads the alias back; promotion points the alias at the new version with no
// additional weights; a rollback points it back with none. Lambda tags live on the function, not the
// alias, so every Glidepath tag is keyed by alias: two aliases of one function never block each other.
import { createHash } from 'node:crypto';
import {
  GetAliasCommand,
  ListTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  type AliasConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { Command, ProviderConfig, Slot } from '../config/types.js';
import type {
  LockHolder,
  Rejection,
  RejectionNote,
  RouterState,
  SlotName,
  SlotNames,
  SlotState,
  TrafficRouter,
  Weights,
} from '../ports/traffic.js';
import { withThrottleRetry, type RetryOptions } from './aws-retry.js';
import { releaseTagLock, tagLockHolder, tagSafe, takeTagLock, type TagLockOptions } from './tag-lock.js';
import { escapeNote, noteFields, noteFrom, unescapeNote } from './mark-note.js';
import { LambdaVersions } from './lambda-versions.js';

export type LambdaProvider = Extract<ProviderConfig, { kind: 'lambda' }>;

export type TagName =
  'lock' | 'target' | 'previous' | 'run' | 'rejected' | 'rejected-run' | 'rejected-at' | 'rejected-reason';
const REJECTED_TAGS: TagName[] = ['rejected', 'rejected-run', 'rejected-at', 'rejected-reason'];

/** What Lambda tag values accept besides `=`, which escapeNote uses for everything else. */
const TAG_SAFE = /[\p{L}\p{Z}\p{N}_.:/+\-@]/u;

/** An escaped text cut to a tag value's 256 characters without splitting an `=XX` escape. */
function fitTag(text: string): string {
  return text.length <= 256 ? text : text.slice(0, 256).replace(/=[0-9A-F]?$/, '');
}

/** `glidepath:<alias>:<what>`; Lambda tag keys hold 128 characters, so a very long alias is shortened with a hash. */
export function tagKey(alias: string, what: TagName): string {
  const key = `glidepath:${alias}:${what}`;
  if (key.length <= 128) return key;
  const hash = createHash('sha256').update(alias).digest('hex').slice(0, 8);
  return `glidepath:${alias.slice(0, 100)}~${hash}:${what}`;
}

/** What the alias routes to: its version and at most one additional version with its weight (0..1). */
export interface AliasView {
  primary: string;
  extra?: { version: string; weight: number };
  revisionId?: string;
  arn?: string;
}

export interface LambdaRouterOptions {
  client: LambdaClient;
  provider: LambdaProvider;
  /** what the run does: names the slot that holds no version yet (`the new version`, `the previous version`) */
  command: Command;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** our backoff on throttling, beyond the SDK's own retries */
  retry?: Pick<RetryOptions, 'attempts' | 'baseMs' | 'maxMs' | 'random'>;
  /** bound on waiting for an update of $LATEST and for a new version to become Active (default 5 min) */
  publishWaitMs?: number;
  /** how often that wait looks again (default 2 s) */
  pollMs?: number;
  /** progress and retry lines */
  log?: (line: string) => void;
  onWarning?: (message: string) => void;
}

/** Percent of traffic (one decimal) ↔ Lambda's additional-version weight (0..1, three decimals). */
export function toLambdaWeight(percent: number): number {
  const w = Math.round(percent * 10) / 1000;
  // a sliver asked for stays a sliver; Lambda rejects 1.0 for the additional version's share of 100
  return Math.min(0.999, Math.max(0.001, w));
}

const toPercent = (weight: number): number => Math.round(weight * 1000) / 10;

const PUBLISHED = /^[1-9]\d*$/;

export class LambdaRouter implements TrafficRouter {
  readonly description: string;
  readonly warnings: string[] = [];

  private readonly client: LambdaClient;
  private readonly p: LambdaProvider;
  private readonly command: Command;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly retry: LambdaRouterOptions['retry'];
  private readonly log: (line: string) => void;
  private readonly onWarning?: (message: string) => void;
  private readonly versions: LambdaVersions;
  /**
   * which version each slot stands for in this run: fixed at the first read (the live one at least),
   * the deploy's target filled in by stage
   */
  private slots?: Partial<Record<Slot, string>>;
  private view?: AliasView;
  private functionArnValue?: string;
  /** the tags the first read mapped the slots by, for markedTarget() right after it (one use) */
  private tagsJustRead?: Record<string, string>;

  constructor(opts: LambdaRouterOptions) {
    this.client = opts.client;
    this.p = opts.provider;
    this.command = opts.command;
    this.now = opts.now ?? Date.now;
    this.sleep =
      opts.sleep ??
      ((ms, signal) =>
        new Promise((resolve, reject) => {
          const t = setTimeout(resolve, ms);
          signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
        }));
    this.retry = opts.retry;
    this.log = opts.log ?? (() => undefined);
    this.onWarning = opts.onWarning;
    this.description = `Lambda alias ${this.p.alias} of function ${this.p.functionName}`;
    this.versions = new LambdaVersions({
      functionName: this.p.functionName,
      alias: this.p.alias,
      client: this.client,
      call: (name, fn) => this.call(name, fn),
      sleep: this.sleep,
      now: this.now,
      log: this.log,
      waitMs: opts.publishWaitMs ?? 5 * 60_000,
      pollMs: opts.pollMs ?? 2_000,
    });
  }

  // ---- TrafficRouter

  async read(): Promise<RouterState> {
    const view = await this.readAlias();
    if (!this.slots) await this.mapSlots(view);
    return this.state(view);
  }

  async set(weights: Weights): Promise<RouterState> {
    checkPercent(weights);
    // the post step restores without reading first: map the versions as the run that died did
    if (!this.slots) await this.read();
    const slots = this.requireSlots();
    for (const slot of ['blue', 'green'] as const) {
      if (weights[slot] > 0 && !slots[slot]) {
        throw new Error(
          `Lambda: no version of function ${this.p.functionName} is known for ${this.label(slot)}; alias ${this.p.alias} was not changed`,
        );
      }
    }
    // read right before writing: the RevisionId makes Lambda refuse the write if anyone moved the alias since
    const before = await this.readAlias();
    const next = aliasFor(weights, before, slots);
    await this.call('UpdateAlias', () =>
      this.client.send(
        new UpdateAliasCommand({
          FunctionName: this.p.functionName,
          Name: this.p.alias,
          FunctionVersion: next.primary,
          RoutingConfig: {
            AdditionalVersionWeights: next.extra ? { [next.extra.version]: next.extra.weight } : {},
          },
          ...(before.revisionId ? { RevisionId: before.revisionId } : {}),
        }),
      ),
    );
    const back = await this.readAlias();
    if (!sameRouting(back, next)) {
      throw new Error(
        `Lambda: read-back mismatch on alias ${this.p.alias} of function ${this.p.functionName}: wrote ${routing(next)}; read ${routing(back)}`,
      );
    }
    return this.state(back);
  }

  slotNames(): SlotNames {
    if (!this.slots) return {};
    const name = (slot: Slot): SlotName => {
      const id = this.slots?.[slot] ?? '';
      return {
        id,
        label: this.label(slot),
        ...(id === '' && this.command === 'rollback' ? { missing: this.noPrevious() } : {}),
      };
    };
    return { blue: name('blue'), green: name('green') };
  }

  /** Why a rollback has nowhere to go. */
  private noPrevious(): string {
    return (
      `no version of function ${this.p.functionName} is recorded as the one before version ${this.slots?.blue} on alias ${this.p.alias} ` +
      `(tag ${this.key('previous')}, written when a deploy through Glidepath is promoted); ` +
      'to go back to a version, deploy it with lambda-version'
    );
  }

  /** `version 8`, or what the slot will hold when no version is known for it yet */
  private label(slot: Slot): string {
    const v = this.slots?.[slot];
    if (v) return `version ${v}`;
    if (this.command === 'rollback') return 'the previous version';
    return this.command === 'deploy' ? 'the new version' : 'the other version';
  }

  /**
   * Before the hooks: a given lambda-version is checked (published, not live, same role and
   * dead-letter queue as the live version). After the deploy hook: without lambda-version, $LATEST is
   * published, once its update has finished, and must differ from the live version.
   */
  async stage(target: Slot, deployed: boolean, signal?: AbortSignal): Promise<void> {
    const slots = this.requireSlots();
    const live = slots[target === 'green' ? 'blue' : 'green'];
    if (!live)
      throw new Error(`Lambda: alias ${this.p.alias} was not read before the deploy (a bug in Glidepath)`);
    const given = this.p.version;
    if (!deployed) {
      if (!given) return;
      if (given === live) {
        throw new Error(
          `lambda-version: "${given}" is the version alias ${this.p.alias} already serves; give the new version's number, ` +
            'or leave lambda-version empty to publish one from $LATEST after deploy-command',
        );
      }
      await this.versions.checkShiftable(given, live, 'lambda-version', signal);
      slots[target] = given;
      return;
    }
    if (given) return;
    const published = await this.versions.publish(signal);
    if (published.version === live) {
      throw new Error(
        `nothing changed since the live version: PublishVersion returned version ${live}, which alias ${this.p.alias} already serves; ` +
          'deploy-command must update the function ($LATEST) before Glidepath publishes it, or give lambda-version',
      );
    }
    await this.versions.checkShiftable(published.version, live, 'deploy-command', signal);
    slots[target] = published.version;
  }

  async lock(runId: string, ttlMs: number): Promise<void> {
    await takeTagLock(await this.lockOptions(), runId, ttlMs);
  }

  async unlock(runId: string): Promise<void> {
    await releaseTagLock(await this.lockOptions(), runId);
  }

  /** The previous version (for an on-call rollback) and the run that made the change. */
  async record(entry: { live: Slot; previous: Slot; runUrl?: string }): Promise<void> {
    const previous = this.versionOf(entry.previous);
    const tags: Record<string, string> = {};
    if (previous) tags[this.key('previous')] = previous;
    if (entry.runUrl) tags[this.key('run')] = tagSafe(entry.runUrl);
    if (Object.keys(tags).length) await this.writeTags(tags);
  }

  /** The version rolled back or aborted, and why, in one TagResource: a manual rollback must not go there. */
  async reject(slot: Slot, note?: RejectionNote): Promise<void> {
    const version = this.versionOf(slot);
    if (!version) return;
    const tags: Record<string, string> = { [this.key('rejected')]: version };
    if (note) {
      const f = noteFields(note);
      tags[this.key('rejected-run')] = escapeNote(f.run, TAG_SAFE).slice(0, 256);
      tags[this.key('rejected-at')] = f.at;
      tags[this.key('rejected-reason')] = fitTag(escapeNote(f.reason, TAG_SAFE));
    }
    await this.writeTags(tags);
  }

  async rejected(): Promise<Rejection | undefined> {
    const t = await this.tags();
    const slot = this.slotOf(t[this.key('rejected')]);
    if (!slot) return undefined;
    const note = noteFrom({
      run: unescapeNote(t[this.key('rejected-run')] ?? ''),
      at: t[this.key('rejected-at')],
      reason: unescapeNote(t[this.key('rejected-reason')] ?? ''),
    });
    return note ? { slot, note } : { slot };
  }

  /** A forced rollback: the mark is only tags, so lifting it is removing them (the Invoke gate still runs). */
  async lift(slot: Slot): Promise<void> {
    if ((await this.rejected())?.slot !== slot) {
      throw new Error(
        `Lambda: no ${this.key('rejected')} tag names ${this.label(slot)} on function ${this.p.functionName}`,
      );
    }
    await this.removeTags(REJECTED_TAGS);
  }

  /** A deploy is shifting to the version again (deployed anew): it no longer holds the rejected one. */
  async prepare(slot: Slot): Promise<void> {
    const version = this.versionOf(slot);
    if (version && (await this.tags())[this.key('rejected')] === version)
      await this.removeTags(REJECTED_TAGS);
  }

  async lockHolder(): Promise<LockHolder | undefined> {
    return tagLockHolder(await this.lockOptions(), (await this.tags())[this.key('lock')]);
  }

  async lockClearCommand(): Promise<string> {
    return (await this.lockOptions()).clear;
  }

  /** For `status`: each version's State and LastUpdateStatus. */
  async slotStates(): Promise<Partial<Record<Slot, SlotState>>> {
    const out: Partial<Record<Slot, SlotState>> = {};
    for (const slot of ['blue', 'green'] as const) {
      const version = this.versionOf(slot);
      if (!version) continue;
      const c = await this.versions.configuration(version);
      out[slot] = {
        state: c.State ?? 'unknown',
        detail: `version ${version}${c.LastUpdateStatus ? `, last update ${c.LastUpdateStatus}` : ''}`,
      };
    }
    return out;
  }

  /** `8 from 7`: the new version and the one it replaces, so a later run maps them the same way. */
  async markTarget(slot: Slot | undefined): Promise<void> {
    if (!slot) return this.removeTags(['target']);
    const to = this.versionOf(slot);
    const from = this.versionOf(slot === 'blue' ? 'green' : 'blue');
    if (!to || !from) return;
    await this.writeTags({ [this.key('target')]: `${to} from ${from}` });
  }

  /**
   * The slot of the tagged target; without a tag, a split's additional version: on a Lambda alias the
   * additional version is always the one traffic is being shifted to (CodeDeploy's too).
   */
  async markedTarget(): Promise<Slot | undefined> {
    const tags = this.tagsJustRead ?? (await this.tags());
    this.tagsJustRead = undefined;
    const tagged = parseTarget(tags[this.key('target')]);
    const bySlot = this.slotOf(tagged?.to);
    if (bySlot) return bySlot;
    return this.slotOf(this.view?.extra?.version);
  }

  // ---- internals

  private key(what: TagName): string {
    return tagKey(this.p.alias, what);
  }

  versionOf(slot: Slot): string | undefined {
    return this.slots?.[slot];
  }

  private slotOf(version: string | undefined): Slot | undefined {
    if (!version || !this.slots) return undefined;
    if (version === this.slots.blue) return 'blue';
    if (version === this.slots.green) return 'green';
    return undefined;
  }

  private requireSlots(): NonNullable<LambdaRouter['slots']> {
    if (!this.slots) throw new Error('Lambda: the alias was not read before use (a bug in Glidepath)');
    return this.slots;
  }

  /** Once per run: which version is blue and which is green. */
  private async mapSlots(view: AliasView): Promise<void> {
    const tags = await this.tags();
    this.tagsJustRead = tags;
    const target = parseTarget(tags[this.key('target')]);
    const routed = [view.primary, view.extra?.version].filter((v): v is string => v !== undefined);
    if (target && routed.every((v) => v === target.to || v === target.from)) {
      // a deploy in progress (or one that died right after promoting): keep its mapping
      this.slots = { blue: target.from, green: target.to };
      return;
    }
    // blue: what the alias points at; green: its additional version, else the deploy's given version,
    // else (rollback, status) the previous version a promoted deploy recorded
    let green = view.extra?.version;
    if (!green && this.command === 'deploy') green = this.p.version;
    if (!green && this.command !== 'deploy') {
      const previous = tags[this.key('previous')];
      if (previous && PUBLISHED.test(previous)) green = previous;
    }
    this.slots = { blue: view.primary, ...(green && green !== view.primary ? { green } : {}) };
  }

  private state(view: AliasView): RouterState {
    this.view = view;
    const slots = this.requireSlots();
    const extraPct = view.extra ? toPercent(view.extra.weight) : 0;
    const pct = (v: string | undefined): number => {
      if (v === undefined) return 0;
      if (v === view.primary) return Math.round((100 - extraPct) * 10) / 10;
      return v === view.extra?.version ? extraPct : 0;
    };
    const weights = { blue: pct(slots.blue), green: pct(slots.green) };
    return { weights, detail: `alias ${this.p.alias}: ${routing(view)}` };
  }

  private async readAlias(): Promise<AliasView> {
    let out: AliasConfiguration;
    try {
      out = await withThrottleRetry(
        () =>
          this.client.send(new GetAliasCommand({ FunctionName: this.p.functionName, Name: this.p.alias })),
        this.retryOptions('GetAlias'),
      );
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') {
        throw new Error(
          `lambda-alias: function ${this.p.functionName} has no alias ${this.p.alias} (${errorText(error)}); ` +
            'create it pointing at the version that serves today, or check lambda-function and lambda-alias',
          { cause: error },
        );
      }
      throw this.wrap('GetAlias', error);
    }
    return this.validate(out);
  }

  /** Lambda's rules for a weighted alias, each naming the input to fix. */
  private validate(a: AliasConfiguration): AliasView {
    const primary = a.FunctionVersion ?? '';
    if (!PUBLISHED.test(primary)) {
      throw new Error(
        `lambda-alias: alias ${this.p.alias} of function ${this.p.functionName} points at ${primary || 'no version'}, ` +
          'not a published version: Lambda shifts weights only between published versions; point the alias at the version that serves today ' +
          `(aws lambda update-alias --function-name ${this.p.functionName} --name ${this.p.alias} --function-version <N>)`,
      );
    }
    const extras = Object.entries(a.RoutingConfig?.AdditionalVersionWeights ?? {});
    if (extras.length > 1) {
      throw new Error(
        `lambda-alias: alias ${this.p.alias} routes to ${extras.map(([v]) => `version ${v}`).join(', ')} besides version ${primary}: ` +
          'Lambda allows at most one additional version; remove the others before deploying',
      );
    }
    if (a.AliasArn && !this.functionArnValue) this.functionArnValue = a.AliasArn.replace(/:[^:]+$/, '');
    const [extra] = extras;
    return {
      primary,
      ...(extra && extra[1] > 0 ? { extra: { version: extra[0], weight: extra[1] } } : {}),
      ...(a.RevisionId ? { revisionId: a.RevisionId } : {}),
      ...(a.AliasArn ? { arn: a.AliasArn } : {}),
    };
  }

  /** The unqualified function ARN that carries the tags: as given, or from the alias's ARN. */
  private async functionArn(): Promise<string> {
    if (this.p.functionName.startsWith('arn:')) return this.p.functionName;
    if (!this.functionArnValue) await this.readAlias();
    if (!this.functionArnValue)
      throw new Error(
        `Lambda: GetAlias did not return the ARN of alias ${this.p.alias}; give lambda-function as an ARN`,
      );
    return this.functionArnValue;
  }

  private async tags(): Promise<Record<string, string>> {
    const Resource = await this.functionArn();
    const out = await this.call('ListTags', () => this.client.send(new ListTagsCommand({ Resource })));
    return { ...(out.Tags ?? {}) };
  }

  private async writeTags(tags: Record<string, string>): Promise<void> {
    this.tagsJustRead = undefined;
    const Resource = await this.functionArn();
    await this.call('TagResource', () => this.client.send(new TagResourceCommand({ Resource, Tags: tags })));
  }

  private async removeTags(what: TagName[]): Promise<void> {
    this.tagsJustRead = undefined;
    const Resource = await this.functionArn();
    const TagKeys = what.map((w) => this.key(w));
    await this.call('UntagResource', () => this.client.send(new UntagResourceCommand({ Resource, TagKeys })));
  }

  private async lockOptions(): Promise<TagLockOptions> {
    const arn = await this.functionArn();
    const region = arn.split(':')[3];
    return {
      key: this.key('lock'),
      system: 'Lambda',
      thing: `alias ${this.p.alias} of function ${this.p.functionName}`,
      clear: `aws lambda untag-resource${region ? ` --region ${region}` : ''} --resource ${arn} --tag-keys ${this.key('lock')}`,
      now: this.now,
      warn: (m) => this.warn(m),
      store: {
        read: () => this.tags(),
        write: (tags) => this.writeTags(tags),
        remove: async (keys) => {
          const Resource = await this.functionArn();
          await this.call('UntagResource', () =>
            this.client.send(new UntagResourceCommand({ Resource, TagKeys: keys })),
          );
        },
      },
    };
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.onWarning?.(message);
  }

  private retryOptions(name: string): RetryOptions {
    return {
      ...this.retry,
      sleep: (ms) => this.sleep(ms),
      onRetry: ({ attempt, attempts, delayMs }) =>
        this.log(
          `Lambda ${name} throttled, retry ${attempt}/${attempts - 1} in ${(delayMs / 1000).toFixed(1)}s`,
        ),
    };
  }

  private wrap(name: string, error: unknown): Error {
    return new Error(`Lambda ${name} on function ${this.p.functionName} failed: ${errorText(error)}`, {
      cause: error,
    });
  }

  async call<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withThrottleRetry(fn, this.retryOptions(name));
    } catch (error) {
      throw this.wrap(name, error);
    }
  }
}

export function errorName(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string'
    ? e.name
    : undefined;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function parseTarget(value: string | undefined): { to: string; from: string } | undefined {
  const m = /^(\d+) from (\d+)$/.exec(value?.trim() ?? '');
  return m ? { to: m[1]!, from: m[2]! } : undefined;
}

function checkPercent(w: Weights): void {
  for (const slot of ['blue', 'green'] as const) {
    const v = w[slot];
    if (!Number.isFinite(v) || v < 0 || v > 100) {
      throw new Error(`Lambda: weight of ${slot} is ${v}; accepted: a percent from 0 to 100`);
    }
  }
  if (Math.abs(w.blue + w.green - 100) > 0.05) {
    throw new Error(`Lambda: weights must add up to 100 percent, got blue ${w.blue} + green ${w.green}`);
  }
}

/** The alias as the weights ask for it, keeping the version the alias points at as its primary. */
function aliasFor(w: Weights, now: AliasView, slots: Partial<Record<Slot, string>>): AliasView {
  const { blue, green } = slots;
  if (w.green >= 100 && green) return { primary: green };
  if (w.blue >= 100 && blue) return { primary: blue };
  if (!blue || !green) throw new Error('Lambda: a split needs two versions (a bug in Glidepath)');
  // a split: the version the alias points at stays primary (as CodeDeploy does); the other is additional
  const primary = now.primary === green ? green : blue;
  const other = primary === blue ? green : blue;
  const otherPct = primary === blue ? w.green : w.blue;
  return { primary, extra: { version: other, weight: toLambdaWeight(otherPct) } };
}

/** `version 7`, or `version 7 + version 8 at 0.1` */
function routing(v: AliasView): string {
  return v.extra
    ? `version ${v.primary} + version ${v.extra.version} at ${v.extra.weight}`
    : `version ${v.primary}`;
}

function sameRouting(a: AliasView, b: AliasView): boolean {
  if (a.primary !== b.primary) return false;
  if (!a.extra || !b.extra) return !a.extra && !b.extra;
  return a.extra.version === b.extra.version && Math.abs(a.extra.weight - b.extra.weight) < 1e-9;
}
