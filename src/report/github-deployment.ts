// Keeps a GitHub deployment's status true to the run: created in_progress, finished per the outcome.
import type { Result } from '../ports/timeline.js';
import { truncate } from './markdown.js';
import { deploymentSha, readGithubContext, type GithubContext } from './github-context.js';
import { GithubApi, type GithubApiOptions } from './github-api.js';

/**
 * GitHub's deployment status states (REST "Create a deployment status"): error, failure, inactive,
 * in_progress, queued, pending, success.
 */
export type DeploymentState =
  'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export interface StartOptions {
  environment: string;
  /** defaults to the PR head commit on pull request events, else GITHUB_SHA */
  sha?: string;
  /** kept for the record in the deployment's payload; GitHub needs the SHA as `ref` to pin the commit */
  ref?: string;
  description?: string;
  /** defaults to true for preview-looking environment names (pr-*, preview*) */
  transientEnvironment?: boolean;
  /**
   * For `promote` / `abort`: reuse the environment's latest deployment when it is still in progress
   * (a held canary), so the held deployment is the one that ends success or inactive.
   */
  resume?: boolean;
}

export interface FinishOptions {
  environmentUrl?: string;
  /** replaces the description derived from the outcome */
  description?: string;
}

export interface OutcomeLike {
  result: Result;
  /** a failed run whose version was judged unhealthy (provider none without rollback-command) */
  judged?: true;
  /** the new slot's final percent */
  weight?: number;
  reason?: string;
}

export interface DeploymentTrackerOptions extends GithubApiOptions {
  token: string | undefined;
  /** defaults to readGithubContext() */
  context?: GithubContext;
  /** every warning is also passed here as it happens (e.g. core.warning) */
  onWarning?: (message: string) => void;
}

/** GitHub caps a status description at 140 characters. */
const DESCRIPTION_MAX = 140;

/** Names that are per-change previews rather than a place end users go. */
export function isPreviewEnvironment(name: string): boolean {
  return /^(pr[-_]|preview)/i.test(name.trim());
}

/**
 * The status an outcome ends in, and why that one:
 * - promoted → success: the new version takes all traffic; `auto_inactive` retires older ones.
 * - held → in_progress: traffic is split on purpose and a later `promote`/`abort` finishes it.
 * - rolled-back → failure: the new version was judged unhealthy; this is what failure is for.
 * - failed → error: the process broke (API fault, timeout, cancellation, hook), so nothing was learnt
 *   about the version itself; GitHub keeps `error` for exactly that.
 * - aborted → inactive: someone chose to go back; the version was not judged bad, it just serves
 *   nothing now.
 * - unchanged / planned → inactive: nothing of this deployment is serving traffic.
 * - removed (command cleanup) → inactive: the preview is gone.
 */
export function stateFor(result: Result, judged = false): DeploymentState {
  switch (result) {
    case 'promoted':
      return 'success';
    case 'held':
      return 'in_progress';
    case 'rolled-back':
      return 'failure';
    case 'failed':
      // provider none without rollback-command: the version was judged, there was just nothing to roll back
      return judged ? 'failure' : 'error';
    case 'aborted':
    case 'unchanged':
    case 'planned':
    case 'removed':
      return 'inactive';
  }
}

export function describeOutcome(o: OutcomeLike): string {
  const w = o.weight !== undefined ? `${o.weight}%` : undefined;
  switch (o.result) {
    case 'promoted':
      return 'Promoted: the new version takes 100% of traffic';
    case 'held':
      return `Held at ${w ?? 'a partial weight'}: run promote or abort to finish`;
    case 'rolled-back':
      return `Rolled back${o.reason ? `: ${o.reason}` : ''}`;
    case 'failed':
      return `Failed${o.reason ? `: ${o.reason}` : ''}`;
    case 'aborted':
      return 'Aborted: traffic is back on the previous version';
    case 'unchanged':
      return `Unchanged${o.reason ? `: ${o.reason}` : ''}`;
    case 'planned':
      return 'Planned: dry run, nothing changed';
    case 'removed':
      return 'Removed: the preview was cleaned up';
  }
}

interface ListedDeployment {
  id?: unknown;
  sha?: unknown;
  payload?: { head_ref?: unknown; pull_request?: unknown } | string | null;
}

/** Bound on `start` as a whole (create + first status, or find + reuse). */
const START_BUDGET_MS = 20_000;

/**
 * One GitHub deployment per run. Every method returns a value and never throws: when GitHub says no
 * or does not answer, the deploy goes on and a warning says why (without the token).
 */
export class DeploymentTracker {
  readonly warnings: string[] = [];
  private readonly api: GithubApi | undefined;
  private readonly ctx: GithubContext;
  private deploymentId: string | undefined;

  constructor(private readonly opts: DeploymentTrackerOptions) {
    this.ctx = opts.context ?? readGithubContext();
    this.api = opts.token ? new GithubApi(this.ctx.apiUrl, opts.token, opts) : undefined;
  }

  /** The deployment this run created or resumed, as the `deployment-id` output wants it. */
  get id(): string | undefined {
    return this.deploymentId;
  }

  /** Creates (or resumes) the deployment and marks it in_progress; its id, or undefined and a warning. */
  async start(o: StartOptions): Promise<string | undefined> {
    const deadline = Date.now() + START_BUDGET_MS;
    const { api, ctx } = this;
    if (!api) return this.warn('no github-token: the GitHub deployment was not created');
    if (!ctx.owner || !ctx.repo)
      return this.warn('GITHUB_REPOSITORY is not set: the GitHub deployment was not created');
    const sha = o.sha ?? deploymentSha(ctx);
    if (!sha) return this.warn('GITHUB_SHA is not set: the GitHub deployment was not created');
    const repo = { owner: ctx.owner, repo: ctx.repo };

    if (o.resume) {
      const found = await this.findInProgress(repo, o.environment, deadline);
      if (found) {
        this.deploymentId = found;
        return found;
      }
    }

    const preview = isPreviewEnvironment(o.environment);
    const created = await api.call(
      (rest) => rest.repos.createDeployment,
      {
        ...repo,
        // the SHA, not the branch: the deployment names exactly the commit this run ships
        ref: sha,
        task: 'deploy',
        environment: o.environment,
        auto_merge: false,
        // commit statuses are the workflow's business; this run is already one of them
        required_contexts: [],
        description: truncate(o.description ?? 'Glidepath deploy', DESCRIPTION_MAX),
        production_environment: !preview,
        transient_environment: o.transientEnvironment ?? preview,
        // the pull request and its branch: how command cleanup finds this preview's deployment later
        payload: {
          tool: 'glidepath',
          ...((o.ref ?? ctx.ref) ? { ref: o.ref ?? ctx.ref } : {}),
          ...(ctx.prNumber !== undefined ? { pull_request: ctx.prNumber } : {}),
          ...(ctx.prHeadRef ? { head_ref: ctx.prHeadRef } : {}),
        },
      },
      deadline,
    );
    if (!created.ok) return this.warn(`the GitHub deployment was not created: ${created.error}`);
    const id = (created.data as { id?: unknown } | undefined)?.id;
    // 202 (or a 201 that says "Auto-merged ...") is GitHub merging the default branch instead of
    // creating a deployment; with auto_merge false it should not happen, but it carries no id.
    if (created.status !== 201 || typeof id !== 'number') {
      const message = (created.data as { message?: unknown } | undefined)?.message;
      return this.warn(
        `GitHub did not create a deployment (HTTP ${created.status}${typeof message === 'string' ? `: ${api.mask(message.slice(0, 200))}` : ''}); statuses will not be posted`,
      );
    }
    this.deploymentId = String(id);
    await this.postStatus('in_progress', { description: 'Shifting traffic' }, deadline);
    return this.deploymentId;
  }

  /**
   * command cleanup: marks the environment's latest deployment for this pull request's head ref
   * `inactive` (outside a pull request, the environment's latest). True when GitHub took it.
   */
  async retire(o: { environment: string; description: string }): Promise<boolean> {
    if (!this.deploymentId && !(await this.findForCleanup(o.environment))) return false;
    return this.postStatus('inactive', { description: o.description });
  }

  /** The deployment command cleanup will retire: its id (the `deployment-id` output), or undefined and a warning. */
  async findForCleanup(environment: string): Promise<string | undefined> {
    const deadline = Date.now() + START_BUDGET_MS;
    const { api, ctx } = this;
    const not = 'the GitHub deployment was not marked inactive';
    if (!api) return this.warn(`no github-token: ${not}`);
    if (!ctx.owner || !ctx.repo) return this.warn(`GITHUB_REPOSITORY is not set: ${not}`);
    const list = await api.call(
      (rest) => rest.repos.listDeployments,
      { owner: ctx.owner, repo: ctx.repo, environment, per_page: 100 },
      deadline,
    );
    if (!list.ok) return this.warn(`${not}: ${list.error}`);
    const deployments = Array.isArray(list.data) ? (list.data as ListedDeployment[]) : [];
    // GitHub lists the newest first
    const latest = deployments.find((d) => this.isThisPullRequest(d));
    if (typeof latest?.id !== 'number') {
      const whose = ctx.prNumber !== undefined ? ` for pull request #${ctx.prNumber}` : '';
      return this.warn(
        `no deployment of environment ${environment}${whose} was found: nothing was marked inactive`,
      );
    }
    this.deploymentId = String(latest.id);
    return this.deploymentId;
  }

  /** A deployment this pull request made: by its head branch (or number) in our payload, else by its head commit. */
  private isThisPullRequest(d: ListedDeployment): boolean {
    const { ctx } = this;
    if (ctx.prNumber === undefined) return true;
    const payload = typeof d.payload === 'object' && d.payload !== null ? d.payload : {};
    if (ctx.prHeadRef && payload.head_ref === ctx.prHeadRef) return true;
    if (payload.pull_request === ctx.prNumber) return true;
    return ctx.prHeadSha !== undefined && d.sha === ctx.prHeadSha;
  }

  /** Posts the final status for the outcome; true when GitHub took it. */
  async finish(outcome: OutcomeLike, o: FinishOptions = {}): Promise<boolean> {
    if (!this.deploymentId) return false;
    const state = stateFor(outcome.result, outcome.judged === true);
    return this.postStatus(state, {
      description: o.description ?? describeOutcome(outcome),
      // a held canary already serves some users at the environment URL
      environmentUrl: state === 'success' || state === 'in_progress' ? o.environmentUrl : undefined,
    });
  }

  private async postStatus(
    state: DeploymentState,
    d: { description: string; environmentUrl?: string },
    deadline?: number,
  ): Promise<boolean> {
    const { api, ctx } = this;
    if (!api || !ctx.owner || !ctx.repo || !this.deploymentId) return false;
    const res = await api.call(
      (rest) => rest.repos.createDeploymentStatus,
      {
        owner: ctx.owner,
        repo: ctx.repo,
        deployment_id: Number(this.deploymentId),
        state,
        description: truncate(api.mask(d.description), DESCRIPTION_MAX),
        ...(ctx.runUrl ? { log_url: ctx.runUrl } : {}),
        ...(d.environmentUrl ? { environment_url: d.environmentUrl } : {}),
        // only success retires the environment's earlier deployments; a failed one must not
        ...(state === 'success' ? { auto_inactive: true } : {}),
      },
      deadline,
    );
    if (!res.ok) this.warn(`the GitHub deployment status "${state}" was not posted: ${res.error}`);
    return res.ok;
  }

  /** The environment's latest deployment when its latest status says it is still going (held). */
  private async findInProgress(
    repo: { owner: string; repo: string },
    environment: string,
    deadline: number,
  ): Promise<string | undefined> {
    const api = this.api!;
    const list = await api.call(
      (rest) => rest.repos.listDeployments,
      { ...repo, environment, per_page: 1 },
      deadline,
    );
    const latest =
      list.ok && Array.isArray(list.data) ? (list.data[0] as { id?: unknown } | undefined) : undefined;
    if (typeof latest?.id !== 'number') return undefined;
    const statuses = await api.call(
      (rest) => rest.repos.listDeploymentStatuses,
      { ...repo, deployment_id: latest.id, per_page: 1 },
      deadline,
    );
    const state =
      statuses.ok && Array.isArray(statuses.data)
        ? (statuses.data[0] as { state?: unknown } | undefined)?.state
        : undefined;
    return state === 'in_progress' || state === 'queued' || state === 'pending'
      ? String(latest.id)
      : undefined;
  }

  private warn(message: string): undefined {
    const m = this.api ? this.api.mask(message) : message;
    this.warnings.push(m);
    this.opts.onWarning?.(m);
    return undefined;
  }
}
