import { outboundErrors } from './outbound-errors.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Passes bytes through until more than `maxBytes` have gone by, then fails the stream with
 * `outbound_response_too_large` (a body without Content-Length is capped this way).
 * @example response.body.pipeThrough(capBytes(5 * 1024 * 1024))
 */
export function capBytes(maxBytes: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > maxBytes) controller.error(outboundErrors.tooLarge(maxBytes));
      else controller.enqueue(chunk);
    },
  });
}

/**
 * Passes bytes through while no line (ended by LF or CR) grows past `maxBytes`; a longer one fails
 * the stream with `outbound_line_too_long` before it is buffered whole by a line reader (NDJSON,
 * the AI SDK's SSE parser), so one endless line cannot grow memory without bound.
 * @example response.body.pipeThrough(capLines(1024 * 1024))
 */
export function capLines(maxBytes: number): TransformStream<Uint8Array, Uint8Array> {
  let lineLength = 0;
  return new TransformStream({
    transform(chunk, controller) {
      for (let i = 0; i < chunk.byteLength; i++) {
        const byte = chunk[i];
        if (byte === NEWLINE || byte === CARRIAGE_RETURN) lineLength = 0;
        else if (++lineLength > maxBytes) {
          controller.error(outboundErrors.lineTooLong(maxBytes));
          return;
        }
      }
      controller.enqueue(chunk);
    },
  });
}
