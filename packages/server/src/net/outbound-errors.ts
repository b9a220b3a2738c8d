import { AppError } from '../errors.js';

/**
 * Everything the guarded client throws, with stable codes and messages we wrote: a remote body,
 * a socket error or a resolved address never reaches a user through these.
 */
export const outboundErrors = {
  /** Same error for every port and every reason, raised before any connection is made. */
  blocked: () =>
    new AppError(
      400,
      'outbound_address_blocked',
      'The server may not connect to this address: loopback, private, link-local, metadata and other non-public addresses are refused unless an administrator allows them.',
    ),
  urlRefused: () =>
    new AppError(
      400,
      'outbound_url_refused',
      'Only http:// and https:// URLs without credentials can be fetched',
    ),
  tooLarge: (limitBytes: number) =>
    new AppError(502, 'outbound_response_too_large', `The remote answer is larger than ${limitBytes} bytes`, {
      limitBytes,
    }),
  lineTooLong: (limitBytes: number) =>
    new AppError(
      502,
      'outbound_line_too_long',
      `A line of the remote stream is longer than ${limitBytes} bytes`,
      {
        limitBytes,
      },
    ),
  timeout: (timeoutMs: number) =>
    new AppError(504, 'outbound_timeout', `The remote server did not answer within ${timeoutMs} ms`, {
      timeoutMs,
    }),
  unreachable: () => new AppError(502, 'outbound_unreachable', 'The remote server could not be reached'),
  status: (status: number) =>
    new AppError(502, 'outbound_http_error', `The remote server answered ${status}`, { status }),
};

/**
 * The guarded client's own error inside whatever wraps it (undici's `fetch failed`, an AI SDK
 * error, a stream error), if there is one.
 * @example const blocked = findOutboundError(error)?.code === 'outbound_address_blocked';
 */
export function findOutboundError(error: unknown): AppError | undefined {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    if (current instanceof AppError && current.code.startsWith('outbound_')) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
