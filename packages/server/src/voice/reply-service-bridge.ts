import type { MessageEditService } from '../services/message-edit.service.js';
import type { ReplyService } from '../services/reply.service.js';
import type { ChatBridge, ReplyEvent } from './chat-bridge.js';

/**
 * The voice loop's chat engine is the conversation engine itself: a voice turn is a typed send
 * (ReplyService.send: user message and reply stored in the tree, context and memory as for
 * typed turns), cancelled through ReplyService.cancel, and cut with the in-place message edit —
 * or deleted (alone: a later turn below it moves up) when the user heard none of it, so neither
 * the conversation nor the model's next context holds an answer that was never given.
 * `authorize` re-checks the caller's credential before every turn (throws `session_expired`).
 */
export function replyServiceBridge(deps: {
  replies: Pick<ReplyService, 'send' | 'followStarted' | 'follow' | 'cancel'>;
  edits: Pick<MessageEditService, 'editInPlace' | 'delete'>;
  userId: string;
  conversationId: string;
  authorize: () => Promise<void>;
}): ChatBridge {
  const { replies, userId } = deps;
  return {
    async send(text) {
      await deps.authorize();
      return replies.send(userId, deps.conversationId, { content: text });
    },

    async *follow(replyId, signal): AsyncIterable<ReplyEvent> {
      let text = '';
      for await (const { part } of replies.followStarted(replyId, signal)) {
        if (part.type === 'message-start' && part.role === 'user') {
          yield { type: 'user-message', messageId: part.messageId };
        } else if (part.type === 'text-delta') {
          text += part.delta;
          yield { type: 'text', text: part.delta };
        } else if (part.type === 'finish') {
          yield { type: 'end', status: part.status, text };
          return;
        }
      }
    },

    async cancel(replyId) {
      await replies.cancel(userId, replyId);
    },

    async cut(replyId, heard) {
      // The reply is settled (stored) once its stream has finished.
      const settled = new AbortController();
      const timer = setTimeout(() => settled.abort(), 10_000);
      try {
        for await (const { part } of replies.follow(userId, replyId, 0, settled.signal)) {
          if (part.type === 'finish') break;
        }
      } finally {
        clearTimeout(timer);
      }
      // The final write of a cancelled reply may land a moment after its `finish` part.
      for (let attempt = 0; ; attempt++) {
        try {
          if (heard === '') await deps.edits.delete(userId, replyId, 'message');
          else await deps.edits.editInPlace(userId, replyId, { content: heard });
          return;
        } catch (err) {
          if ((err as { code?: string }).code !== 'message_streaming' || attempt >= 20) throw err;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    },
  };
}
