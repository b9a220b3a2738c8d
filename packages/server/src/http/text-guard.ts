import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { findUnstorableText } from '../unstorable-text.js';

/** The 400 for text holding U+0000 or a lone surrogate, shaped like a schema validation failure. */
export function unstorableTextRefused(path: string, location: string): AppError {
  return new AppError(400, 'invalid_request', UNSTORABLE_TEXT_MESSAGE, {
    issues: [{ path, message: UNSTORABLE_TEXT_MESSAGE, in: location }],
  });
}

export const UNSTORABLE_TEXT_MESSAGE = 'Text must not contain U+0000 (NUL) or an unpaired surrogate';

/**
 * Refuses U+0000 in the params, query string (`%00`) and parsed body (`\u0000` in JSON) of
 * every route, and unpaired surrogates (`\ud800` in JSON), before the route's own validation, with 400 `invalid_request`. One hook covers
 * every route registered after it; multipart bodies are read by their routes (their text
 * fields are validated there) and WebSocket frames are checked with `findUnstorableText` by the socket route.
 */
export function registerTextGuard(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    for (const [location, value] of [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ] as const) {
      const path = findUnstorableText(value);
      if (path !== undefined) throw unstorableTextRefused(path, location);
    }
  });
}
