// The summary renderer loads everything from this machine, and draws a summary as a picture.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPng, summaryPage } from '../../scripts/render-summaries.js';

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].some((b) => existsSync(b));

describe('render-summaries', () => {
  it('builds a page that loads its styles and mermaid from node_modules, never from the network', () => {
    const md = '## ✅ Promoted\n\n```mermaid\nxychart-beta\n  x-axis ["a", "b"]\n  line [1, 2]\n```\n';
    for (const theme of ['light', 'dark'] as const) {
      const html = summaryPage(md, theme);
      expect(html).toContain(`github-markdown-${theme}.css`);
      expect(html).toMatch(/src="file:\/\/\/[^"]*node_modules\/mermaid\/dist\/mermaid\.min\.js"/);
      expect(html).not.toMatch(/(src|href)="https?:/);
      expect(html).toContain('code.language-mermaid');
    }
  });

  it.skipIf(!chromium)(
    'renders a summary with a chart to a PNG',
    () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'glidepath-render-'));
      try {
        const png = path.join(dir, 'x.png');
        renderPng(
          '## Chart\n\n```mermaid\nxychart-beta\n  x-axis ["a", "b"]\n  line [1, 2]\n```\n',
          'light',
          png,
        );
        const bytes = readFileSync(png);
        expect(bytes.subarray(1, 4).toString()).toBe('PNG');
        expect(bytes.length).toBeGreaterThan(5_000);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
