import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { Redis } from 'ioredis';
import { waitUntil } from './sse.js';

export const REDIS_SERVER_BIN = '/usr/bin/redis-server';

/**
 * Whether the Redis outage suites can run: they start their own redis-server (the machine's
 * shared Redis must keep serving other tests). Missing binary: skipped, or a failure under CI.
 */
export function privateRedisAvailable(): boolean {
  if (fs.existsSync(REDIS_SERVER_BIN)) return true;
  if (process.env.CI) throw new Error(`${REDIS_SERVER_BIN} is required in CI (apt-get install redis-server)`);
  return false;
}

/**
 * A redis-server of the test's own on a free port, without persistence, that the test can
 * stop (SIGKILL: connections drop, new ones are refused), freeze (SIGSTOP: connections stay
 * open and nothing answers) and bring back on the same port.
 * @example const redis = await PrivateRedis.start(); await redis.stop(); await redis.restart();
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort());
    await server.restart();
    return server;
  }

  /** Starts (again) on the same port and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('redis-server is already running');
    const child = spawn(
      REDIS_SERVER_BIN,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await waitUntil(async () => {
      const probe = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => {});
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    });
  }

  /** Kills the server (like a crash or `systemctl stop`) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    child.kill('SIGCONT'); // a frozen process must run to die
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Stops the process without closing anything: clients stay connected and get no answer. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
