// Keeps one comment on the pull request up to date with the deploy's status and preview URL.
import type { Slot } from '../config/types.js';
import type { Result } from '../ports/timeline.js';
import { escapeInline, link, truncate } from './markdown.js';
import { isPullRequestEvent, readGithubContext, type GithubContext } from './github-context.js';
import { GithubApi, type GithubApiOptions } from './github-api.js';

/** Hidden in the rendered comment; how a later run finds the comment to update instead of adding one. */
export const PR_COMMENT_MARKER = '<!-- glidepath:pr-comment -->';

export interface PrCommentDetails {
  result: Result;
  /** the live slot as a person reads it: `blue`, or `version 8` */
  live?: Slot | string;
  /** the new slot's final percent */
  weight?: number;
  reason?: string;
  environment?: string;
  environmentUrl?: string;
  runUrl?: string;
  /** the strategy as typed */
  strategy?: string;
}

function headline(d: PrCommentDetails): string {
  const live = d.live ? `: ${d.live} is live` : '';
  switch (d.result) {
    case 'promoted':
      return `✅ **Glidepath: promoted**${live}`;
    case 'rolled-back':
      return `↩️ **Glidepath: rolled back**${d.live ? `: ${d.live} is live again` : ''}`;
    case 'held':
      return `⏸️ **Glidepath: held at ${d.weight ?? 0}%**: run promote or abort to finish`;
    case 'aborted':
      return `⏹️ **Glidepath: aborted**${live}`;
    case 'failed':
      return `❌ **Glidepath: failed**${live}`;
    case 'planned':
      return '📝 **Glidepath: planned**: dry run, nothing changed';
    case 'unchanged':
      return `➖ **Glidepath: unchanged**${live}`;
    case 'removed':
      return '🧹 **Glidepath: preview removed**: the pull request was closed';
  }
}

/** A few lines of markdown; every value that came from a person or a system is escaped. */
export function renderPrComment(d: PrCommentDetails): string {
  const context = [d.environment, d.strategy].filter((x): x is string => Boolean(x)).map(escapeInline);
  const lines = [PR_COMMENT_MARKER, `${headline(d)}${context.length ? ` · ${context.join(' · ')}` : ''}`];
  if (d.environmentUrl) lines.push('', `**Preview:** ${link(d.environmentUrl, d.environmentUrl)}`);
  if (d.reason && (d.result === 'rolled-back' || d.result === 'failed'))
    lines.push('', `**Reason:** ${escapeInline(truncate(d.reason, 1000))}`);
  if (d.runUrl) lines.push('', link('View the run', d.runUrl));
  return lines.join('\n') + '\n';
}

export interface UpsertOptions extends GithubApiOptions {
  body: string;
  token: string | undefined;
  /** defaults to readGithubContext() */
  context?: GithubContext;
  /** bound on the whole upsert: the search and the write (default 30 s) */
  budgetMs?: number;
  /** edit our comment when there is one, but add none (command cleanup on a closed pull request) */
  updateOnly?: boolean;
}

export type UpsertResult =
  | { action: 'created' | 'updated'; commentId: number; url?: string }
  | { action: 'skipped'; reason: string }
  /** `warning` is for a person and never contains the token */
  | { action: 'failed'; warning: string };

const PER_PAGE = 100;
const MAX_PAGES = 5;
/** GitHub refuses comment bodies over 65536 characters. */
const BODY_MAX = 65_000;

/**
 * On pull_request / pull_request_target events: updates our earlier comment (found by the marker in
 * the first 500 comments) or posts a new one. Never throws; a refusal comes back as `failed`.
 */
export async function upsertPrComment(o: UpsertOptions): Promise<UpsertResult> {
  const ctx = o.context ?? readGithubContext();
  if (!isPullRequestEvent(ctx.eventName)) return { action: 'skipped', reason: 'not a pull request' };
  if (ctx.prNumber === undefined)
    return { action: 'skipped', reason: 'no pull request number in the event payload (GITHUB_EVENT_PATH)' };
  if (!ctx.owner || !ctx.repo) return { action: 'skipped', reason: 'GITHUB_REPOSITORY is not set' };
  if (!o.token) return { action: 'skipped', reason: 'no github-token' };

  const api = new GithubApi(ctx.apiUrl, o.token, o);
  const deadline = Date.now() + (o.budgetMs ?? 30_000);
  const base = o.body.includes(PR_COMMENT_MARKER) ? o.body : `${PR_COMMENT_MARKER}\n${o.body}`;
  const body = api.mask(truncate(base, BODY_MAX));
  const issue = { owner: ctx.owner, repo: ctx.repo, issue_number: ctx.prNumber };

  let existing: number | undefined;
  for (let page = 1; page <= MAX_PAGES && existing === undefined; page++) {
    const res = await api.call(
      (rest) => rest.issues.listComments,
      { ...issue, per_page: PER_PAGE, page },
      deadline,
    );
    if (!res.ok) return { action: 'failed', warning: `the PR comment was not updated: ${res.error}` };
    const comments = Array.isArray(res.data) ? (res.data as Array<{ id?: unknown; body?: unknown }>) : [];
    const ours = comments.find((c) => typeof c.body === 'string' && c.body.includes(PR_COMMENT_MARKER));
    if (typeof ours?.id === 'number') existing = ours.id;
    if (comments.length < PER_PAGE) break;
  }

  if (existing === undefined && o.updateOnly)
    return { action: 'skipped', reason: 'no earlier Glidepath comment on this pull request to update' };
  const res =
    existing !== undefined
      ? await api.call(
          (rest) => rest.issues.updateComment,
          { owner: ctx.owner, repo: ctx.repo, comment_id: existing, body },
          deadline,
        )
      : await api.call((rest) => rest.issues.createComment, { ...issue, body }, deadline);
  if (!res.ok)
    return {
      action: 'failed',
      warning: `the PR comment was not ${existing !== undefined ? 'updated' : 'posted'}: ${res.error}`,
    };
  const data = res.data as { id?: unknown; html_url?: unknown } | undefined;
  const id = typeof data?.id === 'number' ? data.id : (existing ?? 0);
  return {
    action: existing !== undefined ? 'updated' : 'created',
    commentId: id,
    ...(typeof data?.html_url === 'string' ? { url: data.html_url } : {}),
  };
}
