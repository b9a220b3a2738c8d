import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/src/app.js';
import { loadConfig } from '../../server/src/config.js';
import { createTestStorage, type TestStorage } from '../../server/src/test-support/storage.js';
import { createLuminaClient } from './client.js';
import { LuminaApiError, LuminaNetworkError } from './errors.js';

describe('createLuminaClient against a real server', () => {
  let storage: TestStorage;
  let app: FastifyInstance;
  let baseUrl: string;
  beforeAll(async () => {
    storage = await createTestStorage('pglite');
    app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), storage, serveWeb: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await storage?.close();
  });

  it('returns typed data', async () => {
    const { data } = await createLuminaClient({ baseUrl }).GET('/health');
    expect(data?.checks.database.status).toBe('ok');
  });

  it('throws LuminaApiError with the code and request id of a failed call', async () => {
    const lumina = createLuminaClient({ baseUrl });
    // A path outside the typed contract, to provoke the server's 404.
    const error = await (lumina.GET as (path: string) => Promise<unknown>)('/api/does-not-exist').catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(LuminaApiError);
    expect(error).toMatchObject({ status: 404, code: 'route_not_found' });
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends the API token as a bearer header', async () => {
    let seen: string | null = null;
    const lumina = createLuminaClient({
      baseUrl,
      token: 'lum_abc',
      fetch: (request) => {
        seen = (request as Request).headers.get('authorization');
        return fetch(request as Request);
      },
    });
    await lumina.GET('/health');
    expect(seen).toBe('Bearer lum_abc');
  });

  it('throws LuminaNetworkError when the server is unreachable', async () => {
    const error = await createLuminaClient({ baseUrl: 'http://127.0.0.1:1' })
      .GET('/health')
      .catch((e) => e);
    expect(error).toBeInstanceOf(LuminaNetworkError);
    expect(error.code).toBe('network_error');
  });
});
