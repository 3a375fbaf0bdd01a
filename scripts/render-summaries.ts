// Renders job summaries (markdown plus mermaid) to PNG the way GitHub shows them, in its light and
// dark themes, with headless Chromium: node --import tsx scripts/render-summaries.ts [--out dir] [file.md ...]
// Without files it renders the golden summaries of __tests__/report/golden/. Everything is loaded
// from this machine (node_modules): no network.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { marked } from 'marked';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const modules = path.join(root, 'node_modules');
const WIDTH = 1012; // GitHub's job summary column, about

export type Theme = 'light' | 'dark';

/** What GitHub does to a summary before showing it, near enough: GFM, raw HTML kept, mermaid drawn. */
export function summaryPage(markdown: string, theme: Theme): string {
  const css = pathToFileURL(path.join(modules, 'github-markdown-css', `github-markdown-${theme}.css`)).href;
  const mermaid = pathToFileURL(path.join(modules, 'mermaid', 'dist', 'mermaid.min.js')).href;
  const body = marked.parse(markdown, { gfm: true, async: false });
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>rendering</title>
<link rel="stylesheet" href="${css}">
<style>
  html, body { margin: 0; background: ${theme === 'dark' ? '#0d1117' : '#ffffff'}; }
  .markdown-body { box-sizing: border-box; width: ${WIDTH}px; padding: 24px 32px; }
  pre.mermaid { background: transparent; text-align: center; }
</style></head>
<body><article class="markdown-body">${body}</article>
<script src="${mermaid}"></script>
<script>
  for (const code of document.querySelectorAll('code.language-mermaid')) {
    const box = document.createElement('pre');
    box.className = 'mermaid';
    box.textContent = code.textContent;
    code.parentElement.replaceWith(box);
  }
  mermaid.initialize({ startOnLoad: false, theme: ${JSON.stringify(theme === 'dark' ? 'dark' : 'default')} });
  mermaid
    .run()
    .then(() => { document.title = 'height:' + document.documentElement.scrollHeight; })
    .catch((e) => { document.title = 'error:' + String(e && e.message || e).replace(/\\s+/g, ' '); });
</script></body></html>`;
}

function chromium(): string {
  for (const bin of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (bin && existsSync(bin)) return bin;
  }
  throw new Error('chromium not found: apt-get install -y chromium (or set CHROMIUM)');
}

/** A fresh profile each time, and nothing that reaches out to the network. */
function run(args: string[]): string {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'glidepath-chromium-'));
  try {
    const r = spawnSync(
      chromium(),
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        '--allow-file-access-from-files',
        `--user-data-dir=${profile}`,
        '--virtual-time-budget=20000',
        ...args,
      ],
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.status !== 0)
      throw new Error(`chromium failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Renders one summary to `png`: a first pass measures the page once mermaid has drawn, the second shoots it. */
export function renderPng(markdown: string, theme: Theme, png: string): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-summary-'));
  try {
    const html = path.join(dir, 'summary.html');
    writeFileSync(html, summaryPage(markdown, theme));
    const url = pathToFileURL(html).href;
    const dom = run(['--window-size=' + `${WIDTH},1000`, '--dump-dom', url]);
    const title = /<title>([^<]*)<\/title>/.exec(dom)?.[1] ?? '';
    if (!title.startsWith('height:')) throw new Error(`mermaid did not render ${png}: ${title}`);
    const height = Math.min(Number(title.slice('height:'.length)) + 8, 16_000);
    run([`--window-size=${WIDTH},${height}`, `--screenshot=${png}`, url]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const out = at >= 0 ? args.splice(at, 2)[1]! : path.join(os.tmpdir(), 'glidepath-summaries');
  const golden = path.join(root, '__tests__', 'report', 'golden');
  const files = args.length
    ? args
    : readdirSync(golden)
        .filter((f) => f.endsWith('.md'))
        .map((f) => path.join(golden, f));
  mkdirSync(out, { recursive: true });
  for (const file of files) {
    const md = readFileSync(file, 'utf8');
    for (const theme of ['light', 'dark'] as const) {
      const png = path.join(out, `${path.basename(file, '.md')}-${theme}.png`);
      renderPng(md, theme, png);
      console.log(png);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
