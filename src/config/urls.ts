// Which URLs the action accepts for probes, links and webhooks.

export const HTTP_URL_FORM = 'an absolute http or https URL, like https://app.example.com/healthz';
export const WEBHOOK_URL_FORM =
  'an absolute https URL, like https://hooks.slack.com/services/T000/B000/XXXX (http only for localhost or 127.0.0.1)';

function parse(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** An absolute http(s) URL with a host. */
export function isHttpUrl(text: string): boolean {
  const url = parse(text);
  return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

const LOOPBACK = new Set(['localhost', '127.0.0.1']);

/** https anywhere; plain http only to the loopback host, where tests run their receivers. */
export function isWebhookUrl(text: string): boolean {
  if (!isHttpUrl(text)) return false;
  const url = parse(text);
  return url !== undefined && (url.protocol === 'https:' || LOOPBACK.has(url.hostname));
}

/** Where the URL a hook handed back (`url=` in GLIDEPATH_OUTPUT) goes in health-urls, pre-traffic-urls and environment-url. */
export const URL_PLACEHOLDER = '{url}';

/** What `{url}` is replaced by to check a URL input at parse time, before any hook has run. */
export const URL_STAND_IN = 'https://handed-back.glidepath.invalid/';

export const usesHandedBackUrl = (text: string): boolean => text.includes(URL_PLACEHOLDER);

/**
 * `{url}` replaced by `url`, textually, except that a doubled slash at the seam collapses:
 * with `https://x/`, both `{url}/health` and `{url}health` become `https://x/health`.
 */
export function fillUrl(template: string, url: string): string {
  return template.replace(/\{url\}(\/?)/g, (_m, slash: string) =>
    slash && url.endsWith('/') ? url : url + slash,
  );
}
