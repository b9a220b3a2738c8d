import { cleanup, render, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { safeLinkUrl } from '../../lib/safe-url';
import MarkdownRenderer, { mayHaveMath } from './markdown-renderer';

function renderMarkdown(text: string, streaming = false) {
  return render(<MarkdownRenderer text={text} streaming={streaming} />).container;
}

describe('MarkdownRenderer safety', () => {
  afterEach(cleanup);

  it('shows raw HTML as text: no <img>, no handler, no <script>', () => {
    const root = renderMarkdown(
      'Look: <img src=x onerror=alert(1)> and <script>alert(2)</script>\n\n<iframe src="https://evil.test"></iframe>',
    );
    expect(root.querySelector('img')).toBeNull();
    expect(root.querySelector('script')).toBeNull();
    expect(root.querySelector('iframe')).toBeNull();
    expect(root.querySelector('[onerror]')).toBeNull();
    expect(root.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(root.textContent).toContain('<script>alert(2)</script>');
  });

  it('drops javascript:, data: and vbscript: links, keeping their words as plain text', () => {
    const root = renderMarkdown(
      '[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:msgbox) [tab](java\tscript:alert(1)) <javascript:alert(3)>',
    );
    for (const anchor of root.querySelectorAll('a'))
      expect(anchor.getAttribute('href')).not.toMatch(/script|data:/i);
    expect(root.querySelectorAll('a[href]')).toHaveLength(0);
    expect(root.textContent).toContain('click');
  });

  it('opens safe links in a new tab without an opener or referrer', () => {
    const root = renderMarkdown('See [the docs](https://example.org/docs) or mail <mailto:a@example.org>.');
    const link = root.querySelector('a[href="https://example.org/docs"]');
    expect(link?.getAttribute('target')).toBe('_blank');
    expect(link?.getAttribute('rel')).toBe('noopener noreferrer');
  });

  it('never loads pictures a message names', () => {
    const root = renderMarkdown('![tracker](https://evil.test/pixel.png) ![bad](javascript:alert(1))');
    expect(root.querySelector('img')).toBeNull();
    expect(root.querySelector('a[href="https://evil.test/pixel.png"]')?.textContent).toContain('tracker');
    expect(root.textContent).toContain('bad');
  });

  it('renders GFM (tables, strikethrough, task lists) and code blocks with their language and a copy button', () => {
    const root = renderMarkdown(
      '| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~\n\n- [x] done\n\n```ts\nconst x = 1;\n```',
    );
    expect(root.querySelector('table td')?.textContent).toBe('1');
    expect(root.querySelector('del')?.textContent).toBe('old');
    expect(root.querySelector('input[type="checkbox"]')).not.toBeNull();
    expect(root.querySelector('.md-code')?.textContent).toContain('ts');
    expect(root.querySelector('pre')?.textContent?.trim()).toBe('const x = 1;');
    expect(root.querySelector('button[aria-label], button')?.textContent).toContain('Copy');
  });

  it('typesets LaTeX once KaTeX has loaded, and refuses \\href inside it', async () => {
    expect(mayHaveMath('Euler: $e^{i\\pi}+1=0$')).toBe(true);
    expect(mayHaveMath('costs 5 $ and 6 $')).toBe(false);
    const root = renderMarkdown('Euler: $e^{i\\pi}+1=0$ and $\\href{javascript:alert(1)}{x}$');
    await waitFor(() => expect(root.querySelector('.katex')).not.toBeNull(), { timeout: 5000 });
    expect(root.querySelector('a[href^="javascript"]')).toBeNull();
  });
});

describe('safeLinkUrl', () => {
  it('allows web and mail addresses only', () => {
    expect(safeLinkUrl('https://example.org/a?b=1')).toBe('https://example.org/a?b=1');
    expect(safeLinkUrl('mailto:a@example.org')).toBe('mailto:a@example.org');
    expect(safeLinkUrl(' JavaScript:alert(1)')).toBeNull();
    expect(safeLinkUrl('java\nscript:alert(1)')).toBeNull();
    expect(safeLinkUrl('/settings')).toBeNull();
    expect(safeLinkUrl('file:///etc/passwd')).toBeNull();
    expect(safeLinkUrl('')).toBeNull();
  });
});
