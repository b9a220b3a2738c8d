import type { FastifyBaseLogger } from 'fastify';
import type { Conversation } from '../../domain/conversation.js';
import type { Message } from '../../domain/message.js';
import { speakerColumns } from '../../domain/speaker.js';
import type { ReplyBus } from '../../realtime/reply-bus.js';
import type { StreamPart } from '../../realtime/stream-parts.js';
import type { AvatarRepository } from '../../repositories/avatar.repository.js';
import type { ConversationSpeaker } from '../../repositories/conversation-rows.js';
import type { MessageRepository } from '../../repositories/message.repository.js';
import type { UsageRepository } from '../../repositories/usage.repository.js';
import type { ConversationContextService } from '../conversation-context.service.js';
import type { AfterReply } from './after-reply.js';
import { messageStart } from './reply-follower.js';
import type { ReplyRegistry } from './reply-registry.js';
import { type ReplyRunDeps, runReply, startEarlyStep } from './reply-run.js';
import type { TurnPlan } from './turn-planner.js';

/** A reply that was started: follow `replyId` on the bus from sequence 0 to stream it. */
export interface StartedReply {
  replyId: string;
  conversationId: string;
}

/** What the engine needs from context assembly. */
export type ReplyContext = Pick<ConversationContextService, 'build' | 'afterReply'>;

/**
 * Carries out a turn plan (turn-planner.ts): builds the context, writes the question and the
 * reply row in one statement, opens the reply's stream, and runs the reply detached from the
 * request (reply-run.ts), registered so any cancel reaches it (reply-registry.ts); after a
 * completed reply, the after-reply work runs (after-reply.ts) before the stream ends.
 * Statements per send (reply-engine.test.ts counts them): the conversation with its messages
 * (reply.service), the avatar with the user (context), the question and reply inserted with
 * the visible branch moved (one data-modifying CTE, atomic without BEGIN/COMMIT), the usage
 * event, the finish; at most one avatar touch a minute; flushes are batched across replies.
 */
export function createReplyEngine(deps: {
  messages: Pick<MessageRepository, 'append'>;
  avatars: Pick<AvatarRepository, 'touch'>;
  /** Records the usage of a model call whose reply could not be stored. */
  usage: Pick<UsageRepository, 'record'>;
  context: Pick<ReplyContext, 'build'>;
  bus: Pick<ReplyBus, 'publish' | 'end' | 'announce'>;
  registry: ReplyRegistry;
  run: ReplyRunDeps;
  afterReply: AfterReply;
  writerId: string;
  log: Pick<FastifyBaseLogger, 'error'>;
}) {
  // "Last used" needs minutes, not milliseconds: one write per avatar per minute at most.
  const touched = new Map<string, number>();
  function touchAvatar(avatarId: string) {
    if (Date.now() - (touched.get(avatarId) ?? 0) < 60_000) return;
    touched.set(avatarId, Date.now());
    if (touched.size > 10_000) touched.clear();
    void deps.avatars.touch(avatarId).catch(() => {});
  }

  /**
   * Opens a new message's stream: the parts before it (the question's `message-start`), then its
   * own `message-start`. The one place a reply's first `message-start` is published, so whatever
   * must hear of every new reply (the conversation's event stream) is told here.
   */
  function openStream(
    message: Message,
    before: StreamPart[],
    withContent: boolean,
  ): (part: StreamPart) => void {
    let seq = 0;
    const publish = (part: StreamPart) => deps.bus.publish(message.id, { seq: ++seq, part });
    for (const part of before) publish(part);
    publish(messageStart(message, withContent));
    // After the first parts, so a follower that hears of the reply finds its log.
    deps.bus.announce(message.conversationId, message.id);
    return publish;
  }

  return {
    /** Starts the reply a plan asks for; answers once its row is stored and its stream is open. */
    async start(
      userId: string,
      conversation: Conversation,
      plan: TurnPlan,
      /** The avatar and user as read with the conversation's tree (else the context reads them). */
      speaker?: ConversationSpeaker,
    ): Promise<StartedReply> {
      if (plan.kind === 'rewrite') {
        const [edited] = await deps.messages.append(conversation.id, [storable(plan.message)]);
        const publish = openStream(edited!, [], false);
        publish({ type: 'text-delta', delta: edited!.content });
        publish({ type: 'finish', status: 'complete', finishReason: 'stop', timings: null });
        deps.bus.end(edited!.id);
        return { replyId: edited!.id, conversationId: conversation.id };
      }
      // Built before anything is written, so "no model" or "local only" refuses a send cleanly.
      // Pictures in the question are refused here for a model that cannot see them.
      const { assembled, chain, generation } = await deps.context.build(
        userId,
        conversation,
        plan.branch,
        speaker,
        plan.question ?? undefined,
        plan.reply.model,
      );
      const { reply: planned, question } = plan;
      // The model is called now and the rows are written meanwhile: the model works on its first
      // token while the database works (one database round trip less before first content).
      const controller = new AbortController();
      const firstStep = startEarlyStep(
        deps.run,
        {
          userId,
          chain,
          maxOutputTokens: assembled.tokens.replyBudget,
          generation,
          avatarId: planned.speaker.id,
          signal: controller.signal,
        },
        assembled.messages,
      );
      const rows = await deps.registry
        .reserve(planned.id, () =>
          deps.messages.append(conversation.id, [
            ...(question ? [storable(question)] : []),
            {
              id: planned.id,
              conversationId: conversation.id,
              ownerId: userId,
              parentId: planned.parentId,
              role: 'assistant',
              parts: planned.parts,
              turnId: planned.turnId,
              ...speakerColumns(planned.speaker),
              status: 'streaming',
              model: chain[0]?.info.id ?? null,
              writerId: deps.writerId,
              // What the context recalled for this reply, stored with it (no extra statement).
              metadata:
                assembled.recalled.length > 0
                  ? { ...planned.metadata, recalled: assembled.recalled }
                  : planned.metadata,
            },
          ]),
        )
        .catch(async (err: unknown) => {
          // Nothing was stored: the model call stops, and what it used is still recorded.
          controller.abort();
          await firstStep.stream.return?.().catch(() => {});
          for (const event of firstStep.usageEvents) {
            await deps.usage
              .record(event)
              .catch((e: unknown) => deps.log.error({ err: e }, 'usage not recorded'));
          }
          throw err;
        });
      const reply = rows.at(-1)!;
      touchAvatar(planned.speaker.id);
      // A continued reply starts with the text it continues: its message-start carries it.
      const publish = openStream(
        reply,
        question ? [messageStart(rows[0]!, true)] : [],
        reply.parts.length > 0,
      );
      // The branch the reply ends: a continued reply takes the place of the one it continues.
      const above = plan.action === 'continue' ? plan.branch.slice(0, -1) : plan.branch;
      deps.registry.start(
        reply.id,
        async (running) => {
          try {
            const outcome = await runReply(deps.run, {
              userId,
              reply,
              avatarId: planned.speaker.id,
              chain,
              history: assembled.messages,
              maxOutputTokens: assembled.tokens.replyBudget,
              generation,
              running,
              publish,
              firstStep,
            });
            if (outcome.status === 'complete')
              await deps.afterReply.completed({
                userId,
                conversation,
                branch: [...above, ...(outcome.stored ? [outcome.stored] : [])],
                assembled,
                chain,
                publish,
              });
          } catch (err) {
            deps.log.error({ err, replyId: reply.id }, 'reply failed');
          } finally {
            deps.bus.end(reply.id);
          }
        },
        controller,
      );
      return { replyId: reply.id, conversationId: conversation.id };
    },
  };
}

/** The columns a planned message is inserted with (the database fills in the rest). */
function storable(message: Message) {
  const { id, conversationId, ownerId, parentId, role, content, parts, turnId, metadata, model } = message;
  return {
    id,
    conversationId,
    ownerId,
    parentId,
    role,
    content,
    parts,
    turnId,
    speakerAvatarId: message.speakerAvatarId,
    speakerUserId: message.speakerUserId,
    metadata,
    model,
    createdAt: message.createdAt,
    updatedAt: message.updatedAt,
  };
}

export type ReplyEngine = ReturnType<typeof createReplyEngine>;
