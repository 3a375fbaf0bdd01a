// Where the run happens on GitHub: repo, commit, pull request, API address.
import { readFileSync } from 'node:fs';

export interface GithubContext {
  /** `owner/repo`, when the runner named one */
  repository?: string;
  owner?: string;
  repo?: string;
  /** GITHUB_SHA: on pull_request it is the merge commit, on pull_request_target the base branch */
  sha?: string;
  ref?: string;
  eventName?: string;
  /** set on pull_request / pull_request_target events only */
  prNumber?: number;
  /** the PR's head commit, from the event payload */
  prHeadSha?: string;
  /** the PR's head branch (`pull_request.head.ref`), from the event payload */
  prHeadRef?: string;
  /** without a trailing slash */
  apiUrl: string;
  serverUrl: string;
  runId?: string;
  runUrl?: string;
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);

export function isPullRequestEvent(eventName: string | undefined): boolean {
  return eventName !== undefined && PR_EVENTS.has(eventName);
}

/**
 * Reads the runner's GITHUB_* variables and, on pull request events, the PR number and head SHA from
 * the event payload. Never throws: a missing or unreadable payload just means "no pull request".
 */
export function readGithubContext(env: NodeJS.ProcessEnv = process.env): GithubContext {
  const repository = env.GITHUB_REPOSITORY || undefined;
  const [owner, repo, ...extra] = repository?.split('/') ?? [];
  const valid = Boolean(owner && repo && extra.length === 0);
  const serverUrl = trimSlash(env.GITHUB_SERVER_URL || 'https://github.com');
  const runId = env.GITHUB_RUN_ID || undefined;
  const ctx: GithubContext = {
    repository: valid ? repository : undefined,
    owner: valid ? owner : undefined,
    repo: valid ? repo : undefined,
    sha: env.GITHUB_SHA || undefined,
    ref: env.GITHUB_REF || undefined,
    eventName: env.GITHUB_EVENT_NAME || undefined,
    apiUrl: trimSlash(env.GITHUB_API_URL || 'https://api.github.com'),
    serverUrl,
    runId,
    runUrl: valid && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined,
  };
  if (isPullRequestEvent(ctx.eventName) && env.GITHUB_EVENT_PATH) {
    const pr = readPullRequest(env.GITHUB_EVENT_PATH);
    ctx.prNumber = pr.number;
    ctx.prHeadSha = pr.headSha;
    ctx.prHeadRef = pr.headRef;
  }
  return ctx;
}

/**
 * The commit a deployment should name: the PR's head commit on pull request events, so GitHub shows
 * the deployment on the pull request (the merge commit in GITHUB_SHA is on no branch anyone sees).
 */
export function deploymentSha(ctx: GithubContext): string | undefined {
  return ctx.prHeadSha ?? ctx.sha;
}

function readPullRequest(path: string): { number?: number; headSha?: string; headRef?: string } {
  try {
    const payload = JSON.parse(readFileSync(path, 'utf8')) as {
      number?: unknown;
      pull_request?: { number?: unknown; head?: { sha?: unknown; ref?: unknown } };
    };
    const n = payload.pull_request?.number ?? payload.number;
    const sha = payload.pull_request?.head?.sha;
    const ref = payload.pull_request?.head?.ref;
    return {
      number: typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined,
      headSha: typeof sha === 'string' && /^[0-9a-f]{40}$/i.test(sha) ? sha : undefined,
      headRef: typeof ref === 'string' && ref !== '' ? ref : undefined,
    };
  } catch {
    return {};
  }
}

const trimSlash = (s: string): string => s.replace(/\/+$/, '');
