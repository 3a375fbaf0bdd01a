// Webhook notifications (Slack-compatible; `text` alone is enough for Teams and other incoming webhooks).
import { fetch as undiciFetch } from 'undici';
import type { Slot } from '../config/types.js';
import { redact } from '../shared/redact.js';

export type NotifyKind = 'start' | 'rollback' | 'promoted' | 'failed' | 'held';

export interface NotifyMessage {
  /** plain text: what Teams and generic webhooks show, and Slack's notification text */
  text: string;
  /** Slack Block Kit */
  blocks: unknown[];
}

/** The part of fetch that notify uses; tests may hand their own. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface NotifyOptions {
  /** bound on the whole call, retry included */
  timeoutMs?: number;
  /** masked in the message and in any error returned */
  secrets?: readonly string[];
  fetchImpl?: FetchLike;
  /** pause before the one retry (shortened to fit the timeout) */
  retryDelayMs?: number;
}

export interface NotifyResult {
  ok: boolean;
  /** HTTP status of the last attempt, when one answered */
  status?: number;
  attempts: number;
  /** for a person; never contains the webhook URL */
  error?: string;
}

export interface MessageDetails {
  /** e.g. `octo/shop` */
  repository?: string;
  environment?: string;
  strategy?: string;
  /** as a person reads them: `blue`, or `version 8` when the router names its slots */
  live?: Slot | string;
  target?: Slot | string;
  /** the new slot's percent */
  weight?: number;
  reason?: string;
  runUrl?: string;
  environmentUrl?: string;
}

/** Slack mrkdwn: only these three are special; everything else is shown as typed. */
const slackEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const slackLink = (url: string, label: string): string | undefined =>
  /^https?:\/\//i.test(url)
    ? `<${url.replace(/[<>|\s]/g, encodeURIComponent)}|${slackEscape(label)}>`
    : undefined;

/** The message for one moment of a run; the text stands on its own without the blocks. */
export function messageFor(kind: NotifyKind, d: MessageDetails = {}): NotifyMessage {
  const where = [d.repository, d.environment].filter(Boolean).join(' → ') || 'deployment';
  const w = d.weight !== undefined ? `${d.weight}%` : undefined;
  let headline: string;
  switch (kind) {
    case 'start':
      headline = `🚀 Glidepath: deploying ${where}${d.target ? ` to ${d.target}` : ''}${d.strategy ? ` (${d.strategy})` : ''}`;
      break;
    case 'promoted':
      headline = `✅ Glidepath: ${where} promoted${d.live ? `, ${d.live} is live` : ''}`;
      break;
    case 'rollback':
      headline = `↩️ Glidepath: ${where} rolled back${d.live ? `, ${d.live} is live again` : ''}`;
      break;
    case 'held':
      headline = `⏸️ Glidepath: ${where} held${w ? ` at ${w}` : ''}${d.target ? ` on ${d.target}` : ''}; run promote or abort to finish`;
      break;
    case 'failed':
      headline = `❌ Glidepath: ${where} failed${d.live ? `, ${d.live} is live` : ''}`;
      break;
  }
  const lines = [headline];
  if (d.reason) lines.push(`Reason: ${d.reason}`);
  if (d.runUrl) lines.push(`Run: ${d.runUrl}`);
  if (d.environmentUrl) lines.push(`Environment: ${d.environmentUrl}`);
  const text = lines.join('\n');

  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: slackEscape(headline) } }];
  if (d.reason)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Reason:* ${slackEscape(d.reason)}` } });
  const links = [
    d.runUrl && slackLink(d.runUrl, 'View run'),
    d.environmentUrl && slackLink(d.environmentUrl, 'Environment'),
  ].filter((x): x is string => Boolean(x));
  if (links.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join(' · ') }] });
  return { text, blocks };
}

const defaultFetch: FetchLike = (url, init) => undiciFetch(url, init);

/** Why an attempt failed, without the URL (undici puts addresses in its messages, not paths, but be sure). */
function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.cause?.code) return e.cause.code;
  return e?.cause?.message ?? e?.message ?? String(err);
}

/**
 * Posts the message. Bounded by `timeoutMs` in total; one retry on a network error or a 5xx;
 * never throws and never logs or returns the URL.
 */
export async function notify(
  url: string,
  message: NotifyMessage | string,
  opts: NotifyOptions = {},
): Promise<NotifyResult> {
  const { timeoutMs = 5000, fetchImpl = defaultFetch, retryDelayMs = 300 } = opts;
  const secrets = [...(opts.secrets ?? []), url];
  const mask = (s: string) => redact(s, secrets);
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    return {
      ok: false,
      attempts: 0,
      error: 'notify-webhook is not an http(s) URL; expected e.g. https://hooks.slack.com/services/...',
    };
  }
  const msg = typeof message === 'string' ? { text: message, blocks: [] } : message;
  const body = mask(JSON.stringify(msg.blocks.length ? msg : { text: msg.text }));

  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  let last: NotifyResult = { ok: false, attempts: 0, error: 'webhook not called' };
  for (let attempt = 1; attempt <= 2; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    attempts = attempt;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), remaining);
    try {
      const res = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal: controller.signal,
      });
      // read the body so the connection is released; its content is not needed
      await res.text().catch(() => '');
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, attempts };
      last = { ok: false, status: res.status, attempts, error: `webhook answered HTTP ${res.status}` };
      if (res.status < 500) break;
    } catch (err) {
      last = controller.signal.aborted
        ? { ok: false, attempts, error: `webhook did not answer within ${timeoutMs} ms` }
        : { ok: false, attempts, error: mask(`webhook request failed: ${describe(err)}`) };
    } finally {
      clearTimeout(timer);
    }
    if (attempt === 1) {
      const pause = Math.min(retryDelayMs, deadline - Date.now());
      if (pause <= 0) break;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
  return { ...last, attempts, ...(last.error ? { error: mask(last.error) } : {}) };
}
