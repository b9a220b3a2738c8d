import type { ErrorCode, NotFoundResource } from './domain/error-codes.js';

export type { ErrorCode } from './domain/error-codes.js';

/**
 * The one error type routes and services throw; the global handler turns it into the JSON shape.
 * `code` is one of domain/error-codes.ts, so a misspelt code does not compile.
 */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
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
export const notFound = (resource: NotFoundResource) =>
  new AppError(404, `${resource}_not_found` as ErrorCode, `${capitalise(label(resource))} not found`);

export const invalidRequest = (message: string, details?: Record<string, unknown>) =>
  new AppError(400, 'invalid_request', message, details);

export const conflict = (code: ErrorCode, message: string) => new AppError(409, code, message);

export const unauthorized = (code: ErrorCode = 'unauthorized', message = 'Sign in to continue') =>
  new AppError(401, code, message);

export const forbidden = (code: ErrorCode = 'forbidden', message = 'You are not allowed to do this') =>
  new AppError(403, code, message);

export const payloadTooLarge = (limitBytes: number) =>
  new AppError(413, 'payload_too_large', `The request body is larger than the ${limitBytes}-byte limit`, {
    limitBytes,
  });

export const serviceUnavailable = (code: ErrorCode, message: string) => new AppError(503, code, message);
