import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { databaseOutageError } from '../db/database-outage.js';
import { type ErrorCode, isErrorCode, type NotFoundResource } from '../domain/error-codes.js';
import { AppError, errorBody, notFound, payloadTooLarge } from '../errors.js';
import { ProviderError } from '../providers/types.js';

/** One place turns every thrown error into `{"error":{code,message,details}}` with the right status. */
export function registerErrorHandler(app: FastifyInstance, bodyLimit: number) {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const appError =
      malformedIdNotFound(err, request) ??
      // A route's own bodyLimit (pictures, lorebooks) is the one that applied, not the server's.
      toAppError(err, request.routeOptions.bodyLimit ?? bodyLimit) ??
      unstorableInput(err) ??
      databaseOutageError(err);
    if (appError) {
      if (appError.details?.reason === UNSTORABLE)
        request.log.warn({ err }, 'input reached the database unvalidated: add it to the route schema');
      if (appError.status >= 500) request.log.error({ err }, appError.message);
      const retryAfter = appError.details?.retryAfterSeconds;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      return reply.status(appError.status).send(errorBody(appError, request.id));
    }
    if (isResponseSerializationError(err))
      request.log.error({ err, issues: err.cause.issues }, 'bad response shape');
    else request.log.error({ err }, 'unhandled error');
    return reply.status(500).send(
      errorBody(
        {
          code: 'internal_error',
          message: 'Something went wrong on our side. Quote the request id if you report it.',
        },
        request.id,
      ),
    );
  });
}

/**
 * Errors Fastify's router raises before any hook runs (a path with a broken %-escape, a path
 * parameter past the length limit), in our shape and with the request id like every answer.
 */
export function answerFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id);
  const known: Record<string, [number, ErrorCode, string]> = {
    FST_ERR_BAD_URL: [400, 'invalid_request', 'The URL is not valid: a %-escape in its path is broken'],
    FST_ERR_MAX_PARAM_LENGTH: [414, 'uri_too_long', 'A part of the URL path is too long'],
  };
  const [status, code, message] = known[err.code] ?? [
    500,
    'internal_error',
    'Something went wrong on our side',
  ];
  if (status >= 500) request.log.error({ err }, 'router error');
  return reply.status(status).send(errorBody({ code, message }, request.id));
}

/** Unknown routes get a JSON 404; `fallback` gets first go (the web app answers browser navigations). */
export function registerNotFoundHandler(
  app: FastifyInstance,
  fallback?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined,
) {
  app.setNotFoundHandler(
    (request, reply) =>
      fallback?.(request, reply) ??
      reply
        .status(404)
        .send(
          errorBody(
            { code: 'route_not_found', message: `No route ${request.method} ${request.url.split('?')[0]}` },
            request.id,
          ),
        ),
  );
}

/**
 * A path id that is not a UUID names nothing that exists: 404 with the code of the resource
 * (`/api/avatars/x` → `avatar_not_found`, `/api/memories/x` → `memory_not_found`), as for a well-formed id that matches nothing. The
 * resource is the path segment before `:id`, singular; `/api/search/jump/:id` jumps to a message.
 */
function malformedIdNotFound(err: FastifyError, request: FastifyRequest): AppError | undefined {
  if (!hasZodFastifySchemaValidationErrors(err) || err.validationContext !== 'params') return undefined;
  if (!err.validation.every((v) => v.instancePath === '/id')) return undefined;
  const segments = (request.routeOptions.url ?? '').split('/');
  const before = segments[segments.indexOf(':id') - 1] ?? '';
  const resource = before === 'jump' ? 'message' : before.replace(/ies$/, 'y').replace(/s$/, '');
  return isErrorCode(`${resource}_not_found`) ? notFound(resource as NotFoundResource) : undefined;
}

const UNSTORABLE = 'unstorable_value';
/** PostgreSQL's codes for a value its types cannot hold: bad UUID/number text, U+0000, bad escapes. */
const UNSTORABLE_CODES = new Set(['22P02', '22021', '22P05', '22003', '22007', '22008']);

/**
 * Safety net for input a route schema let through but the database refuses (a non-UUID where a
 * uuid column is compared, U+0000 in text, an out-of-range number): the caller's mistake, so a
 * 400, not a 500. Logged as a warning so the missing validation gets added where it belongs.
 */
function unstorableInput(err: FastifyError): AppError | undefined {
  for (
    let cause: unknown = err, depth = 0;
    cause instanceof Error && depth < 5;
    cause = cause.cause, depth++
  ) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && UNSTORABLE_CODES.has(code))
      return new AppError(400, 'invalid_request', 'The request holds a value that cannot be stored', {
        reason: UNSTORABLE,
      });
  }
  return undefined;
}

/** HTTP status for a model provider's failure surfacing from a non-streaming call. */
const PROVIDER_STATUS: Record<ProviderError['code'], number> = {
  provider_auth_failed: 502,
  model_not_found: 404,
  provider_protocol_error: 502,
  model_bad_output: 502,
  provider_timeout: 504,
  provider_unavailable: 503,
  provider_rate_limited: 429,
  provider_bad_request: 400,
  context_length_exceeded: 400,
  local_only: 403,
  outbound_address_blocked: 400,
  cancelled: 499,
};

function toAppError(err: FastifyError, bodyLimit: number): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof ProviderError)
    return new AppError(PROVIDER_STATUS[err.code] ?? 502, err.code, err.message);
  if (hasZodFastifySchemaValidationErrors(err)) {
    return new AppError(400, 'invalid_request', 'The request is not valid', {
      issues: err.validation.map((v) => ({
        path: v.instancePath || `/${(v.params.issue as { path: PropertyKey[] }).path.join('/')}`,
        message: v.message,
        in: err.validationContext,
      })),
    });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'invalid_request', 'The request body is not valid JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payloadTooLarge(bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'unsupported_media_type', 'This content type is not accepted here');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(400, 'invalid_request', 'The Content-Length header does not match the body');
  }
  if (err instanceof SyntaxError && err.statusCode === 400) {
    return new AppError(400, 'invalid_request', 'The request body is not valid JSON');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new AppError(err.statusCode, 'invalid_request', err.message);
  }
  return undefined;
}
