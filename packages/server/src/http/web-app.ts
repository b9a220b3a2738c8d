import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The built web app (packages/web/dist); the same relative path from src/ and dist/. */
export const defaultWebDir = fileURLToPath(new URL('../../../web/dist', import.meta.url));

const API_PREFIXES = ['/api/', '/health', '/metrics', '/ws/'];

export interface WebApp {
  /** Answers a browser navigation to a client-side route with index.html. */
  handleNavigation(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined;
}

/**
 * Serves the single-page app: hashed assets cached for a year, index.html revalidated on
 * every load so a new release is picked up at once.
 */
export async function registerWebApp(app: FastifyInstance, webDir: string): Promise<WebApp | undefined> {
  const indexFile = path.join(webDir, 'index.html');
  if (!fs.existsSync(indexFile)) {
    app.log.warn({ webDir }, 'web app not built; run "npm run build" (npm start does it for you)');
    return undefined;
  }
  await app.register(fastifyStatic, {
    root: webDir,
    prefix: '/',
    index: false,
    wildcard: true,
    cacheControl: false,
    setHeaders(res, filePath) {
      const relative = path.relative(webDir, filePath);
      if (relative.startsWith(`assets${path.sep}`))
        res.header('cache-control', 'public, max-age=31536000, immutable');
      else if (relative === 'index.html') res.header('cache-control', 'no-cache');
      else res.header('cache-control', 'public, max-age=3600');
    },
  });
  app.get('/', { schema: { hide: true } }, (_request, reply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html'),
  );
  return {
    handleNavigation(request, reply) {
      const url = request.url.split('?')[0]!;
      const wantsHtml = request.headers.accept?.includes('text/html') ?? false;
      if (request.method !== 'GET' || !wantsHtml || API_PREFIXES.some((p) => url.startsWith(p)))
        return undefined;
      if (url.startsWith('/assets/')) return undefined; // a missing asset is a real 404
      return reply.header('cache-control', 'no-cache').type('text/html').sendFile('index.html');
    },
  };
}
