import { type LoggerOptions, stdSerializers } from 'pino';
import type { Config } from './config.js';

/** Anything that can carry a credential is removed from logs, however it is nested. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.apiKey',
  '*.token',
  '*.secret',
];

/** Where tests send log lines instead of stdout. */
export type LogOverrides = Pick<LoggerOptions, 'level'> & { stream?: NodeJS.WritableStream };

export function loggerOptions(
  config: Pick<Config, 'logLevel' | 'logFormat'>,
  overrides: LogOverrides = {},
): LoggerOptions & { stream?: NodeJS.WritableStream } {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { req: requestForLog, err: errorForLog },
    ...(config.logFormat === 'pretty' && !overrides.stream
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
          },
        }
      : {}),
    ...overrides,
  };
}

interface LoggedRequest {
  method: string;
  url: string;
  ip?: string;
  routeOptions?: { url?: string };
}

/**
 * A request as logged: the path without its query string (a search `q=` holds what the user
 * typed, `?token=` a credential) and the route pattern; never the body.
 */
export function requestForLog(request: LoggedRequest) {
  const queryAt = request.url.indexOf('?');
  return {
    method: request.method,
    url: queryAt === -1 ? request.url : request.url.slice(0, queryAt),
    route: request.routeOptions?.url,
    remoteAddress: request.ip,
  };
}

/**
 * pino's error serializer minus the values a failed query was given: Drizzle puts them in the
 * error (`params`) and its message ("Failed query: … params: …"), and they hold what users
 * wrote (message text, search terms, names). The SQL with its `$1` placeholders stays. A
 * database error's `detail` ("Key (email)=(…) already exists") is dropped for the same reason.
 */
export function errorForLog(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const serialized = stdSerializers.err(err) as ReturnType<typeof stdSerializers.err> &
    Record<string, unknown>;
  for (
    let cause: unknown = err, depth = 0;
    cause instanceof Error && depth < 10;
    cause = cause.cause, depth++
  ) {
    const { params, query } = cause as { params?: unknown; query?: unknown };
    if (params === undefined || typeof query !== 'string') continue;
    const safe = `Failed query: ${query}`;
    serialized.message = serialized.message.replace(cause.message, safe);
    if (serialized.stack) serialized.stack = serialized.stack.replace(cause.message, safe);
  }
  delete serialized.params;
  delete serialized.detail;
  return serialized;
}
