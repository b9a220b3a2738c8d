import { Worker } from 'node:worker_threads';
import {
  messages,
  type ParserOptions,
  type QueryOptions,
  type Results,
  type Transaction,
} from '@electric-sql/pglite';
import { query as templateQuery } from '@electric-sql/pglite/template';
import { workerScriptUrl } from '../worker-script.js';
import {
  PGLITE_WORKER_DATA_KEY,
  type PgliteInstanceOptions,
  type WireError,
  type WireQueryOptions,
  type WorkerReply,
  type WorkerRequest,
  type WorkerStartup,
} from './pglite-worker.js';

/**
 * Set by scripts/bundle-server.mjs: where the bundle's own worker entry is, relative to this
 * module's URL as the bundle reports it (the plugin there gives every module the URL of its tsc
 * output, dist/db/pglite-thread-client.js). Undefined outside the bundle.
 */
declare const LUMINA_BUNDLED_PGLITE_WORKER: string | undefined;

/** What a pending request needs to settle, and the call PGlite would attach to its error. */
interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  text: string | undefined;
  params: unknown[] | undefined;
  options: QueryOptions | undefined;
}

/** Query options that cross to the worker as they are (the others are functions or blobs). */
const PLAIN_OPTIONS = new Set(['rowMode', 'paramTypes', 'parsers']);

/**
 * PGlite, run in a `worker_threads` Worker (pglite-worker.ts), seen from the main thread: the
 * part of PGlite's API the server uses — `query`, `sql`, `exec`, `transaction`, `close`,
 * `closed` — with PGlite's results (structured clone keeps Dates, Uint8Arrays, bigints), its
 * errors (PostgreSQL's `code`, `severity`, `detail`, … and the query attached) and its locking: the
 * instance and its `transaction()` lock live in the worker, so a statement sent while a
 * transaction is open waits for it, exactly as in-process.
 *
 * What cannot cross threads is refused with a TypeError: query options holding functions
 * (serializers, onNotice, parsers other than identity functions, which are sent as type OIDs),
 * blobs and LISTEN.
 *
 * A worker that dies (a WebAssembly abort, `terminate()`) fails every pending call with an error
 * of SQLSTATE 08006 (connection failure: the database is unavailable) and closes the client;
 * later calls fail with PGlite's own "PGlite is closed".
 *
 * @example
 * const client = await PgliteThreadClient.open({ dataDir, sharedBuffers: '16MB', reopenAfterInitdb: false });
 * const db = drizzle({ client, schema }); // drizzle-orm/pglite takes any object with these methods
 */
export class PgliteThreadClient {
  /** The thread PGlite runs on (tests end it to see what a dying database does to callers). */
  readonly worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #lastId = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Set when the worker stopped on its own: the reason pending calls were failed. */
  #crash: Error | undefined;
  /** Ours to end (close): its exit is no crash. */
  #ending = false;
  /** Wire forms of query options, by the object Drizzle reuses for each prepared query. */
  readonly #wireOptions = new WeakMap<QueryOptions, WireQueryOptions>();

  private constructor(worker: Worker) {
    this.worker = worker;
    worker.on('message', (reply: WorkerReply) => this.#settle(reply));
    worker.on('error', (err) => {
      this.#crash ??= err;
    });
    worker.on('exit', (code) => this.#stopped(code));
  }

  /**
   * Starts the worker and opens the database in it; rejects with PGlite's error when it cannot
   * be opened (the worker is ended then).
   */
  static async open(options: PgliteInstanceOptions): Promise<PgliteThreadClient> {
    const wasmModule = compiledPglite[COMPILED_PGLITE];
    const worker = new Worker(await workerEntry(), {
      workerData: { [PGLITE_WORKER_DATA_KEY]: { ...options, wasmModule } },
      // The young generation stays at its initial size (1 MB semi-spaces) instead of growing to
      // 16 MB ones: ~8 MB less resident, and the chat bench's CPU per turn was no higher.
      resourceLimits: { maxYoungGenerationSizeMb: 3 },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const onExit = (code: number) => reject(new Error(`the PGlite worker thread exited (code ${code})`));
        worker.once('error', reject);
        worker.once('exit', onExit);
        worker.once('message', (startup: WorkerStartup) => {
          worker.off('error', reject);
          worker.off('exit', onExit);
          if (startup.op === 'failed') return reject(fromWireError(startup.error, undefined));
          compiledPglite[COMPILED_PGLITE] ??= startup.wasmModule;
          resolve();
        });
      });
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    const client = new PgliteThreadClient(worker);
    worker.unref(); // held only while a call waits (see #send), as an in-process PGlite holds nothing
    return client;
  }

  /** True once `close()` finished or the worker stopped. */
  get closed(): boolean {
    return this.#closed;
  }

  /** PGlite's `query`: one statement, with `$1`… parameters. */
  query<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.#statement('query', undefined, text, params, options) as Promise<Results<T>>;
  }

  /** A named prepared statement run in the worker (pglite-prepared.ts): its rows as arrays. */
  prepared(name: string, text: string, params: unknown[]): Promise<unknown[][]> {
    return this.#send(
      { op: 'prepared', id: 0, name, text, params },
      { text, params, options: undefined },
    ) as Promise<unknown[][]>;
  }

  /** PGlite's tagged-template `sql`: values become parameters. */
  sql<T>(strings: TemplateStringsArray, ...values: unknown[]): Promise<Results<T>> {
    const { query, params } = templateQuery(strings, ...values);
    return this.query<T>(query, params);
  }

  /** PGlite's `exec`: a script of statements without parameters, one result per statement. */
  exec(text: string, options?: QueryOptions): Promise<Results[]> {
    return this.#statement('exec', undefined, text, undefined, options) as Promise<Results[]>;
  }

  /**
   * PGlite's `transaction`: `callback` runs here with a `tx` whose statements run in the worker
   * inside PGlite's own `transaction()`, which holds its lock meanwhile. The callback's value is
   * returned after COMMIT; a throw rolls back and is thrown again. `tx` has no `transaction()`
   * (nest with savepoints, as Drizzle does); calling this client from inside waits for the
   * transaction to end, as with PGlite.
   */
  async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    const id = (await this.#send({ op: 'begin', id: 0 }, undefined)) as number;
    let closed = false;
    const check = () => {
      if (closed) throw new Error('Transaction is closed');
    };
    const tx: Transaction = {
      query: async <R>(text: string, params?: unknown[], options?: QueryOptions) => {
        check();
        return (await this.#statement('query', id, text, params, options)) as Results<R>;
      },
      sql: async <R>(strings: TemplateStringsArray, ...values: unknown[]) => {
        check();
        const { query, params } = templateQuery(strings, ...values);
        return (await this.#statement('query', id, query, params, undefined)) as Results<R>;
      },
      exec: async (text: string, options?: QueryOptions) => {
        check();
        return (await this.#statement('exec', id, text, undefined, options)) as Results[];
      },
      rollback: async () => {
        check();
        await this.#send({ op: 'rollback', id: 0, tx: id }, undefined);
        closed = true;
      },
      listen: async () => {
        throw new TypeError('LISTEN is not available through the PGlite worker thread');
      },
      get closed() {
        return closed;
      },
    };
    let value: T;
    try {
      value = await callback(tx);
    } catch (err) {
      closed = true;
      // As PGlite: a failed ROLLBACK is the error thrown. A worker that died is no news: the
      // callback's error (the one that saw it die) tells more than "PGlite is closed".
      await this.#send({ op: 'end', id: 0, tx: id, commit: false }, undefined).catch((rollback: unknown) => {
        throw this.#closed ? err : rollback;
      });
      throw err;
    }
    closed = true;
    await this.#send({ op: 'end', id: 0, tx: id, commit: true }, undefined);
    return value;
  }

  /**
   * Closes the database (after the statements already sent), then ends the worker. Like
   * PGlite, a closed client refuses to close again.
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('PGlite is closed'));
    this.#closing ??= this.#send({ op: 'close', id: 0 }, undefined)
      .then(
        () => undefined,
        (err: unknown) => err,
      )
      .then(async (err) => {
        this.#closed = true;
        this.#ending = true;
        await this.worker.terminate();
        if (err) throw err;
      });
    return this.#closing;
  }

  #statement(
    op: 'query' | 'exec',
    tx: number | undefined,
    text: string,
    params: unknown[] | undefined,
    options: QueryOptions | undefined,
  ): Promise<unknown> {
    let wire: WireQueryOptions | undefined;
    try {
      wire = options && this.#toWireOptions(options);
    } catch (err) {
      return Promise.reject(err);
    }
    const request: WorkerRequest =
      op === 'query'
        ? { op, id: 0, tx, text, params, options: wire }
        : { op, id: 0, tx, text, options: wire };
    return this.#send(request, { text, params, options });
  }

  #send(
    request: WorkerRequest,
    call: Pick<Pending, 'text' | 'params' | 'options'> | undefined,
  ): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('PGlite is closed'));
    const id = ++this.#lastId;
    request.id = id;
    return new Promise((resolve, reject) => {
      try {
        this.worker.postMessage(request);
      } catch (err) {
        // Structured clone refused a parameter (a function, a class instance's private state …).
        reject(
          new TypeError(
            `this statement cannot be sent to the PGlite worker thread: ${(err as Error).message}`,
            { cause: err },
          ),
        );
        return;
      }
      if (this.#pending.size === 0) this.worker.ref();
      this.#pending.set(id, {
        resolve,
        reject,
        text: call?.text,
        params: call?.params,
        options: call?.options,
      });
    });
  }

  #settle(reply: WorkerReply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.worker.unref();
    if ('error' in reply) pending.reject(fromWireError(reply.error, pending));
    else pending.resolve(reply.value);
  }

  /** The worker is gone: every call still waiting fails, and the client is closed. */
  #stopped(code: number): void {
    this.#closed = true;
    if (this.#pending.size === 0) return;
    const why = this.#ending
      ? 'the database was closed'
      : this.#crash
        ? `it failed: ${this.#crash.message}`
        : `exit code ${code}`;
    const failure = () =>
      Object.assign(
        new Error(
          `the PGlite worker thread stopped before answering (${why}); the embedded database is closed`,
          {
            cause: this.#crash,
          },
        ),
        { code: '08006' },
      );
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const call of pending) call.reject(failure());
  }

  #toWireOptions(options: QueryOptions): WireQueryOptions {
    let wire = this.#wireOptions.get(options);
    if (wire) return wire;
    for (const [key, value] of Object.entries(options)) {
      if (value !== undefined && !PLAIN_OPTIONS.has(key)) {
        throw new TypeError(
          `the query option "${key}" cannot cross to the PGlite worker thread (only rowMode, paramTypes and parsers that return the text unchanged can)`,
        );
      }
    }
    wire = {};
    if (options.rowMode) wire.rowMode = options.rowMode;
    if (options.paramTypes) wire.paramTypes = options.paramTypes;
    if (options.parsers) wire.rawTypes = rawTypes(options.parsers);
    this.#wireOptions.set(options, wire);
    return wire;
  }
}

/**
 * The type OIDs whose parsers return the text unchanged (Drizzle keeps timestamps, intervals,
 * dates and numeric arrays as text and maps them itself). Functions cannot cross threads, so
 * each parser is tried on a probe string; any other parser is refused.
 */
function rawTypes(parsers: ParserOptions): number[] {
  const oids: number[] = [];
  for (const [oid, parse] of Object.entries(parsers)) {
    const probe = `lumina-raw-text-probe:${oid}`;
    if (typeof parse !== 'function' || parse(probe) !== probe) {
      throw new TypeError(
        `the parser for type ${oid} cannot run in the PGlite worker thread: only parsers that return the text unchanged can be passed (functions cannot cross threads)`,
      );
    }
    oids.push(Number(oid));
  }
  return oids;
}

const ERROR_TYPES: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** The worker's error as PGlite would have thrown it here: same class, fields and attached query. */
function fromWireError(
  wire: WireError,
  call: Pick<Pending, 'text' | 'params' | 'options'> | undefined,
): Error {
  let err: Error;
  if (wire.database) {
    err = new messages.DatabaseError(wire.message, Number(wire.fields.length ?? 0), wire.name as 'error');
  } else {
    err = new (ERROR_TYPES[wire.name] ?? Error)(wire.message);
    if (err.name !== wire.name)
      Object.defineProperty(err, 'name', { value: wire.name, configurable: true, writable: true });
  }
  Object.assign(err, wire.fields);
  if (wire.stack) err.stack = wire.stack;
  if (wire.withQuery && call)
    Object.assign(err, { query: call.text, params: call.params, queryOptions: call.options });
  return err;
}

/**
 * The worker's entry file, next to this module: the bundle's own entry when running from
 * dist/bundle, tsc's dist/db/pglite-worker.js from the per-file build, and, from the TypeScript
 * sources (tests, `npm run dev`), pglite-worker.ts built once with esbuild into
 * packages/server/node_modules/.cache (Node 20 cannot load .ts in a Worker, and a loader such as
 * tsx costs ~0.4 s per worker). worker-script.ts does this for every worker of ours.
 */
const workerEntry = (): Promise<URL> =>
  workerScriptUrl(
    import.meta.url,
    './pglite-worker',
    typeof LUMINA_BUNDLED_PGLITE_WORKER === 'string' ? LUMINA_BUNDLED_PGLITE_WORKER : undefined,
  );

/** Process-wide, so it outlives module re-evaluation (each vitest file imports this module anew). */
const COMPILED_PGLITE = Symbol.for('lumina.pglite.wasmModule');

/**
 * PGlite's WebAssembly as the first worker of this process compiled it, handed to every later
 * worker: a Module crosses threads without copying its code, where each worker compiling its own
 * costs ~0.4 s of CPU per open (PGlite caches its compiled module only within one thread). The
 * first worker compiles while it starts, rather than this thread before starting it.
 */
const compiledPglite = globalThis as { [COMPILED_PGLITE]?: WebAssembly.Module };
