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

  constructor(
    private readonly chat: ChatBridge,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Whether a reply is being written now. */
  get replying(): boolean {
    return this.inFlight !== undefined;
  }

  async process(frame: Frame, push: Push): Promise<void> {
    if (frame.kind === 'interruption' || frame.kind === 'end') {
      const running = this.inFlight;
      this.inFlight = undefined;
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
    const { replyId } = await this.chat.send(frame.text);
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
