import { outboundErrors } from './outbound-errors.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface BodyCaps {
  /** Bytes of the whole body; past them the stream fails with `outbound_response_too_large`. */
  maxBytes?: number;
  /** Bytes of one line (ended by LF or CR); past them the stream fails with `outbound_line_too_long`. */
  maxLineBytes?: number;
}

/**
 * Passes bytes through while the body stays within its caps: at most `maxBytes` in all (a body
 * without Content-Length is capped this way), and no line longer than `maxLineBytes`, failed
 * before it is buffered whole by a line reader (NDJSON, the AI SDK's SSE parser), so one endless
 * line cannot grow memory without bound. Both caps in one TransformStream: every chunk of a
 * streamed model reply passes it, and each stage of a web stream costs promises and a microtask
 * hop per chunk.
 * @example response.body.pipeThrough(capBody({ maxBytes: 5 * 1024 * 1024, maxLineBytes: 1024 * 1024 }))
 */
export function capBody({ maxBytes, maxLineBytes }: BodyCaps): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  let lineLength = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (maxBytes !== undefined && seen > maxBytes) {
        controller.error(outboundErrors.tooLarge(maxBytes));
        return;
      }
      if (maxLineBytes !== undefined) {
        lineLength = longestLineCheck(chunk, lineLength, maxLineBytes);
        if (lineLength < 0) {
          controller.error(outboundErrors.lineTooLong(maxLineBytes));
          return;
        }
      }
      controller.enqueue(chunk);
    },
  });
}

/**
 * The length of the line still open at the end of `chunk` (`open` bytes of it came before), or
 * -1 when some line grows past `max`. A chunk without CR (nearly every one: SSE and NDJSON end
 * lines with LF) is split at LF with the native `indexOf`; one with a CR, which ends a line too,
 * is scanned byte by byte. Shared by `capBody` and the guarded client's Node-stream requests.
 * @example longestLineCheck(Buffer.from('ab\ncd'), 0, 1024) // 2
 */
export function longestLineCheck(chunk: Uint8Array, open: number, max: number): number {
  let length = open;
  if (chunk.indexOf(CARRIAGE_RETURN) !== -1) {
    for (let i = 0; i < chunk.byteLength; i++) {
      const byte = chunk[i];
      if (byte === NEWLINE || byte === CARRIAGE_RETURN) length = 0;
      else if (++length > max) return -1;
    }
    return length;
  }
  let from = 0;
  for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, from)) {
    if (length + (newline - from) > max) return -1;
    length = 0;
    from = newline + 1;
  }
  length += chunk.byteLength - from;
  return length > max ? -1 : length;
}
