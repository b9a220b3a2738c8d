import type { ChatBridge } from '../chat-bridge.js';
import type { Frame } from './frames.js';
import type { Processor, Push } from './processor.js';

/**
 * The chat engine: a user turn is stored and answered through the conversation engine
 * (`ChatBridge`), the reply's text pushed as `llm-text` deltas and `llm-end`. An interruption
 * cancels the reply in flight at once and names it on the interruption frame (so the transport
 * tells the client which message stopped); nothing more of that reply goes downstream.
 */
export class ChatReply implements Processor {
  readonly name = 'chat-reply';
  private inFlight: { replyId: string; controller: AbortController } | undefined;
  /** A turn is being stored (the reply has no id yet); an interruption meanwhile cancels it once it has. */
  private starting: { interrupted: boolean } | undefined;

  constructor(
    private readonly chat: ChatBridge,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Whether a reply is being started or written now. */
  get replying(): boolean {
    return this.inFlight !== undefined || this.starting !== undefined;
  }

  async process(frame: Frame, push: Push): Promise<void> {
    if (frame.kind === 'interruption' || frame.kind === 'end') {
      const running = this.inFlight;
      this.inFlight = undefined;
      if (this.starting) this.starting.interrupted = true;
      if (running) {
        running.controller.abort();
        this.chat.cancel(running.replyId).catch(this.onError);
      }
      push(frame.kind === 'interruption' && running ? { ...frame, messageId: running.replyId } : frame);
      return;
    }
    if (frame.kind !== 'user-turn') {
      push(frame);
      return;
    }
    const starting = { interrupted: false };
    this.starting = starting;
    let replyId: string;
    try {
      ({ replyId } = await this.chat.send(frame.text));
    } finally {
      if (this.starting === starting) this.starting = undefined;
    }
    if (starting.interrupted) {
      // Talked over before its reply began: the turn is stored as said, its reply stopped at once
      // (the client still hears of both, so its transcript matches the conversation).
      await this.chat.cancel(replyId);
      const controller = new AbortController();
      for await (const event of this.chat.follow(replyId, controller.signal)) {
        if (event.type === 'user-message') {
          push({
            kind: 'user-stored',
            at: performance.now(),
            text: frame.text,
            messageId: event.messageId,
            replyId,
            speechEndAt: frame.speechEndAt,
          });
        } else if (event.type === 'end') {
          push({
            kind: 'llm-end',
            at: performance.now(),
            messageId: replyId,
            text: event.text,
            status: event.status,
          });
          break;
        }
      }
      controller.abort();
      return;
    }
    const controller = new AbortController();
    const running = { replyId, controller };
    this.inFlight = running;
    try {
      for await (const event of this.chat.follow(replyId, controller.signal)) {
        if (controller.signal.aborted) return;
        if (event.type === 'user-message') {
          push({
            kind: 'user-stored',
            at: performance.now(),
            text: frame.text,
            messageId: event.messageId,
            replyId,
            speechEndAt: frame.speechEndAt,
          });
        } else if (event.type === 'text') {
          push({ kind: 'llm-text', at: performance.now(), messageId: replyId, text: event.text });
        } else {
          push({
            kind: 'llm-end',
            at: performance.now(),
            messageId: replyId,
            text: event.text,
            status: event.status,
          });
        }
      }
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    } finally {
      if (this.inFlight === running) this.inFlight = undefined;
    }
  }
}
