// What hooks hand back (url= in GLIDEPATH_OUTPUT) and how `{url}` is filled in.
import { describe, expect, it } from 'vitest';
import {
  environmentLink,
  fillUrl,
  handedBackUrl,
  parseHookOutput,
  withHandedBackUrl,
} from '../../src/ports/handed-back.js';
import type { TimelineEvent } from '../../src/ports/timeline.js';

describe('fillUrl: textual, except that a doubled slash at the seam collapses', () => {
  it.each([
    ['{url}/health', 'https://x/', 'https://x/health'],
    ['{url}health', 'https://x/', 'https://x/health'],
    ['{url}/health', 'https://x', 'https://x/health'],
    ['{url}health', 'https://x', 'https://xhealth'],
    ['{url}', 'https://pr-7.example.com/', 'https://pr-7.example.com/'],
    ['{url}//health', 'https://x/', 'https://x//health'],
    ['{url}health/ready?probe={url}', 'https://x/', 'https://x/health/ready?probe=https://x/'],
    ['https://static.example.com/health', 'https://x/', 'https://static.example.com/health'],
  ])('%s with %s → %s', (template, url, want) => {
    expect(fillUrl(template, url)).toBe(want);
  });
});

describe('parseHookOutput: the last url= line wins', () => {
  it.each<[string, string, { url?: string; problem?: RegExp }]>([
    ['nothing written', '', {}],
    ['other names only', 'version=42\nregion=eu', {}],
    ['one url', 'url=https://pr-42.example.com/\n', { url: 'https://pr-42.example.com/' }],
    [
      'the last of several',
      'url=https://old.example.com/\nurl=https://new.example.com/',
      { url: 'https://new.example.com/' },
    ],
    ['spaces and CRLF around', '  url = https://a.example.com/x \r\n', { url: 'https://a.example.com/x' }],
    [
      'a later bad one is the one that counts',
      'url=https://ok.example.com/\nurl=pr-42',
      { problem: /wrote url=pr-42 to GLIDEPATH_OUTPUT, which is not an absolute http or https URL/ },
    ],
    ['another scheme', 'url=ftp://files.example.com/', { problem: /not an absolute http or https URL/ }],
    ['empty', 'url=', { problem: /wrote url= to GLIDEPATH_OUTPUT/ }],
  ])('%s', (_name, text, want) => {
    const r = parseHookOutput(text);
    expect(r.url).toBe(want.url);
    if (want.problem) expect(r.problem).toMatch(want.problem);
    else expect(r.problem).toBeUndefined();
  });
});

describe('handedBackUrl and the links made from it', () => {
  const hook = (url?: string): TimelineEvent => ({
    at: 0,
    type: 'hook',
    hook: 'deploy',
    result: {
      hook: 'deploy',
      command: 'x',
      exitCode: 0,
      output: '',
      durationMs: 1,
      timedOut: false,
      ...(url ? { url } : {}),
    },
  });

  it('is the latest hook that wrote one; a later hook that wrote none keeps it', () => {
    expect(handedBackUrl([])).toBeUndefined();
    expect(handedBackUrl([hook('https://a/'), hook('https://b/'), hook()])).toBe('https://b/');
  });

  it('fills environment-url, or is the link itself when environment-url is not set', () => {
    expect(environmentLink(undefined, 'https://pr-1.example.com/')).toBe('https://pr-1.example.com/');
    expect(environmentLink('{url}app/', 'https://pr-1.example.com/')).toBe('https://pr-1.example.com/app/');
    expect(environmentLink('https://fixed.example.com/', 'https://pr-1.example.com/')).toBe(
      'https://fixed.example.com/',
    );
    expect(environmentLink('{url}', undefined)).toBeUndefined();
    expect(environmentLink(undefined, undefined)).toBeUndefined();
    expect(withHandedBackUrl('https://fixed/', undefined)).toBe('https://fixed/');
  });
});
