import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import type { Storage } from '../db/storage.js';
import type { JobQueue } from '../jobs/job-queue.js';

export interface TestApp {
  app: FastifyInstance;
  /** Every log line the app wrote (JSON), to check that no secret leaks into logs. */
  logs: string[];
}

/** Cheap argon2 parameters: tests check behaviour, not hashing cost. */
export const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '8192', ARGON2_TIME_COST: '1' };

/** The app on a test storage, logging at debug level into memory. */
export async function createTestApp(
  storage: Storage,
  env: Record<string, string> = {},
  redis?: Redis,
  /** Adds test-only routes before the app is sealed. */
  extend?: (app: FastifyInstance) => void,
  /** A durable job queue, as `npm start` has (the caller starts and stops it). */
  jobs?: JobQueue,
): Promise<TestApp> {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = await buildApp({
    config: loadConfig({ ...FAST_ARGON2, ...env }),
    storage,
    redis,
    serveWeb: false,
    logger: { level: 'debug', stream },
    ...(jobs ? { jobs } : {}),
  });
  extend?.(app);
  await app.ready();
  return { app, logs };
}

/** Headers the web app sends on state-changing requests. */
export const CSRF = { 'x-lumina-csrf': '1' };

/** The `lumina_session=…` pair from a response's Set-Cookie, ready for a Cookie header. */
export function sessionCookie(response: { headers: Record<string, unknown> }): string {
  const header = response.headers['set-cookie'];
  const cookies = Array.isArray(header) ? header : [header];
  const found = cookies.find((c): c is string => typeof c === 'string' && c.startsWith('lumina_session='));
  if (!found) throw new Error(`no session cookie in ${JSON.stringify(header)}`);
  return found.split(';')[0]!;
}

/** Signs up through the API and returns the user and their cookie. */
export async function signup(app: FastifyInstance, email: string, password = 'a long enough passphrase') {
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/signup',
    headers: CSRF,
    payload: { email, password, name: email.split('@')[0] },
  });
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
  return {
    user: res.json().user as { id: string; role: string; email: string },
    cookie: sessionCookie(res),
    password,
  };
}
