import { LuminaApiError } from '@lumina/sdk';
import { describe, expect, it } from 'vitest';
import { avatarErrorMessage, pictureLinkErrorMessage } from './avatars';
import { pictureLinkProblem } from './picture-link';

describe('pictureLinkProblem', () => {
  it('lets a whole http(s) link through, spaces around it included', () => {
    expect(pictureLinkProblem(' https://example.org/fox.png ')).toBeUndefined();
    expect(pictureLinkProblem('http://127.0.0.1:8080/fox.png')).toBeUndefined();
  });

  it('says what to fix in a link the server would refuse', () => {
    expect(pictureLinkProblem('   ')).toBe('Paste the link of a picture.');
    expect(pictureLinkProblem('example.org/fox.png')).toBe('Add https:// at the start of the link.');
    expect(pictureLinkProblem('localhost:8080/fox.png')).toBe('Add https:// at the start of the link.');
    for (const link of ['ftp://example.org/fox.png', 'data:image/png;base64,AAAA', 'javascript:alert(1)'])
      expect(pictureLinkProblem(link)).toBe(
        'Only links that start with http:// or https:// can be imported.',
      );
    expect(pictureLinkProblem('https://ada:secret@example.org/fox.png')).toBe(
      'Links with a user name or password in them can’t be imported.',
    );
    expect(pictureLinkProblem('https://')).toMatch(/^That isn’t a complete link/);
    expect(pictureLinkProblem(`https://example.org/${'a'.repeat(2000)}.png`)).toMatch(
      /^That link is longer than 2,000 characters/,
    );
  });
});

describe('picture error messages', () => {
  const error = (status: number, code: string, details?: Record<string, unknown>) =>
    new LuminaApiError(status, code, 'server words', 'req-1', details);

  it('describes the picture limits with the numbers the server sent (uploads too)', () => {
    expect(
      avatarErrorMessage(
        error(422, 'image_aspect_ratio_unsupported', { width: 1_000_000, height: 40, maxAspectRatio: 20 }),
      ),
    ).toBe(
      'That picture is 1,000,000×40 pixels, too long and narrow to crop into a square. Choose one whose long side is at most 20 times its short side.',
    );
    expect(
      avatarErrorMessage(
        error(413, 'image_dimensions_too_large', { width: 9000, height: 9000, maxSide: 8192 }),
      ),
    ).toBe(
      'That picture is 9,000×9,000 pixels, too big to read: at most 8,192 pixels per side. Choose a smaller one.',
    );
  });

  it('says what the download ran into, never the other site’s words', () => {
    expect(pictureLinkErrorMessage(error(502, 'outbound_unreachable'))).toBe(
      'The server couldn’t reach that site. Check the address, or try again later.',
    );
    expect(pictureLinkErrorMessage(error(504, 'outbound_timeout', { timeoutMs: 30_000 }))).toBe(
      'That site took too long to send the picture. Try again, or use another link.',
    );
    expect(pictureLinkErrorMessage(error(502, 'outbound_http_error', { status: 403 }))).toMatch(
      /^That site wouldn’t hand over the picture \(it answered 403\)/,
    );
    expect(pictureLinkErrorMessage(error(415, 'image_unsupported'))).toMatch(
      /^That link doesn’t lead to a PNG, JPEG or WebP picture/,
    );
    // Codes that are not about the link fall back to the avatar's own messages.
    expect(pictureLinkErrorMessage(error(404, 'avatar_not_found'))).toBe(
      'This avatar no longer exists. It may have been deleted.',
    );
    expect(pictureLinkErrorMessage(new Error('boom'))).toBeNull();
  });
});
