import { describe, expect, it } from 'vitest';
import { speakableText } from './speakable-text';

describe('speakableText', () => {
  it('says the words of Markdown, not its marks, links or code', () => {
    expect(
      speakableText(
        '## Plan\n\n- **Bold** step\n- `npm` step\n\n[the docs](https://x.org) and ![a cat](c.png)\n\n```js\nlet a = 1;\n```\nDone.',
      ),
    ).toBe('Plan\nBold step\nnpm step\nthe docs and a cat\n(code)\nDone.');
  });

  it('cuts a long reply at a sentence end within the limit', () => {
    const text = `${'This is a sentence. '.repeat(10)}And one more that runs over the end`;
    const cut = speakableText(text, 120);
    expect(cut.length).toBeLessThanOrEqual(120);
    expect(cut.endsWith('sentence.')).toBe(true);
  });
});
