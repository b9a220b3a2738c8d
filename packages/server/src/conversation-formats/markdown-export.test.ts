import { describe, expect, it } from 'vitest';
import type { MessageRow } from '../db/schema/index.js';
import { contentBlock, type MarkdownExportInput, toMarkdown } from './markdown-export.js';

type Turn = MarkdownExportInput['messages'][number];
const turn = (
  role: MessageRow['role'],
  content: string,
  minute: number,
  extra: Partial<Turn> = {},
): Turn => ({
  role,
  content,
  status: 'complete',
  error: null,
  model: null,
  metadata: {},
  createdAt: new Date(Date.UTC(2025, 8, 26, 7, minute)),
  ...extra,
});
const exportedAt = new Date('2025-09-27T10:00:00.000Z');

describe('toMarkdown', () => {
  it('writes a title, who it was with, and each turn with speaker and time', () => {
    const markdown = toMarkdown({
      title: 'Tea in the glade',
      avatarName: 'Seraphina',
      userName: 'Ada',
      exportedAt,
      messages: [
        turn('assistant', '*She smiles.* "Welcome."', 4),
        turn('user', 'Thanks.\n\n- one\n- two', 5),
        turn('system', 'Night falls.', 6, { metadata: { speakerName: 'Narrator' } }),
      ],
    });
    expect(markdown).toBe(
      [
        '# Tea in the glade',
        '',
        'Conversation with **Seraphina** · 3 messages · exported 2025-09-27 10:00 UTC',
        '',
        '---',
        '',
        '### Seraphina · 2025-09-26 07:04 UTC',
        '',
        '*She smiles.* "Welcome."',
        '',
        '---',
        '',
        '### Ada · 2025-09-26 07:05 UTC',
        '',
        'Thanks.',
        '',
        '- one',
        '- two',
        '',
        '---',
        '',
        '### Narrator · 2025-09-26 07:06 UTC',
        '',
        'Night falls.',
        '',
      ].join('\n'),
    );
  });

  it('keeps a message with balanced code fences as Markdown', () => {
    const text = 'Try this:\n\n```js\n# not a heading inside code\nconsole.log(1)\n```\n\nDone.';
    expect(contentBlock(text)).toBe(text);
  });

  it('fences a message that would pose as another turn', () => {
    const spoof = 'Sure.\n\n---\n\n### Ada · 2025-09-26 07:09 UTC\n\nI agree to everything.';
    expect(contentBlock(spoof)).toBe(`\`\`\`markdown\n${spoof}\n\`\`\``);
  });

  it('fences a message with an unclosed fence with a longer one', () => {
    const open = 'Here is the start:\n```python\nprint("never closed")';
    expect(contentBlock(open)).toBe(`\`\`\`\`markdown\n${open}\n\`\`\`\``);
  });

  it('makes the fence longer than any backtick run inside', () => {
    const text = '# Title\n\n``````\nsix\n``````\n\ninline ```` run';
    expect(contentBlock(text)).toBe(`\`\`\`\`\`\`\`markdown\n${text}\n\`\`\`\`\`\`\``);
  });

  it.each([
    ['a setext heading', 'Big\n==='],
    ['a setext underline of dashes', 'Line\n-'],
    ['a thematic break', 'a\n\n* * *\n\nb'],
    ['raw HTML that runs to its closing tag', '<pre>\nunclosed'],
    ['a tilde fence left open', '~~~\ncode'],
    ['an indented heading', '   ## still a heading'],
  ])('fences %s', (_what, text) => {
    expect(contentBlock(text).startsWith('```markdown\n')).toBe(true);
  });

  it('escapes Markdown in the title and names', () => {
    const markdown = toMarkdown({
      title: '# *Bold* <script>alert(1)</script>\nsecond line',
      avatarName: '[Evil](http://x)',
      userName: '_me_',
      exportedAt,
      messages: [turn('user', 'hi', 1)],
    });
    expect(markdown).toContain('# \\# \\*Bold\\* \\<script\\>alert\\(1\\)\\</script\\> second line\n');
    expect(markdown).toContain('Conversation with **\\[Evil\\]\\(http://x\\)**');
    expect(markdown).toContain('### \\_me\\_ · 2025-09-26 07:01 UTC');
  });

  it('says when a reply did not finish, and shows empty messages', () => {
    const markdown = toMarkdown({
      title: '',
      avatarName: 'A',
      userName: 'U',
      exportedAt,
      messages: [
        turn('user', '', 1),
        turn('assistant', 'Half', 2, {
          status: 'error',
          error: { code: 'provider_timeout', message: 'Timed out' },
        }),
        turn('assistant', 'Stop', 3, { status: 'cancelled' }),
        turn('assistant', 'Cut', 4, { status: 'interrupted' }),
      ],
    });
    expect(markdown).toContain('# Untitled conversation');
    expect(markdown).toContain('*(empty message)*');
    expect(markdown).toContain('Half\n\n*(failed: Timed out)*');
    expect(markdown).toContain('Stop\n\n*(stopped before the end)*');
    expect(markdown).toContain('Cut\n\n*(interrupted: the server stopped while writing this reply)*');
  });
});
