import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { openStorage } from './db/storage.js';

/**
 * Builds the app against a throw-away in-memory database and returns its OpenAPI document,
 * exactly as `/api/openapi.json` serves it. Used to write `openapi.json` and by the drift test.
 */
export async function generateOpenApiDocument(): Promise<unknown> {
  const storage = await openStorage({ dataDir: 'memory://' });
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), storage, serveWeb: false });
  try {
    await app.ready();
    return app.swagger();
  } finally {
    await app.close();
    await storage.close();
  }
}
