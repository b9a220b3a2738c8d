/** The one error type routes and services throw; the global handler turns it into the JSON shape. */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown>; requestId?: string };
}

export function errorBody(
  err: Pick<AppError, 'code' | 'message' | 'details'>,
  requestId?: string,
): ErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
      ...(requestId ? { requestId } : {}),
    },
  };
}

const label = (resource: string) => resource.replaceAll('_', ' ');
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** @example throw notFound('avatar') // 404 {code:"avatar_not_found"} */
export const notFound = (resource: string) =>
  new AppError(404, `${resource}_not_found`, `${capitalise(label(resource))} not found`);

export const invalidRequest = (message: string, details?: Record<string, unknown>) =>
  new AppError(400, 'invalid_request', message, details);

export const conflict = (code: string, message: string) => new AppError(409, code, message);

export const unauthorized = (code = 'unauthorized', message = 'Sign in to continue') =>
  new AppError(401, code, message);

export const forbidden = (code = 'forbidden', message = 'You are not allowed to do this') =>
  new AppError(403, code, message);

export const payloadTooLarge = (limitBytes: number) =>
  new AppError(413, 'payload_too_large', `The request body is larger than the ${limitBytes}-byte limit`, {
    limitBytes,
  });

export const serviceUnavailable = (code: string, message: string) => new AppError(503, code, message);
