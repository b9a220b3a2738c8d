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
        for (let i = 0; i < chunk.byteLength; i++) {
          const byte = chunk[i];
          if (byte === NEWLINE || byte === CARRIAGE_RETURN) lineLength = 0;
          else if (++lineLength > maxLineBytes) {
            controller.error(outboundErrors.lineTooLong(maxLineBytes));
            return;
          }
        }
      }
      controller.enqueue(chunk);
    },
  });
}
