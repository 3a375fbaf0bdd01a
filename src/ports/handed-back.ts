// What hooks hand back through the file named in GLIDEPATH_OUTPUT (`url=<URL>` lines), and where it goes.
import { URL_PLACEHOLDER, fillUrl, usesHandedBackUrl } from '../config/urls.js';
import type { TimelineEvent } from './timeline.js';

export { URL_PLACEHOLDER, fillUrl, usesHandedBackUrl };

/** The URL the latest hook that wrote one handed back, from the timeline; undefined when none did. */
export function handedBackUrl(events: readonly TimelineEvent[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === 'hook' && e.result.url) return e.result.url;
  }
  return undefined;
}

/**
 * A URL input with `{url}` filled in; the input itself when it has none; undefined when it needs a
 * handed-back URL and no hook wrote one.
 */
export function withHandedBackUrl(template: string, url: string | undefined): string | undefined {
  if (!usesHandedBackUrl(template)) return template;
  return url === undefined ? undefined : fillUrl(template, url);
}

/**
 * What a hook wrote to its GLIDEPATH_OUTPUT file: the last `url=` line wins. Other names are left for
 * later use and ignored; a `url=` that is not an absolute http(s) URL is a problem of the hook.
 */
export function parseHookOutput(text: string): { url?: string; problem?: string } {
  let last: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const m = /^\s*url\s*=(.*)$/.exec(raw);
    if (m) last = m[1]!.trim();
  }
  if (last === undefined) return {};
  let parsed: URL | undefined;
  try {
    parsed = new URL(last);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) {
    return {
      problem: `wrote url=${last.slice(0, 200)} to GLIDEPATH_OUTPUT, which is not an absolute http or https URL (like url=https://pr-42.example.com/)`,
    };
  }
  return { url: last };
}

/**
 * The link of the deployment and the PR comment: environment-url with `{url}` filled in, else the
 * URL a hook handed back (a preview's address is often known only once it is deployed).
 */
export function environmentLink(
  environmentUrl: string | undefined,
  handed: string | undefined,
): string | undefined {
  return environmentUrl ? withHandedBackUrl(environmentUrl, handed) : handed;
}
