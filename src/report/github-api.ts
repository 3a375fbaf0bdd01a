// A bounded client for GitHub's REST API: @actions/github's Octokit, loaded on first use, one retry, never throws.
import type { GitHub } from '@actions/github/lib/utils';
import { redact } from '../shared/redact.js';

type Toolkit = typeof import('@actions/github/lib/utils');
type Octokit = InstanceType<typeof GitHub>;
/** Octokit's typed REST methods, as `call` picks one: `(rest) => rest.repos.createDeployment`. */
export type Rest = Octokit['rest'];

/** One of Octokit's REST methods: it makes the request, and says which request it would make. */
interface Endpoint<P, R> {
  (params: P): Promise<R>;
  endpoint(params: NoInfer<P>): { method: string; url: string };
}

export interface GithubApiOptions {
  /** bound on one call, its retry included (default 10 s) */
  timeoutMs?: number;
  /** pause before the one retry (default 500 ms; shortened to fit the bound) */
  retryDelayMs?: number;
  /** masked in every message, next to the token */
  secrets?: readonly string[];
}

export type ApiResponse<T = unknown> =
  | { ok: true; status: number; data: T }
  /** `error` is for a person and never contains the token */
  | { ok: false; status?: number; error: string };

/** The REST API version the request and response shapes here were written against. */
const API_VERSION = '2022-11-28';

let toolkit: Promise<Toolkit> | undefined;
/**
 * Octokit and its HTTP stack are loaded the first time a call is made, so `command: plan` and runs
 * with neither `environment` nor a pull request never load them.
 */
const loadToolkit = (): Promise<Toolkit> => (toolkit ??= import('@actions/github/lib/utils'));

/**
 * One GitHub REST call: bounded by a timeout, retried once on a network error or a 5xx, never throws.
 * A GitHub problem must never fail or stall a deploy, so callers get a value to turn into a warning.
 * Octokit brings no retry or timeout of its own (no plugins beyond the REST methods and pagination).
 */
export class GithubApi {
  private readonly timeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly secrets: readonly string[];
  private octokit: Promise<Octokit> | undefined;

  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
    opts: GithubApiOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.retryDelayMs = opts.retryDelayMs ?? 500;
    this.secrets = [token, ...(opts.secrets ?? [])];
  }

  mask(text: string): string {
    return redact(text, this.secrets);
  }

  /**
   * Calls the REST method `pick` chooses with `params`. `deadline` (epoch ms) caps this call further,
   * so an operation made of several calls (find the comment, then update it) stays within its budget.
   */
  async call<P, R extends { status: number; data: unknown }>(
    pick: (rest: Rest) => Endpoint<P, R>,
    params: P,
    deadline?: number,
  ): Promise<ApiResponse<R['data']>> {
    let method: Endpoint<P, R>;
    let what: string;
    try {
      method = pick((await this.client()).rest);
      what = this.name(method.endpoint(params));
    } catch (err) {
      return { ok: false, error: this.mask(`the GitHub API client could not be loaded: ${describe(err)}`) };
    }
    // the bound starts once the client is loaded (a local module, the first call only): it is GitHub's
    // time to answer; `deadline` still counts everything
    const begun = Date.now();
    const end = Math.min(begun + this.timeoutMs, deadline ?? Infinity);

    let last: ApiResponse<R['data']> = { ok: false, error: `${what} was not called: no time left` };
    for (let attempt = 1; attempt <= 2; attempt++) {
      const remaining = end - Date.now();
      if (remaining <= 0) break;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), remaining);
      let retry = false;
      try {
        const res = await method({ ...params, request: { signal: controller.signal } });
        return { ok: true, status: res.status, data: res.data };
      } catch (err) {
        const answered = (err as { response?: { status: number; data: unknown } }).response;
        if (controller.signal.aborted) {
          last = { ok: false, error: `${what} did not answer within ${end - begun} ms` };
        } else if (answered) {
          const { status, data } = answered;
          last = {
            ok: false,
            status,
            error: this.mask(`${what} answered HTTP ${status}${detail(data)}${hint(status)}`),
          };
        } else {
          last = { ok: false, error: this.mask(`${what} failed: ${describe(err)}`) };
        }
        retry = !answered || answered.status >= 500;
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

  /** `GitHub API POST /repos/o/r/deployments`: the path under the API URL, without the query. */
  private name(request: { method: string; url: string }): string {
    const path = request.url.startsWith(this.apiUrl) ? request.url.slice(this.apiUrl.length) : request.url;
    return `GitHub API ${request.method} ${path.replace(/\?.*$/, '')}`;
  }

  private client(): Promise<Octokit> {
    return (this.octokit ??= loadToolkit().then(({ GitHub, getUserAgentWithOrchestrationId }) => {
      // baseUrl given here, not read from GITHUB_API_URL when the toolkit loaded: the context decides
      const octokit = new GitHub({
        baseUrl: this.apiUrl,
        userAgent: getUserAgentWithOrchestrationId('glidepath'),
      });
      // Octokit's own token auth writes `token <t>`; this client has always sent GitHub's documented
      // `Bearer <t>`, and pins the API version the shapes above were written against.
      octokit.hook.before('request', (options) => {
        options.headers.authorization = `Bearer ${this.token}`;
        options.headers['x-github-api-version'] = API_VERSION;
      });
      return octokit;
    }));
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

/**
 * Why a request failed without an answer. Octokit wraps fetch's error, which wraps the socket's:
 * the innermost code (`ECONNREFUSED`) says most, else the innermost message.
 */
function describe(err: unknown): string {
  let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  let message = String(err);
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (typeof e.code === 'string' && e.code) return e.code;
    if (typeof e.message === 'string' && e.message) message = e.message;
    e = e.cause as typeof e;
  }
  return message;
}
