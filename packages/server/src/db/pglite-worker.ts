import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isMainThread, type MessagePort, parentPort, workerData } from 'node:worker_threads';
import {
  messages,
  type ParserOptions,
  PGlite,
  type QueryOptions,
  type RowMode,
  type Transaction,
} from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { runPrepared } from './pglite-prepared.js';

/**
 * The embedded database's own thread. PGlite runs PostgreSQL as WebAssembly on the thread that
 * calls it, and decodes every result in JavaScript there: 1–2.4 ms of CPU per statement. Run on
 * the server's main thread, that CPU is taken from the event loop every request shares (200 chat
 * streams saturated it). This module is the entry of a `worker_threads` Worker that owns the
 * PGlite instance: the main thread sends SQL and receives results through
 * `pglite-thread-client.ts`, which speaks the protocol below. `openPgliteInstance` is also what
 * storage.ts calls to run PGlite on the main thread (`LUMINA_PGLITE_THREAD=main`).
 */

/** How to open the embedded database. */
export interface PgliteInstanceOptions {
  /** The database directory; undefined keeps the database in memory. */
  dataDir: string | undefined;
  /** PostgreSQL's `shared_buffers`, e.g. `16MB`. */
  sharedBuffers: string;
  /** initdb has just created the directory: close it and open it again (see below). */
  reopenAfterInitdb: boolean;
  /** PGlite's compiled WebAssembly, when the caller has it (PGlite compiles its own otherwise). */
  wasmModule?: WebAssembly.Module | undefined;
}

/**
 * Opens PGlite with pgvector, durable writes and the given `shared_buffers`.
 * @example const client = await openPgliteInstance({ dataDir, sharedBuffers: '16MB', reopenAfterInitdb: false });
 */
export async function openPgliteInstance(options: PgliteInstanceOptions): Promise<PGlite> {
  const wasmModule = options.wasmModule;
  const open = () =>
    PGlite.create(options.dataDir, {
      extensions: { vector },
      relaxedDurability: false,
      postgresqlconf: [`shared_buffers = ${options.sharedBuffers}`],
      pgliteWasmModule: wasmModule,
    });
  let client = await open();
  await client.exec('create extension if not exists vector');
  if (options.reopenAfterInitdb) {
    // initdb leaves ~650 MB of WASM heap that an idle server never returns; reopening the
    // new database starts from a normal-sized heap (bench/results: 700 -> 330 MB RSS).
    await client.close();
    client = await open();
  }
  return client;
}

/**
 * Query options as they cross threads. Functions cannot: `rawTypes` lists the type OIDs whose
 * values stay text (the identity parsers Drizzle passes), rebuilt here as parsers.
 */
export interface WireQueryOptions {
  rowMode?: RowMode;
  paramTypes?: number[];
  rawTypes?: number[];
}

/** Main thread -> worker. `tx` names an open transaction (the id `begin` answered). */
export type WorkerRequest =
  | { op: 'query'; id: number; tx?: number; text: string; params?: unknown[]; options?: WireQueryOptions }
  | { op: 'exec'; id: number; tx?: number; text: string; options?: WireQueryOptions }
  /** A named prepared statement (pglite-prepared.ts), outside any transaction; answers array rows. */
  | { op: 'prepared'; id: number; name: string; text: string; params: unknown[] }
  /** Answered with a transaction id once PGlite's transaction lock is held and BEGIN has run. */
  | { op: 'begin'; id: number }
  /** The transaction's `rollback()`. */
  | { op: 'rollback'; id: number; tx: number }
  /** The main thread's callback returned (`commit`) or threw: PGlite commits or rolls back. */
  | { op: 'end'; id: number; tx: number; commit: boolean }
  | { op: 'close'; id: number };

/** Worker -> main thread: the answer to request `id`, or what went wrong. */
export type WorkerReply = { id: number; value: unknown } | { id: number; error: WireError };

/**
 * The worker's first message: the database is open (with PGlite's compiled WebAssembly, for the
 * next worker of the process), or why it could not be opened.
 */
export type WorkerStartup =
  | { op: 'ready'; wasmModule: WebAssembly.Module }
  | { op: 'failed'; error: WireError };

/**
 * An error as it crosses threads (structured clone keeps only an Error's message and stack):
 * its class, and every own field PostgreSQL's errors carry (`code`, `severity`, `detail`,
 * `constraint`, …). `withQuery` says PGlite attached the query, its parameters and options,
 * which the main thread attaches again from its own call.
 */
export interface WireError {
  name: string;
  message: string;
  stack: string | undefined;
  /** A PostgreSQL error (PGlite's `messages.DatabaseError`). */
  database: boolean;
  fields: Record<string, string | number | boolean | null | undefined>;
  withQuery: boolean;
}

/** Marks this module's Worker (`workerData`), so importing the module elsewhere does nothing. */
export const PGLITE_WORKER_DATA_KEY = 'luminaPglite';

/** What an error looks like once it has crossed to the other thread. */
export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) {
    return {
      name: 'Error',
      message: String(err),
      stack: undefined,
      database: false,
      fields: {},
      withQuery: false,
    };
  }
  const fields: WireError['fields'] = {};
  for (const [key, value] of Object.entries(err)) {
    if (key === 'name' || key === 'query' || key === 'params' || key === 'queryOptions') continue;
    const type = typeof value;
    if (value == null || type === 'string' || type === 'number' || type === 'boolean') {
      fields[key] = value as string | number | boolean | null | undefined;
    }
  }
  return {
    name: err.name,
    message: err.message,
    stack: err.stack,
    database: err instanceof messages.DatabaseError,
    fields,
    withQuery: 'query' in err,
  };
}

/** Thrown inside PGlite's transaction() to have it roll back when the main thread's callback threw. */
const ROLLED_BACK = Symbol('rolled back');

/** Answers the main thread's requests with the open instance until the main thread ends this worker. */
function serve(port: MessagePort, pg: PGlite): void {
  const transactions = new Map<
    number,
    { tx: Transaction; end(request: { id: number; commit: boolean }): void }
  >();
  let lastTransaction = 0;
  const parsers = new Map<string, ParserOptions>();
  const raw = (value: string) => value;

  const reply = (id: number, value: unknown) => {
    try {
      port.postMessage({ id, value } satisfies WorkerReply);
    } catch (err) {
      // A value structured clone refuses: the caller gets why instead of waiting forever.
      port.postMessage({ id, error: toWireError(err) } satisfies WorkerReply);
    }
  };
  const fail = (id: number, err: unknown) =>
    port.postMessage({ id, error: toWireError(err) } satisfies WorkerReply);
  const answer = (id: number, work: () => Promise<unknown>) => {
    let result: Promise<unknown>;
    try {
      result = work();
    } catch (err) {
      fail(id, err);
      return;
    }
    result.then(
      (value) => reply(id, value),
      (err: unknown) => fail(id, err),
    );
  };

  const queryOptions = (wire: WireQueryOptions | undefined): QueryOptions | undefined => {
    if (!wire?.rawTypes) return wire as QueryOptions | undefined;
    const key = wire.rawTypes.join(',');
    let parsersFor = parsers.get(key);
    if (!parsersFor) {
      parsersFor = Object.fromEntries(wire.rawTypes.map((oid) => [oid, raw]));
      parsers.set(key, parsersFor);
    }
    return { rowMode: wire.rowMode, paramTypes: wire.paramTypes, parsers: parsersFor };
  };

  /** The open transaction `tx` names (PGlite's own message once it has ended). */
  const transaction = (tx: number): Transaction => {
    const open = transactions.get(tx);
    if (!open) throw new Error('Transaction is closed');
    return open.tx;
  };
  /** The instance, or the open transaction the request names. */
  const target = (tx: number | undefined): Pick<Transaction, 'query' | 'exec'> =>
    tx === undefined ? pg : transaction(tx);

  const begin = (id: number) => {
    const txId = ++lastTransaction;
    let ending: { id: number; commit: boolean } | undefined;
    pg.transaction(async (tx) => {
      const ended = new Promise<{ id: number; commit: boolean }>((end) => {
        transactions.set(txId, { tx, end });
      });
      reply(id, txId);
      ending = await ended;
      if (!ending.commit) throw ROLLED_BACK;
    }).then(
      () => {
        transactions.delete(txId);
        reply(ending!.id, null);
      },
      (err: unknown) => {
        transactions.delete(txId);
        if (!ending)
          fail(id, err); // BEGIN itself failed (the instance is closing, …)
        else if (err === ROLLED_BACK) reply(ending.id, null);
        else fail(ending.id, err); // COMMIT or ROLLBACK failed
      },
    );
  };

  port.on('message', (request: WorkerRequest) => {
    switch (request.op) {
      case 'query':
        answer(request.id, () =>
          target(request.tx).query(request.text, request.params, queryOptions(request.options)),
        );
        break;
      case 'exec':
        answer(request.id, () => target(request.tx).exec(request.text, queryOptions(request.options)));
        break;
      case 'prepared':
        answer(request.id, () => runPrepared(pg, request.name, request.text, request.params));
        break;
      case 'begin':
        begin(request.id);
        break;
      case 'rollback':
        answer(request.id, () => transaction(request.tx).rollback());
        break;
      case 'end': {
        const open = transactions.get(request.tx);
        if (open) open.end({ id: request.id, commit: request.commit });
        else fail(request.id, new Error('Transaction is closed'));
        break;
      }
      case 'close':
        answer(request.id, () => pg.close());
        break;
    }
  });
}

/** The WebAssembly global (lib ES2023 declares its types, not the object). */
const wasm = (
  globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }
).WebAssembly;

/** PGlite's WebAssembly (pglite.wasm beside its entry), compiled. */
async function compilePglite(): Promise<WebAssembly.Module> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  return wasm.compile(await fs.promises.readFile(path.join(path.dirname(entry), 'pglite.wasm')));
}

async function runWorker(port: MessagePort, options: PgliteInstanceOptions): Promise<void> {
  let pg: PGlite;
  let wasmModule: WebAssembly.Module;
  try {
    wasmModule = options.wasmModule ?? (await compilePglite());
    pg = await openPgliteInstance({ ...options, wasmModule });
  } catch (err) {
    port.postMessage({ op: 'failed', error: toWireError(err) } satisfies WorkerStartup);
    return;
  }
  serve(port, pg);
  port.postMessage({ op: 'ready', wasmModule } satisfies WorkerStartup);
}

const options = isMainThread
  ? undefined
  : (workerData as Record<string, unknown> | null)?.[PGLITE_WORKER_DATA_KEY];
if (parentPort && options) void runWorker(parentPort, options as PgliteInstanceOptions);
