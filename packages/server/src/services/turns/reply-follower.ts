import type { Message } from '../../domain/message.js';
import { speakerOf } from '../../domain/speaker.js';
import { AppError } from '../../errors.js';
import type { ReplyBus, ReplyEvent } from '../../realtime/reply-bus.js';
import { INTERRUPTED_ERROR } from '../../repositories/message.repository.js';
import { FOLLOW_UNAVAILABLE } from './reply-failure.js';

type Part = ReplyEvent['part'];

/**
 * The part that opens a message on a stream: who speaks it, in which turn. `withContent` when it
 * replaces what a client holds (a resume, an edit, a continued reply's first words).
 */
export const messageStart = (message: Message, withContent: boolean): Part => ({
  type: 'message-start',
  messageId: message.id,
  parentId: message.parentId,
  turnId: message.turnId,
  role: message.role,
  participant: speakerOf(message),
  model: message.model,
  ...(withContent ? { content: message.content } : {}),
  createdAt: message.createdAt.toISOString(),
});

export interface FollowDeps {
  bus: ReplyBus;
  /** The reply as stored now (throws AppError 404 once it is deleted, or a database error). */
  load(replyId: string): Promise<Message>;
  /** Whether the writer of this `streaming` row is still writing it. */
  writerAlive(row: Message): Promise<boolean>;
  /** Marks a reply whose writer is gone `interrupted`; undefined when it ended meanwhile. */
  interrupt(replyId: string): Promise<Message | undefined>;
  /** How often a reply the bus does not know is read again from the database. */
  pollMs: number;
  /** How long a follower waits in silence before it checks that the writer still lives. */
  checkMs: number;
  /** How long a follower keeps waiting while the database cannot tell it anything. */
  giveUpMs: number;
}

/** How following the bus ended: with the writer's `finish`, or with what the writer watch found. */
interface BusEnd {
  finished: boolean;
  ending?: Ending;
}

type Ending =
  | { kind: 'stored'; row: Message }
  | { kind: 'deleted' }
  | { kind: 'unreachable' }
  | { kind: 'gone'; row: Message };

/**
 * The parts of a reply after `afterSeq`, always ending with `finish` unless `signal` aborts:
 * live from the bus while it knows the reply, else a snapshot from the database (a
 * `message-start` carrying the text so far, replacing what the client has) followed by polling.
 * While nothing arrives, the follower checks every `checkMs` that the writer still lives (the
 * row is still `streaming` and its writer holds its lock); once the writer is gone it marks the
 * reply `interrupted` and ends with what is stored, instead of waiting for parts that will
 * never come. A database that cannot answer for `giveUpMs` ends it too (resume later).
 */
export async function* followReply(
  deps: FollowDeps,
  message: Message,
  afterSeq: number,
  signal: AbortSignal,
): AsyncGenerator<ReplyEvent> {
  const watch = writerWatch(deps, message.id);
  let seq = afterSeq;
  let current = message;
  // A bus that fails (Redis is away) is no reason to stop following: the database tells.
  if (await deps.bus.has(message.id).catch(() => false)) {
    let end: BusEnd = { finished: false };
    try {
      const live = followBus(deps, message.id, afterSeq, signal, watch);
      for (let step = await live.next(); ; step = await live.next()) {
        if (step.done) {
          end = step.value;
          break;
        }
        seq = step.value.seq;
        yield step.value;
      }
    } catch {
      end = { finished: false };
    }
    const { finished, ending } = end;
    if (finished || signal.aborted) return;
    if (ending) {
      yield* endWith(deps, ending, seq, null);
      return;
    }
    // The bus ended without a finish (its log expired, or it failed): the database tells.
    try {
      current = await deps.load(message.id);
    } catch (err) {
      yield* endWith(deps, isDeleted(err) ? { kind: 'deleted' } : { kind: 'unreachable' }, seq, null);
      return;
    }
  }
  yield { seq: ++seq, part: messageStart(current, true) };
  let sent = current.content;
  const pollsPerCheck = Math.max(1, Math.round(deps.checkMs / deps.pollMs));
  for (let polls = 1; current.status === 'streaming' && !signal.aborted; polls++) {
    await new Promise((resolve) => setTimeout(resolve, deps.pollMs));
    let ending: Ending | undefined;
    try {
      current = await deps.load(message.id);
      if (current.content.startsWith(sent) && current.content.length > sent.length) {
        yield { seq: ++seq, part: { type: 'text-delta', delta: current.content.slice(sent.length) } };
        sent = current.content;
        watch.seenAlive();
      } else if (current.status === 'streaming' && polls % pollsPerCheck === 0) {
        ending = await watch.check(current);
      }
    } catch (err) {
      ending = isDeleted(err) ? { kind: 'deleted' } : await watch.check();
    }
    if (ending) {
      yield* endWith(deps, ending, seq, sent);
      return;
    }
  }
  if (signal.aborted) return;
  yield* endWith(deps, { kind: 'stored', row: current }, seq, sent);
}

/** The bus's parts, interleaved with writer checks while it is silent. */
async function* followBus(
  deps: FollowDeps,
  replyId: string,
  afterSeq: number,
  signal: AbortSignal,
  watch: WriterWatch,
): AsyncGenerator<ReplyEvent, BusEnd> {
  // Our own signal, so the bus stops following when we stop waiting for it.
  const inner = new AbortController();
  const stop = () => inner.abort();
  signal.addEventListener('abort', stop, { once: true });
  const parts = deps.bus.follow(replyId, afterSeq, inner.signal)[Symbol.asyncIterator]();
  let finished = false;
  // One silence timer for the whole follow, re-armed with `refresh()` after each part, and one
  // tick promise kept until it fires: a reply's parts no longer cost a timer and a promise each.
  let ticked = false;
  let wake: () => void = () => {};
  let tick!: Promise<'tick'>;
  const arm = () => {
    ticked = false;
    tick = new Promise<'tick'>((resolve) => {
      wake = () => {
        ticked = true;
        resolve('tick');
      };
    });
  };
  arm();
  const timer = setTimeout(() => wake(), deps.checkMs);
  try {
    let pending = parts.next();
    pending.catch(() => {}); // abandoned when the writer is found gone; awaited below otherwise
    while (!signal.aborted) {
      const next = await Promise.race([pending, tick]);
      if (next === 'tick') {
        const ending = await watch.check();
        if (ending) return { finished, ending };
        arm();
        timer.refresh(); // silence is counted again from the end of the check, as before
        continue;
      }
      if (next.done) return { finished };
      watch.seenAlive();
      if (next.value.part.type === 'finish') finished = true;
      yield next.value;
      // A tick that fired while the consumer held the part (a slow client) is not silence.
      if (ticked) arm();
      timer.refresh();
      pending = parts.next();
      pending.catch(() => {});
    }
    return { finished };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
    inner.abort();
    await parts.return?.(undefined);
  }
}

type WriterWatch = ReturnType<typeof writerWatch>;

/** Decides from checks made while a reply is silent whether its follower should stop waiting. */
function writerWatch(deps: FollowDeps, replyId: string) {
  let strikes = 0;
  let unreachableSince: number | undefined;
  return {
    /** A part arrived: the writer lives. */
    seenAlive() {
      strikes = 0;
      unreachableSince = undefined;
    },
    async check(read?: Message): Promise<Ending | undefined> {
      let row: Message;
      let over: boolean;
      try {
        row = read ?? (await deps.load(replyId));
        over = row.status !== 'streaming' || !(await deps.writerAlive(row));
      } catch (err) {
        if (isDeleted(err)) return { kind: 'deleted' };
        unreachableSince ??= Date.now();
        return Date.now() - unreachableSince >= deps.giveUpMs ? { kind: 'unreachable' } : undefined;
      }
      unreachableSince = undefined;
      if (!over) {
        strikes = 0;
        return undefined;
      }
      // One look can race the writer's own last steps (it stores its finish before publishing
      // it; it takes its lock again after a reconnect): act on the second in a row.
      if (++strikes < 2) return undefined;
      return row.status === 'streaming' ? { kind: 'gone', row } : { kind: 'stored', row };
    },
  };
}

/**
 * The closing parts: what is stored, then `finish`. `sent` is the text the client has from this
 * follower (the stored text continues it with a `text-delta`), or null when it has live text
 * from the bus, which a `message-start` carrying the stored text replaces.
 */
async function* endWith(
  deps: FollowDeps,
  ending: Ending,
  afterSeq: number,
  sent: string | null,
): AsyncGenerator<ReplyEvent> {
  let seq = afterSeq;
  if (ending.kind === 'deleted' || ending.kind === 'unreachable') {
    const error =
      ending.kind === 'deleted'
        ? { code: 'message_not_found', message: 'This reply was deleted' }
        : FOLLOW_UNAVAILABLE;
    yield { seq: ++seq, part: { type: 'error', ...error } };
    yield {
      seq: ++seq,
      part: { type: 'finish', status: 'interrupted', finishReason: 'error', timings: null },
    };
    return;
  }
  let row = ending.row;
  if (ending.kind === 'gone') {
    try {
      // Undefined: the reply ended meanwhile, and is read as it ended.
      row = (await deps.interrupt(row.id)) ?? (await deps.load(row.id));
    } catch {
      // The database is away again: the row as last read is what is stored.
      row = { ...row, status: 'interrupted', finishReason: 'error', error: INTERRUPTED_ERROR };
    }
  }
  if (sent === null || !row.content.startsWith(sent)) yield { seq: ++seq, part: messageStart(row, true) };
  else if (row.content.length > sent.length)
    yield { seq: ++seq, part: { type: 'text-delta', delta: row.content.slice(sent.length) } };
  if (row.error) yield { seq: ++seq, part: { type: 'error', ...row.error } };
  yield {
    seq: ++seq,
    part: {
      type: 'finish',
      // A row read as it ended is never `streaming`; were it so, the follower stops here.
      status: row.status === 'streaming' ? 'interrupted' : row.status,
      finishReason: row.finishReason,
      timings: { timeToFirstTokenMs: row.timeToFirstTokenMs, durationMs: row.durationMs },
    },
  };
}

const isDeleted = (err: unknown) => err instanceof AppError && err.status === 404;
