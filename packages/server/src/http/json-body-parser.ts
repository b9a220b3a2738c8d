import type { FastifyInstance } from 'fastify';
import { jsonTextDepth, jsonTooDeep, MAX_JSON_DEPTH } from '../json-depth.js';

/**
 * Fastify's own JSON body parser (secure-json-parse: prototype poisoning refused, empty and
 * broken bodies reported as before), with the nesting depth checked on the raw text first. A
 * 10,000-deep body parses fine, but every later recursive walk (zod, JSON.stringify when it is
 * stored or echoed) overflows the stack and answered 500.
 *
 * @example registerJsonBodyParser(app); // before the routes are registered
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonTextDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      done(jsonTooDeep(MAX_JSON_DEPTH, 'the request body'), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
