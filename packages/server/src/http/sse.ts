import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConversationEvent } from '../realtime/conversation-events.js';
import type { StreamPart } from '../realtime/stream-parts.js';

/**
 * Any tagged event (progress streams: model pulls, local model downloads). A reply's stream is
 * always typed by the stream contract (`StreamPart`), never by this.
 */
export interface SsePart {
  type: string;
  [key: string]: unknown;
}

/**
 * Streams tagged parts as Server-Sent Events (`event:` = type, `data:` = JSON, `id:` = sequence),
 * with a comment line every 15 s so proxies keep the connection open. When the client goes
 * away, `abort` fires so the producer can stop.
 * @example await sendServerSentEvents(request, reply, (signal) => produce(signal));
 */
export async function sendServerSentEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  produce: (signal: AbortSignal) => AsyncIterable<SsePart>,
  options: { heartbeatMs?: number; firstId?: number } = {},
): Promise<void> {
  let id = options.firstId ?? 1;
  await writeEvents(
    request,
    reply,
    async function* (signal) {
      for await (const part of produce(signal)) yield { seq: id++, part };
    },
    options,
    numberedFrame,
    numberedId,
  );
}

/**
 * Like sendServerSentEvents, for a reply's parts, which already carry their sequence number (a
 * reply followed from the bus, so `Last-Event-ID` means the same thing on every connection).
 * Typed by the stream contract: what goes out is what the OpenAPI document's `StreamPart` says.
 */
export async function sendNumberedEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  produce: (signal: AbortSignal) => AsyncIterable<{ seq: number; part: StreamPart }>,
  options: { heartbeatMs?: number } = {},
): Promise<void> {
  await writeEvents(request, reply, produce, options, numberedFrame, numberedId, true);
}

/**
 * Streams a conversation's events (realtime/conversation-events.ts) as SSE: `event:` = the part's
 * type, `data:` = the whole event (`{messageId, seq, part}`), and no `id:`: the stream starts live
 * (a reply is resumed on its own stream, with its `seq`).
 */
export async function sendConversationEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  produce: (signal: AbortSignal) => AsyncIterable<ConversationEvent>,
  options: { heartbeatMs?: number } = {},
): Promise<void> {
  await writeEvents(
    request,
    reply,
    produce,
    options,
    (event) => `event: ${event.part.type}\ndata: ${JSON.stringify(event)}\n\n`,
    () => null,
  );
}

/**
 * One numbered event: `data:` is the part without its `type` (that is the `event:`). A text or
 * reasoning delta — nearly every event of a reply — is written without copying the part.
 */
const numberedFrame = ({ seq, part }: { seq: number; part: SsePart | StreamPart }): string => {
  if (part.type === 'text-delta' || part.type === 'reasoning-delta')
    return `id: ${seq}\nevent: ${part.type}\ndata: {"delta":${JSON.stringify(part.delta)}}\n\n`;
  const { type, ...data } = part;
  return `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
};
const numberedId = (item: { seq: number }) => item.seq;

/**
 * A reply's text arrives a token at a time (a model paced at 20–50 tokens a second). The first
 * delta after a quiet spell is written at once (first content is never held back); the deltas
 * that follow within this window are held and written together as one event, carrying the last
 * sequence number they cover (so `Last-Event-ID` resumes after all of them). One write and one
 * event per window instead of one per token: fewer syscalls on the server, fewer events to parse
 * in the browser, and nothing a reader can see (the web app paints at most once a frame).
 */
export const DELTA_WINDOW_MS = 50;

/**
 * While some reply stream has not yet written its first content, the others hold their deltas
 * this long instead: under a burst of new replies the event loop goes to starting them (first
 * content is what a person waits for) rather than to writing the text of replies already on
 * screen, which meanwhile arrives in five steps a second instead of twenty (docs/performance.md).
 */
export const BUSY_DELTA_WINDOW_MS = 200;

/** Reply streams of this process that have not written their first content yet. */
let awaitingFirstContent = 0;
/** Streams holding deltas, written together when the shared window ends: one timer, not one per stream. */
const heldWriters = new Set<() => void>();
/** True while the shared timer is set. */
let pacing = false;
const deltaWindow = () => (awaitingFirstContent > 0 ? BUSY_DELTA_WINDOW_MS : DELTA_WINDOW_MS);
const writeAllHeld = () => {
  pacing = false;
  const due = [...heldWriters];
  heldWriters.clear();
  for (const writeHeld of due) writeHeld();
};
const writeHeldLater = (writeHeld: () => void, inMs: number) => {
  heldWriters.add(writeHeld);
  if (pacing) return;
  pacing = true;
  setTimeout(writeAllHeld, Math.max(0, inMs));
};

type HeldDelta = { type: 'text-delta' | 'reasoning-delta'; delta: string; seq: number };
const isDelta = (part: { type: string }): part is { type: 'text-delta' | 'reasoning-delta'; delta: string } =>
  part.type === 'text-delta' || part.type === 'reasoning-delta';

/** Writes events as SSE until the producer ends or the client goes away. */
async function writeEvents<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  produce: (signal: AbortSignal) => AsyncIterable<T>,
  options: { heartbeatMs?: number },
  frame: (item: T) => string,
  idOf: (item: T) => number | null,
  /** Numbered reply parts: deltas within DELTA_WINDOW_MS of a write go out as one event. */
  mergeDeltas = false,
): Promise<void> {
  const controller = new AbortController();
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // Parts that arrive in the same tick go out in one write (a fast model sends many at once);
  // the headers go out with the first of them (a started reply's first parts are already there),
  // or alone at the end of this tick: one write less per reply, and never held back.
  let corked = true;
  const uncork = () => {
    corked = false;
    raw.uncork();
  };
  raw.cork();
  setImmediate(uncork);
  raw.flushHeaders?.();
  // The response closing before we finished it means the client went away. (The request's own
  // 'close' fires as soon as its body has been read, which is not a disconnect.)
  const onClose = () => {
    if (!raw.writableFinished) controller.abort();
  };
  raw.on('close', onClose);
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
  let lastSeq: number | null = 0;
  const write = (text: string) => {
    if (!corked) {
      corked = true;
      raw.cork();
      setImmediate(uncork);
    }
    raw.write(text);
  };
  // Deltas held back within the window (mergeDeltas), and when the window ends.
  let held: HeldDelta | null = null;
  let windowEnds = 0;
  let awaiting = mergeDeltas;
  if (awaiting) awaitingFirstContent++;
  const firstContentWritten = () => {
    if (!awaiting) return;
    awaiting = false;
    awaitingFirstContent--;
  };
  const writeHeld = () => {
    heldWriters.delete(writeHeld);
    if (!held) return;
    const { type, delta, seq } = held;
    held = null;
    if (raw.destroyed) return;
    write(`id: ${seq}\nevent: ${type}\ndata: {"delta":${JSON.stringify(delta)}}\n\n`);
    firstContentWritten();
    windowEnds = performance.now() + deltaWindow();
  };
  try {
    for await (const item of produce(controller.signal)) {
      if (raw.destroyed) break;
      lastSeq = idOf(item);
      const part = mergeDeltas ? (item as { seq: number; part: StreamPart }).part : null;
      if (part && isDelta(part)) {
        const seq = lastSeq as number;
        if (held && held.type === part.type) {
          held.delta += part.delta;
          held.seq = seq;
        } else {
          writeHeld();
          held = { type: part.type, delta: part.delta, seq };
        }
        const now = performance.now();
        if (now >= windowEnds) writeHeld();
        else writeHeldLater(writeHeld, windowEnds - now);
        continue;
      }
      writeHeld();
      write(frame(item));
    }
    writeHeld();
  } catch (err) {
    writeHeld();
    request.log.error({ err }, 'stream failed');
    if (!raw.destroyed) {
      raw.write(
        `${lastSeq === null ? '' : `id: ${lastSeq + 1}\n`}event: error\ndata: ${JSON.stringify({ code: 'internal_error', message: 'The stream failed on our side' })}\n\n`,
      );
    }
  } finally {
    heldWriters.delete(writeHeld);
    firstContentWritten();
    clearInterval(heartbeat);
    raw.off('close', onClose);
    if (!raw.destroyed) raw.end();
  }
}
