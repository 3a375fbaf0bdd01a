// Where the run happens on GitHub (repo, commit, pull request, API address) and a bounded client for its REST API.
import { readFileSync } from 'node:fs';
import { fetch as undiciFetch } from 'undici';
import { redact } from '../shared/redact.js';

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

function readPullRequest(path: string): { number?: number; headSha?: string } {
  try {
    const payload = JSON.parse(readFileSync(path, 'utf8')) as {
      number?: unknown;
      pull_request?: { number?: unknown; head?: { sha?: unknown } };
    };
    const n = payload.pull_request?.number ?? payload.number;
    const sha = payload.pull_request?.head?.sha;
    return {
      number: typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined,
      headSha: typeof sha === 'string' && /^[0-9a-f]{40}$/i.test(sha) ? sha : undefined,
    };
  } catch {
    return {};
  }
}

const trimSlash = (s: string): string => s.replace(/\/+$/, '');

// ---------------------------------------------------------------------------------------------
// The REST client: plain undici fetch, so tests can point it at a loopback server and see every byte.

/** The part of fetch the client uses; tests may hand their own. */
export type GithubFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface GithubApiOptions {
  /** bound on one call, its retry included (default 10 s) */
  timeoutMs?: number;
  /** pause before the one retry (default 500 ms; shortened to fit the bound) */
  retryDelayMs?: number;
  /** masked in every message, next to the token */
  secrets?: readonly string[];
  fetchImpl?: GithubFetch;
}

export type ApiResponse =
  | { ok: true; status: number; data: unknown }
  /** `error` is for a person and never contains the token */
  | { ok: false; status?: number; error: string };

const defaultFetch: GithubFetch = (url, init) => undiciFetch(url, init);

/**
 * One GitHub REST call: bounded by a timeout, retried once on a network error or a 5xx, never throws.
 * A GitHub problem must never fail or stall a deploy, so callers get a value to turn into a warning.
 */
export class GithubApi {
  private readonly timeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly secrets: readonly string[];
  private readonly fetchImpl: GithubFetch;

  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
    opts: GithubApiOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.retryDelayMs = opts.retryDelayMs ?? 500;
    this.secrets = [token, ...(opts.secrets ?? [])];
    this.fetchImpl = opts.fetchImpl ?? defaultFetch;
  }

  mask(text: string): string {
    return redact(text, this.secrets);
  }

  /**
   * `deadline` (epoch ms) caps this call further, so an operation made of several calls (find the
   * comment, then update it) stays within its own budget.
   */
  async request(method: string, path: string, body?: unknown, deadline?: number): Promise<ApiResponse> {
    const begun = Date.now();
    const end = Math.min(begun + this.timeoutMs, deadline ?? Infinity);
    const what = `GitHub API ${method} ${path.replace(/\?.*$/, '')}`;
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${this.token}`,
      'user-agent': 'glidepath',
      'x-github-api-version': '2022-11-28',
    };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = 'application/json; charset=utf-8';

    let last: ApiResponse = { ok: false, error: `${what} was not called: no time left` };
    for (let attempt = 1; attempt <= 2; attempt++) {
      const remaining = end - Date.now();
      if (remaining <= 0) break;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), remaining);
      let retry = false;
      try {
        const res = await this.fetchImpl(this.apiUrl + path, {
          method,
          headers,
          ...(payload !== undefined ? { body: payload } : {}),
          signal: controller.signal,
        });
        const text = await res.text();
        const data = parseJson(text);
        if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, data };
        last = {
          ok: false,
          status: res.status,
          error: this.mask(`${what} answered HTTP ${res.status}${detail(data)}${hint(res.status)}`),
        };
        retry = res.status >= 500;
      } catch (err) {
        last = controller.signal.aborted
          ? { ok: false, error: `${what} did not answer within ${end - begun} ms` }
          : { ok: false, error: this.mask(`${what} failed: ${describe(err)}`) };
        retry = true;
      } finally {
        clearTimeout(timer);
      }
      if (!retry || attempt === 2) break;
      const pause = Math.min(this.retryDelayMs, end - Date.now());
      if (pause <= 0) break;
      await new Promise((r) => setTimeout(r, pause));
    }
    return last;
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** GitHub's own explanation, cut short: `: Resource not accessible by integration`. */
function detail(data: unknown): string {
  const m = (data as { message?: unknown } | undefined)?.message;
  return typeof m === 'string' && m ? `: ${m.slice(0, 200)}` : '';
}

function hint(status: number): string {
  if (status === 401) return ' (github-token is missing, expired or not a token)';
  if (status === 403 || status === 404)
    return ' (does the workflow grant the permission? see `permissions:`; pull requests from forks get a read-only token)';
  return '';
}

/** Why a request failed without an answer: undici puts the reason in `cause`. */
function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  if (e?.cause?.code) return e.cause.code;
  return e?.cause?.message ?? e?.message ?? String(err);
}
