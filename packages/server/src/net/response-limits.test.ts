import { describe, expect, it } from 'vitest';
import { capBody } from './response-limits.js';

const encoder = new TextEncoder();

/** Pipes `chunks` through the caps; resolves to the text that came out, or the error's code. */
async function pass(chunks: string[], caps: Parameters<typeof capBody>[0]): Promise<string> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  let text = '';
  try {
    for await (const bytes of source.pipeThrough(capBody(caps))) text += new TextDecoder().decode(bytes);
    return text;
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('capBody', () => {
  it('passes lines up to the cap, across chunks, ended by LF, CR or CRLF', async () => {
    expect(await pass(['abcd\nab', 'cd\n', 'abcd'], { maxLineBytes: 4 })).toBe('abcd\nabcd\nabcd');
    expect(await pass(['ab', 'cd\rabcd\r\nab', 'cd'], { maxLineBytes: 4 })).toBe('abcd\rabcd\r\nabcd');
  });

  it('fails a line one byte over the cap, whether it grows within a chunk or across chunks', async () => {
    expect(await pass(['abcde\n'], { maxLineBytes: 4 })).toBe('outbound_line_too_long');
    expect(await pass(['ok\nabc', 'de'], { maxLineBytes: 4 })).toBe('outbound_line_too_long');
    expect(await pass(['ab\rabc', 'de'], { maxLineBytes: 4 })).toBe('outbound_line_too_long');
    expect(await pass(['abcd', 'e'], { maxLineBytes: 4 })).toBe('outbound_line_too_long');
  });

  it('counts a CR as the end of a line, not as part of a long one', async () => {
    expect(await pass(['abc\rabc', '\rabc'], { maxLineBytes: 4 })).toBe('abc\rabc\rabc');
  });

  it('caps the whole body in bytes, with and without a line cap', async () => {
    expect(await pass(['12345', '678'], { maxBytes: 8 })).toBe('12345678');
    expect(await pass(['12345', '6789'], { maxBytes: 8 })).toBe('outbound_response_too_large');
    expect(await pass(['1\n2\n3\n', '4\n5'], { maxBytes: 8, maxLineBytes: 1 })).toBe(
      'outbound_response_too_large',
    );
  });
});
