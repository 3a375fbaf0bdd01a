// GitHub's own views of a run: a deployment with statuses for `environment`, and one PR comment.
// Both are best effort: every call is bounded and a GitHub failure only becomes a warning.
import type { Config } from '../config/types.js';
import type { RunOutcome } from '../ports/timeline.js';
import { slotLabel } from '../ports/traffic.js';
import { environmentLink } from '../ports/handed-back.js';
import { DeploymentTracker, describeOutcome } from './github-deployment.js';
import { renderPrComment, upsertPrComment } from './pr-comment.js';

/** `rollback`, `status` and `plan` are not deployments of a version; a manual rollback would post failure. */
const TRACKED = new Set<Config['command']>(['deploy', 'promote', 'abort', 'cleanup']);

export class GithubReporting {
  private readonly tracker: DeploymentTracker | undefined;

  constructor(
    private readonly config: Config,
    private readonly secrets: readonly string[],
    private readonly warn: (message: string) => void,
  ) {
    this.tracker =
      config.environment && TRACKED.has(config.command)
        ? new DeploymentTracker({ token: config.githubToken, secrets: [...secrets], onWarning: warn })
        : undefined;
  }

  /** before any traffic moves: the deployment shows in_progress with a link to the run */
  async start(): Promise<void> {
    if (!this.tracker || !this.config.environment) return;
    // cleanup creates no deployment: it finds the preview's own, to retire it once the preview is gone
    if (this.config.command === 'cleanup') {
      await this.tracker.findForCleanup(this.config.environment);
      return;
    }
    // promote/abort finish the held deploy's own deployment instead of starting another
    await this.tracker.start({
      environment: this.config.environment,
      resume: this.config.command !== 'deploy',
    });
  }

  get deploymentId(): string | undefined {
    return this.tracker?.id;
  }

  /** `handedBack`: the URL a hook handed back (url= in GLIDEPATH_OUTPUT), the link when environment-url is not set */
  async finish(outcome: RunOutcome, runUrl: string | undefined, handedBack?: string): Promise<void> {
    const cleanup = this.config.command === 'cleanup';
    const environmentUrl = cleanup ? undefined : environmentLink(this.config.environmentUrl, handedBack);
    if (cleanup) {
      // a preview that may still run keeps its deployment as it is
      if (outcome.result === 'removed' && this.config.environment)
        await this.tracker?.retire({
          environment: this.config.environment,
          description: describeOutcome(outcome),
        });
    } else await this.tracker?.finish(outcome, environmentUrl ? { environmentUrl } : {});
    if (!this.config.prComment) return;
    const body = renderPrComment({
      ...outcome,
      live: outcome.live && slotLabel(outcome.live, outcome.names),
      environment: this.config.environment,
      environmentUrl,
      runUrl,
      strategy: cleanup || this.config.provider.kind === 'none' ? undefined : this.config.strategy.name,
    });
    // cleanup edits the comment the deploys kept; on a pull request that never had one it adds none
    const r = await upsertPrComment({
      body,
      token: this.config.githubToken,
      secrets: [...this.secrets],
      ...(cleanup ? { updateOnly: true } : {}),
    });
    if (r.action === 'failed') this.warn(r.warning);
  }
}
