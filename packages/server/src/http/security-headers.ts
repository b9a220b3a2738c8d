import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Security headers for everything (helmet) and a strict Content-Security-Policy for the web
 * app: scripts only from our origin plus the hashes of index.html's own inline scripts (the
 * theme script that runs before first paint), no plugins, no framing, no foreign connections.
 */
export async function registerSecurityHeaders(app: FastifyInstance, webDir: string | undefined) {
  const inlineScripts = webDir ? inlineScriptHashes(path.join(webDir, 'index.html')) : [];
  const headers = {
    ...helmetHeaders({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", ...inlineScripts.map((h) => `'${h}'`)],
          // React and Radix position popovers with style attributes.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          mediaSrc: ["'self'", 'blob:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          workerSrc: ["'self'", 'blob:'],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      crossOriginEmbedderPolicy: false,
      permittedCrossDomainPolicies: false,
    }),
    // Microphone for voice chat later; nothing else.
    'permissions-policy': 'camera=(), geolocation=(), microphone=(self)',
  };
  // The same headers on every response, computed once: helmet's Fastify plugin built helmet
  // (and parsed the CSP directives) again on every request — 0.15 ms of each chat turn.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}

/** The headers helmet sets with `options` (none of them depends on the request: no nonces). */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  } as unknown as ServerResponse;
  helmet(options)({} as never, response, (err?: unknown) => {
    if (err) throw err;
  });
  return headers;
}

/** `sha256-…` of every inline <script> in an HTML file. */
export function inlineScriptHashes(htmlFile: string): string[] {
  if (!fs.existsSync(htmlFile)) return [];
  const html = fs.readFileSync(htmlFile, 'utf8');
  return [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
    (m) => `sha256-${createHash('sha256').update(m[1]!).digest('base64')}`,
  );
}
