// Per-URL expectations: a line of health-urls or pre-traffic-urls is `URL [expect=CODES] [body=CHECK]`.
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../../src/config/parse.js';
import type { ConfigResult, ProbeTarget } from '../../src/config/types.js';

const HAPROXY = {
  provider: 'haproxy',
  'blue-target': 'app/blue',
  'green-target': 'app/green',
  'haproxy-socket': '/run/haproxy/admin.sock',
};

const OK_2XX = [{ min: 200, max: 299 }];
const READY = { kind: 'json', path: ['status'], op: '==', value: 'ready', text: '$.status == "ready"' };

function targets(result: ConfigResult, input: 'health-urls' | 'pre-traffic-urls'): ProbeTarget[] {
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return input === 'health-urls' ? result.config.healthUrls : result.config.preTrafficUrls;
}

describe('good lines', () => {
  it.each<[string, string, Partial<ProbeTarget>]>([
    ['a URL alone takes the defaults', 'https://app.example.com/health', { expect: OK_2XX }],
    [
      'expect= alone',
      'https://app.example.com/health expect=200',
      { url: 'https://app.example.com/health', expect: [{ min: 200, max: 200 }] },
    ],
    [
      'expect= with a range and a list',
      'https://app.example.com/health   expect=200-299,304',
      {
        expect: [
          { min: 200, max: 299 },
          { min: 304, max: 304 },
        ],
      },
    ],
    [
      'expect= with spaces after the commas',
      'https://app.example.com/health expect=200, 204',
      {
        expect: [
          { min: 200, max: 200 },
          { min: 204, max: 204 },
        ],
      },
    ],
    [
      'body= with a JSON check keeps its spaces',
      'https://app.example.com/health/ready body=$.status == "ready"',
      { expect: OK_2XX, body: READY as ProbeTarget['body'] },
    ],
    [
      'both, expect first',
      'https://app.example.com/health/ready expect=200 body=$.status == "ready"',
      { expect: [{ min: 200, max: 200 }], body: READY as ProbeTarget['body'] },
    ],
    [
      'body= as text to contain, spaces and = included',
      'https://app.example.com/ body=<title>Shop = open</title>',
      { body: { kind: 'contains', text: '<title>Shop = open</title>' } },
    ],
    [
      'expect= inside the query is part of the URL',
      'https://app.example.com/health?expect=1',
      { url: 'https://app.example.com/health?expect=1', expect: OK_2XX },
    ],
    [
      'a tab between the URL and a key',
      'https://app.example.com/health\texpect=204',
      { expect: [{ min: 204, max: 204 }] },
    ],
  ])('%s', (_name, line, want) => {
    const [t] = targets(parseInputs({ ...HAPROXY, 'health-urls': line }), 'health-urls');
    expect(t).toMatchObject({ text: line.trim(), ...want });
  });

  it('a line fills in from health-expect and health-body only what it does not say itself', () => {
    const [plain, ownExpect, ownBody] = targets(
      parseInputs({
        ...HAPROXY,
        'health-expect': '200,204',
        'health-body': 'OK',
        'health-urls': [
          'https://a.example.com/health',
          'https://a.example.com/ready expect=200',
          'https://a.example.com/ready body=$.status == "ready"',
        ].join('\n'),
      }),
      'health-urls',
    );
    const defaults = [
      { min: 200, max: 200 },
      { min: 204, max: 204 },
    ];
    expect(plain).toMatchObject({ expect: defaults, body: { kind: 'contains', text: 'OK' } });
    expect(ownExpect).toMatchObject({
      expect: [{ min: 200, max: 200 }],
      body: { kind: 'contains', text: 'OK' },
    });
    expect(ownBody).toMatchObject({ expect: defaults, body: READY });
  });

  it('pre-traffic-urls takes the same form, {slot} included', () => {
    const [t] = targets(
      parseInputs({ ...HAPROXY, 'pre-traffic-urls': 'http://{slot}.internal:8080/ready expect=204' }),
      'pre-traffic-urls',
    );
    expect(t).toMatchObject({ url: 'http://{slot}.internal:8080/ready', expect: [{ min: 204, max: 204 }] });
  });
});

describe('bad lines: one error each, naming the input, the line and the accepted form', () => {
  it.each<[string, 'health-urls' | 'pre-traffic-urls', string, RegExp]>([
    [
      'a status without expect=',
      'health-urls',
      'https://a.example.com/health 200',
      /^health-urls: "https:\/\/a\.example\.com\/health 200" \(line 1\) has "200" after the URL, which is neither expect= nor body=; for a status write expect=200; write a URL, then optionally expect=CODES and body=CHECK/,
    ],
    [
      'an unknown word',
      'health-urls',
      'https://a.example.com/health status=200',
      /\(line 1\) has "status=200" after the URL, which is neither expect= nor body=; write a URL/,
    ],
    [
      'expect= that is not a status list',
      'health-urls',
      'https://a.example.com/health expect=2xx',
      /\(line 1\) has expect=2xx, which must be HTTP status codes and ranges between 100 and 599/,
    ],
    ['an empty expect=', 'health-urls', 'https://a.example.com/health expect=', /has expect=, which must be/],
    [
      'expect= out of range',
      'pre-traffic-urls',
      'http://{slot}.internal/health expect=99',
      /^pre-traffic-urls: .*\(line 1\) has expect=99, which must be/,
    ],
    [
      'expect= twice',
      'health-urls',
      'https://a.example.com/health expect=200 expect=204',
      /has expect= twice; give one list, like expect=200,204/,
    ],
    [
      'expect= after body=',
      'health-urls',
      'https://a.example.com/health body=ok expect=200',
      /has expect= after body=; put expect= first, because body= takes the rest of the line/,
    ],
    [
      'an empty body=',
      'health-urls',
      'https://a.example.com/health body=',
      /has an empty body=; give text the body must contain or a JSON check/,
    ],
    [
      'a broken JSON check',
      'health-urls',
      'https://a.example.com/health body=$.status = "ready"',
      /has body=\$\.status = "ready", which is read as a JSON check \(it starts with \$\.\) but is not one/,
    ],
    [
      'a JSON check with an unquoted string',
      'health-urls',
      'https://a.example.com/health body=$.status == ready',
      /which compares with ready, which is not a JSON value: put strings in double quotes/,
    ],
    [
      'no URL before the expectations',
      'health-urls',
      'expect=200 https://a.example.com/health',
      /^health-urls: "expect=200 https:\/\/a\.example\.com\/health" \(line 1\) must start with an absolute http or https URL/,
    ],
    [
      'a URL without a scheme',
      'pre-traffic-urls',
      '{slot}.internal/health expect=200',
      /^pre-traffic-urls: .*\(line 1\) must start with an absolute http or https URL/,
    ],
  ])('%s', (_name, input, line, message) => {
    const r = parseInputs({ ...HAPROXY, [input]: line });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ input, value: line });
    expect(r.errors[0]!.message).toMatch(message);
  });

  it('counts lines as written, blank ones included, and reports every bad line', () => {
    const r = parseInputs({
      ...HAPROXY,
      'health-urls':
        'https://a.example.com/ok\n\nhttps://a.example.com/x expect=abc\nhttps://a.example.com/y 503',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.input, /\(line (\d+)\)/.exec(e.message)?.[1]])).toEqual([
      ['health-urls', '3'],
      ['health-urls', '4'],
    ]);
  });
});

describe('{url}: the URL a hook hands back (url= in GLIDEPATH_OUTPUT)', () => {
  it('is checked at parse time with a stand-in in its place, and kept as typed', () => {
    const r = parseInputs({
      ...HAPROXY,
      'health-urls': '{url}health\n{url}/health/ready expect=200 body=$.status == "ready"',
      'pre-traffic-urls': '{url}{slot}/health',
      'environment-url': '{url}',
    });
    expect(targets(r, 'health-urls').map((t) => t.url)).toEqual(['{url}health', '{url}/health/ready']);
    expect(targets(r, 'pre-traffic-urls').map((t) => t.url)).toEqual(['{url}{slot}/health']);
    expect(r.ok && r.config.environmentUrl).toBe('{url}');
  });

  it.each<[string, Record<string, string>, string, RegExp]>([
    [
      'a misspelt placeholder',
      { 'health-urls': '{ur}health' },
      'health-urls',
      /must start with an absolute http or https URL/,
    ],
    [
      'environment-url not made into a URL',
      { 'environment-url': 'pr-{url}' },
      'environment-url',
      /must be an absolute http or https URL.*, or one made from \{url\} like \{url\}app\//,
    ],
    [
      'promote, which runs no hook before it probes',
      { command: 'promote', 'health-urls': '{url}health' },
      'health-urls',
      /^health-urls uses \{url\}, the URL a deploy's hooks hand back \(url= in GLIDEPATH_OUTPUT\), but command promote runs no such hook before it probes; give the URL itself in the promote job$/,
    ],
    [
      'promote and environment-url',
      { command: 'promote', 'environment-url': '{url}' },
      'environment-url',
      /command promote runs no such hook/,
    ],
    [
      'rollback probes pre-traffic-urls first',
      { command: 'rollback', 'pre-traffic-urls': '{url}health' },
      'pre-traffic-urls',
      /command rollback runs no such hook/,
    ],
  ])('refuses %s', (_name, inputs, input, message) => {
    const r = parseInputs({ ...HAPROXY, ...inputs });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.input)).toEqual([input]);
    expect(r.errors[0]!.message).toMatch(message);
  });

  it.each(['abort', 'status', 'deploy', 'plan'])('is fine with command %s', (command) => {
    const r = parseInputs({ ...HAPROXY, command, 'health-urls': '{url}health', 'environment-url': '{url}' });
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([]);
  });

  it('rollback does not probe health-urls, so {url} there is fine', () => {
    expect(parseInputs({ ...HAPROXY, command: 'rollback', 'health-urls': '{url}health' }).ok).toBe(true);
  });
});
