import type { Redis } from 'ioredis';
import type { Storage } from '../db/storage.js';
import type { ProviderHealth } from '../providers/provider-registry.js';
import { VERSION } from '../version.js';

export interface CheckResult {
  status: 'ok' | 'error';
  latencyMs: number;
  message?: string;
}

export interface HealthReport {
  /**
   * `ok`: everything answers. `degraded`: usable, but Redis does not answer, so this instance
   * runs on its fallbacks (auth epochs from the database, rate limits counted locally, replies
   * followed only on the instance writing them). `error`: the database does not answer.
   */
  status: 'ok' | 'degraded' | 'error';
  version: string;
  uptimeSeconds: number;
  checks: {
    database: CheckResult & { kind: Storage['kind']; vector: boolean };
    redis?: CheckResult;
    /** Last known health of the instance's providers (probed in the background, not per request). */
    providers?: Record<string, ProviderHealth>;
  };
}

export interface HealthServiceDeps {
  storage: Storage;
  redis?: Redis | undefined;
  timeoutMs?: number;
  /**
   * How long one probe's result answers later health requests. A probe of embedded PGlite
   * costs ~0.2 ms of main-thread CPU, so probing on every request of a load balancer or a
   * benchmark halves throughput (bench/results); results stay at most this old.
   */
  reuseMs?: number;
  providers?: () => Record<string, ProviderHealth>;
}

/**
 * Checks what the server depends on. Only components that are really probed appear in the
 * report; later features add their own checks here.
 */
export function createHealthService({
  storage,
  redis,
  timeoutMs = 2000,
  reuseMs = 1000,
  providers,
}: HealthServiceDeps) {
  const startedAt = Date.now();
  let last: { at: number; results: Promise<[CheckResult, CheckResult | undefined]> } | undefined;
  const probeAll = () => {
    const now = Date.now();
    if (!last || now - last.at >= reuseMs) {
      last = {
        at: now,
        results: Promise.all([
          probe(() => storage.ping(), timeoutMs),
          redis ? probe(() => redis.ping(), timeoutMs) : Promise.resolve(undefined),
        ]),
      };
    }
    return last.results;
  };
  return {
    async check(): Promise<HealthReport> {
      const [database, redisResult] = await probeAll();
      const checks: HealthReport['checks'] = {
        database: { ...database, kind: storage.kind, vector: storage.hasVector },
        ...(redisResult ? { redis: redisResult } : {}),
        ...(providers ? { providers: providers() } : {}),
      };
      const status =
        database.status !== 'ok' ? 'error' : (redisResult?.status ?? 'ok') === 'ok' ? 'ok' : 'degraded';
      return {
        status,
        version: VERSION,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        checks,
      };
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;

async function probe(fn: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'ok', latencyMs: round(performance.now() - started) };
  } catch (err) {
    return {
      status: 'error',
      latencyMs: round(performance.now() - started),
      message: (err as Error).message,
    };
  } finally {
    clearTimeout(timer);
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
