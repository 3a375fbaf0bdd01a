// HTTP probes (undici): one GET per URL, judged on status, body and time; the `http-probe` check and the pre-traffic gate.
import * as tls from 'node:tls';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { Agent, request, type Dispatcher } from 'undici';
import type { BodyCheck, Config, ProbeTarget, Slot, StatusRange } from '../config/types.js';
import { formatDuration } from '../config/durations.js';
import type { Check, CheckContext } from '../ports/checks.js';
import type { Signal } from '../judge/types.js';
import { withHandedBackUrl } from '../ports/handed-back.js';

export type ProbeSignal = Extract<Signal, { kind: 'probe' }>;

export interface ProbeOptions {
  expect: StatusRange[];
  body?: BodyCheck;
  /** values are secrets: sent, never repeated in a signal */
  headers: Record<string, string>;
  timeoutMs: number;
  via: 'service' | 'slot';
  /** epoch ms for the signal's `at` (the engine's clock) */
  now: () => number;
  /** defaults to undici's global dispatcher; the check passes its own keep-alive agent */
  dispatcher?: Dispatcher;
  /** cancellation of the run */
  signal?: AbortSignal;
}

/** Bodies are read up to this many bytes: enough for any health document, bounded for a runaway one. */
export const MAX_BODY_BYTES = 64 * 1024;
const QUOTE_MAX = 60;

/**
 * Probe one URL once. Never throws: every outcome is a signal, failures carry an `error` a person reads.
 * The timeout covers the whole exchange (connect, headers and body), so a server that hangs at any
 * point fails at ~timeoutMs. Latency is measured with the monotonic clock: `now` may be a test
 * clock that does not move while real I/O takes real time.
 */
export async function probeUrl(url: string, opts: ProbeOptions): Promise<ProbeSignal> {
  const at = opts.now();
  const started = performance.now();
  const shownUrl = redactUrl(url);
  const base = { kind: 'probe' as const, at, url: shownUrl, via: opts.via };
  const done = (fields: { ok: boolean; status?: number; error?: string }): ProbeSignal => ({
    ...base,
    ...fields,
    latencyMs: Math.round((performance.now() - started) * 10) / 10,
  });

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return done({ ok: false, error: 'invalid URL (expected an absolute http:// or https:// URL)' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return done({
      ok: false,
      error: `unsupported scheme ${parsed.protocol.replace(/:$/, '')} (expected http or https)`,
    });
  }

  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(new Error('probe timeout')), opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timer.signal, opts.signal]) : timer.signal;
  try {
    const res = await request(parsed, {
      method: 'GET',
      headers: withUserAgent(opts.headers),
      signal,
      ...(opts.dispatcher && { dispatcher: opts.dispatcher }),
    });
    const { text, truncated } = await readCapped(res.body);
    const status = res.statusCode;
    const bodyError = opts.body ? checkBody(text, truncated, opts.body, opts.headers) : undefined;
    const result = !opts.expect.some((r) => status >= r.min && status <= r.max)
      ? done({ ok: false, status, error: `status ${status} not in ${formatRanges(opts.expect)}` })
      : done(bodyError ? { ok: false, status, error: bodyError } : { ok: true, status });
    // undici hands the socket back to the pool just after the body ends; yielding one turn lets a
    // probe started right after this one reuse it instead of opening a second connection
    await nextTurn();
    return result;
  } catch (err) {
    if (timer.signal.aborted)
      return done({ ok: false, error: `timed out after ${formatDuration(opts.timeoutMs)} (probe-timeout)` });
    if (opts.signal?.aborted) return done({ ok: false, error: 'cancelled' });
    return done({ ok: false, error: describeError(err, parsed, opts.timeoutMs, opts.headers) });
  } finally {
    clearTimeout(timeout);
  }
}

/** What a line of health-urls or pre-traffic-urls asks of its answer, over the shared options. */
const expecting = (t: ProbeTarget) => ({ expect: t.expect, body: t.body });

/**
 * Probes of the idle slot before any traffic moves: `{slot}` in each URL becomes the target slot.
 * Each line is judged on its own expectations. The engine treats any failed signal as "nothing moves".
 */
export async function preTrafficProbe(
  targets: readonly ProbeTarget[],
  target: Slot,
  opts: Omit<ProbeOptions, 'via' | 'expect' | 'body'>,
  handedBack?: string,
): Promise<ProbeSignal[]> {
  return Promise.all(
    targets.map((t) =>
      probeLine(forSlot(t.url, target), handedBack, { ...opts, ...expecting(t), via: 'slot' }),
    ),
  );
}

/**
 * A line probed with `{url}` filled in by the URL a hook handed back; without one the probe fails
 * saying so (the engine's url gate stops a run before this happens).
 */
async function probeLine(
  template: string,
  handedBack: string | undefined,
  opts: ProbeOptions,
): Promise<ProbeSignal> {
  const url = withHandedBackUrl(template, handedBack);
  if (url !== undefined) return probeUrl(url, opts);
  return {
    kind: 'probe',
    at: opts.now(),
    url: template,
    via: opts.via,
    ok: false,
    latencyMs: 0,
    error: 'uses {url}, but no hook handed back a URL (url= in GLIDEPATH_OUTPUT)',
  };
}

export function forSlot(url: string, slot: Slot): string {
  return url.replaceAll('{slot}', slot);
}

export type HttpProbeSettings = Pick<
  Config,
  'healthUrls' | 'preTrafficUrls' | 'healthHeaders' | 'probeTimeoutMs'
>;

/**
 * Probes every health URL (through the service) and every pre-traffic URL (straight at the target
 * slot) once per evaluation, concurrently. One keep-alive agent per check, so a probe every few
 * seconds reuses its connection instead of paying a TCP (and TLS) handshake each time.
 */
export class HttpProbeCheck implements Check {
  readonly name = 'http-probe';
  private readonly dispatcher: Dispatcher;
  private readonly owned: Agent | undefined;

  constructor(
    private readonly settings: HttpProbeSettings,
    private readonly deps: {
      now?: () => number;
      dispatcher?: Dispatcher;
      /** the paired check probes pre-traffic-urls at both slots: not again here */
      preTrafficPaired?: boolean;
      /** the URL a hook handed back so far, for `{url}` in the lines */
      handedBack?: () => string | undefined;
    } = {},
  ) {
    this.owned = deps.dispatcher ? undefined : createProbeAgent();
    this.dispatcher = deps.dispatcher ?? (this.owned as Agent);
  }

  async collect(ctx: CheckContext): Promise<Signal[]> {
    const common = this.options(this.deps.now ?? (() => ctx.now), ctx.signal);
    const handed = this.deps.handedBack?.();
    return Promise.all([
      ...this.settings.healthUrls.map((t) =>
        probeLine(t.url, handed, { ...common, ...expecting(t), via: 'service' }),
      ),
      ...(this.deps.preTrafficPaired ? [] : this.settings.preTrafficUrls).map((t) =>
        probeLine(forSlot(t.url, ctx.target), handed, { ...common, ...expecting(t), via: 'slot' }).then(
          (s): Signal => ({ ...s, slot: ctx.target }),
        ),
      ),
    ]);
  }

  /** The pre-traffic gate: every pre-traffic URL once, straight at `target`, through the same agent (and CAs). */
  probeSlot(target: Slot, signal?: AbortSignal): Promise<ProbeSignal[]> {
    return preTrafficProbe(
      this.settings.preTrafficUrls,
      target,
      this.options(this.deps.now ?? Date.now, signal),
      this.deps.handedBack?.(),
    );
  }

  private options(
    now: () => number,
    signal: AbortSignal | undefined,
  ): Omit<ProbeOptions, 'via' | 'expect' | 'body'> {
    const s = this.settings;
    return {
      headers: s.healthHeaders,
      timeoutMs: s.probeTimeoutMs,
      now,
      dispatcher: this.dispatcher,
      ...(signal && { signal }),
    };
  }

  async close(): Promise<void> {
    await this.owned?.close();
  }
}

/**
 * A keep-alive agent (connections pooled per origin) that trusts the OS certificate store as well as
 * Node's bundled roots where the runtime can read it (Node ≥ 22.15 / 23.5; Node 24 on runners), so a
 * service behind a company CA installed on a self-hosted runner probes without extra setup.
 */
export function createProbeAgent(): Agent {
  const ca = trustedCAs();
  return new Agent({ keepAliveTimeout: 30_000, ...(ca && { connect: { ca } }) });
}

function trustedCAs(): string[] | undefined {
  const get = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (typeof get !== 'function') return undefined;
  try {
    return [...new Set([...get('default'), ...get('system')])];
  } catch {
    return undefined;
  }
}

async function readCapped(body: AsyncIterable<Buffer>): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk.subarray(0, MAX_BODY_BYTES - size));
    size += chunk.length;
    // leaving the loop destroys the stream (and that one connection): the rest is never needed
    if (size >= MAX_BODY_BYTES) return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

function checkBody(
  text: string,
  truncated: boolean,
  check: BodyCheck,
  headers: Record<string, string>,
): string | undefined {
  const partial = truncated ? ` (first ${MAX_BODY_BYTES / 1024} KiB read)` : '';
  if (check.kind === 'contains') {
    return text.includes(check.text) ? undefined : `body lacks ${quote(check.text)}${partial}`;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return `body is not JSON${partial}, needed for ${check.text}`;
  }
  const path = formatPath(check.path);
  const found = walk(doc, check.path);
  const expected = quote(JSON.stringify(check.value) ?? String(check.value), false);
  if (!found.ok) {
    return check.op === '==' ? `${path} is missing, expected ${expected}` : undefined;
  }
  const equal = isDeepStrictEqual(found.value, check.value);
  // the value comes from the server, which may echo request headers back: scrub it
  const actual = scrub(show(found.value), headers);
  if (check.op === '==' && !equal) return `${path} is ${actual}, expected ${expected}`;
  if (check.op === '!=' && equal) return `${path} is ${actual}, expected anything else`;
  return undefined;
}

function walk(doc: unknown, path: readonly string[]): { ok: true; value: unknown } | { ok: false } {
  let cur: unknown = doc;
  for (const key of path) {
    if (Array.isArray(cur) && /^\d+$/.test(key) && Number(key) < cur.length) cur = cur[Number(key)];
    else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && Object.hasOwn(cur, key)) {
      cur = (cur as Record<string, unknown>)[key];
    } else return { ok: false };
  }
  return { ok: true, value: cur };
}

function formatPath(path: readonly string[]): string {
  return '$' + path.map((k) => (/^\d+$/.test(k) ? `[${k}]` : `.${k}`)).join('');
}

function show(value: unknown): string {
  return quote(JSON.stringify(value) ?? 'undefined', false);
}

/** `"ready"` for text; JSON text is shown as is, cut when long. */
function quote(text: string, wrap = true): string {
  const cut = text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX - 1)}…` : text;
  return wrap ? `"${cut}"` : cut;
}

/** Our user agent unless the user set one (in any letter case): two would reach the server otherwise. */
function withUserAgent(headers: Record<string, string>): Record<string, string> {
  const set = Object.keys(headers).some((k) => k.toLowerCase() === 'user-agent');
  return set ? headers : { 'user-agent': 'glidepath-probe', ...headers };
}

function formatRanges(ranges: readonly StatusRange[]): string {
  return ranges.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}-${r.max}`)).join(',');
}

/** Network errors as a person reads them, keyed on error codes rather than undici's wording. */
function describeError(err: unknown, url: URL, timeoutMs: number, headers: Record<string, string>): string {
  const codes = errorCodes(err);
  const has = (...c: string[]) => c.some((x) => codes.includes(x));
  if (has('ECONNREFUSED')) return 'connection refused';
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME')) return `host ${url.hostname} not found`;
  if (has('UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT')) {
    return `timed out after ${formatDuration(timeoutMs)} (probe-timeout)`;
  }
  if (has('EHOSTUNREACH', 'ENETUNREACH')) return `host ${url.hostname} unreachable`;
  if (has('ECONNRESET', 'EPIPE')) return 'connection reset by the server';
  if (has('UND_ERR_SOCKET')) return 'connection closed by the server before a complete response';
  const notHttp = parserError(err, headers);
  if (notHttp) return notHttp;
  const tlsCode = codes.find((c) => /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(c));
  // a server that does not speak TLS at all is no certificate problem: say which it is
  if (tlsCode && /WRONG_VERSION_NUMBER|UNKNOWN_PROTOCOL|HTTP_REQUEST|PACKET_LENGTH_TOO_LONG/.test(tlsCode))
    return `TLS handshake failed: the server does not answer in TLS on this port (${tlsCode}); is the URL http://?`;
  if (tlsCode && /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(tlsCode))
    return `TLS certificate not accepted (${tlsCode})`;
  if (tlsCode) return `TLS handshake failed (${tlsCode})`;
  // undici's own wording, which we do not control: scrubbed of header values
  const message = scrub(err instanceof Error ? err.message : String(err), headers);
  return codes[0] ? `${message} (${codes[0]})` : message;
}

/**
 * An answer that is not HTTP (another service on the port, a proxy's error page in another
 * protocol): undici's reason and the bytes it choked on, scrubbed, which usually name the culprit.
 */
function parserError(err: unknown, headers: Record<string, string>, depth = 0): string | undefined {
  if (depth > 3 || err === null || typeof err !== 'object') return undefined;
  const e = err as { name?: unknown; message?: unknown; data?: unknown; cause?: unknown };
  if (e.name === 'HTTPParserError' || (err as object).constructor?.name === 'HTTPParserError') {
    const why = /\(([^()]*)\)$/.exec(String(e.message ?? ''))?.[1];
    const data = typeof e.data === 'string' ? scrub(e.data, headers) : '';
    const sent = data
      ? `: it sent ${JSON.stringify(data.length > QUOTE_MAX ? `${data.slice(0, QUOTE_MAX)}…` : data)}`
      : '';
    return `the answer is not HTTP${why ? ` (${why})` : ''}${sent}`;
  }
  return parserError(e.cause, headers, depth + 1);
}

function errorCodes(err: unknown, depth = 0): string[] {
  if (depth > 3 || err === null || typeof err !== 'object') return [];
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  const own = typeof e.code === 'string' ? [e.code] : [];
  const nested = [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])].flatMap((x) =>
    errorCodes(x, depth + 1),
  );
  return [...own, ...nested];
}

/** Header values are secrets: text we did not write (server values, library messages) loses every one. */
function scrub(text: string, headers: Record<string, string>): string {
  let out = text;
  for (const value of Object.values(headers)) {
    if (value !== '') out = out.split(value).join('***');
  }
  return out;
}

/** A password in the URL's userinfo never reaches a signal (signals go to the log and the report). */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
