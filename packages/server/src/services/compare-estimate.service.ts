import type { Config } from '../config.js';
import { AppError, invalidRequest, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { type CostRange, costRange, type Price, priceFor } from '../providers/pricing.js';
import type { MessageRepository } from '../repositories/message.repository.js';
import type { MessageAttachmentRepository } from '../repositories/message-attachment.repository.js';
import type { ConversationContextService } from './conversation-context.service.js';
import { attachmentParts } from './turns/attachment-parts.js';
import { planCompare } from './turns/compare-planner.js';

/** One model's share of a compare estimate. */
export interface ModelEstimate {
  model: string;
  local: boolean;
  /** Tokens the model would be sent: the assembled context with the new message, framing included. */
  promptTokens: number;
  /** The reply budget the call is capped at: the reply may use up to this many. */
  maxOutputTokens: number;
  /** USD per million tokens, when the model has a price (null for a local model or an unpriced one). */
  price: { inputUsdPerMillion: number; outputUsdPerMillion: number } | null;
  /** Prompt alone → prompt and a full reply; 0–0 for a local model; null when no price is known. */
  costUsd: CostRange | null;
}

export interface CompareEstimate {
  models: ModelEstimate[];
  /** The sum over the models whose cost is known (null when none is); see `unpriced`. */
  totalUsd: CostRange | null;
  /** Models left out of the total: cloud models without a price. */
  unpriced: string[];
}

/**
 * What a compare would cost before it runs (issue 15 "Cost and safety"; docs/conversations.md
 * "Compare"): the send is planned as `POST …/compare` plans it (nothing is stored), each model's
 * context is assembled as its reply's would be (`context.measure`: same recall, summary, window,
 * reply budget and token counter as the context inspector), and priced with the admin's prices
 * (providers/pricing.ts). The models are checked as the send checks them, with its error codes.
 */
export function createCompareEstimateService(deps: {
  messages: Pick<MessageRepository, 'conversationTree'>;
  attachments: Pick<MessageAttachmentRepository, 'facts'>;
  context: Pick<ConversationContextService, 'measure'>;
  prices: () => Promise<Price[]>;
  config: Pick<Config['chat'], 'maxMessageChars'>;
}) {
  return {
    async estimate(
      userId: string,
      conversationId: string,
      input: {
        content: string;
        parentId?: string | undefined;
        attachments?: string[] | undefined;
        models: string[];
      },
    ): Promise<CompareEstimate> {
      // An estimate may be asked while the message is still empty; a too-long one is refused as a send would be.
      if (input.content.length > deps.config.maxMessageChars)
        throw new AppError(
          400,
          'message_too_long',
          `The message is longer than ${deps.config.maxMessageChars.toLocaleString('en')} characters`,
          { maxChars: deps.config.maxMessageChars },
        );
      const files = await attachmentParts(deps.attachments, userId, input.attachments ?? []);
      const tree = await deps.messages.conversationTree(userId, { conversationId });
      if (!tree) throw notFound('conversation');
      const { conversation } = tree;
      if (input.parentId && !tree.message(input.parentId))
        throw invalidRequest('parentId must be a message of this conversation');
      const parentId = input.parentId ?? conversation.activeLeafId;
      const above = parentId ? tree.branch(parentId) : [];
      const { question, plans } = planCompare(
        { userId, conversation, newId, now: new Date() },
        above,
        { content: input.content, files },
        input.models,
      );
      const [measured, prices] = await Promise.all([
        Promise.all(
          plans.map((plan) =>
            deps.context.measure(
              userId,
              conversation,
              plan.branch,
              tree.speaker,
              question,
              plan.reply.model!,
            ),
          ),
        ),
        deps.prices(),
      ]);
      const models = plans.map((plan, index): ModelEstimate => {
        const { assembled, chain } = measured[index]!;
        const model = plan.reply.model!;
        const local = chain[0]?.info.local ?? false;
        const price = local ? undefined : priceFor(model, prices);
        const promptTokens = assembled.tokens.total;
        const maxOutputTokens = assembled.tokens.replyBudget;
        return {
          model,
          local,
          promptTokens,
          maxOutputTokens,
          price: price
            ? { inputUsdPerMillion: price.inputUsdPerMillion, outputUsdPerMillion: price.outputUsdPerMillion }
            : null,
          costUsd: costRange(promptTokens, maxOutputTokens, price, local),
        };
      });
      return { models, ...sumOf(models) };
    },
  };
}

/** The total of the models whose cost is known, and the models left out. */
export function sumOf(models: readonly Pick<ModelEstimate, 'model' | 'costUsd'>[]): {
  totalUsd: CostRange | null;
  unpriced: string[];
} {
  const known = models.flatMap((m) => (m.costUsd ? [m.costUsd] : []));
  return {
    totalUsd:
      known.length === 0
        ? null
        : {
            minUsd: known.reduce((sum, cost) => sum + cost.minUsd, 0),
            maxUsd: known.reduce((sum, cost) => sum + cost.maxUsd, 0),
          },
    unpriced: models.filter((m) => m.costUsd === null).map((m) => m.model),
  };
}

export type CompareEstimateService = ReturnType<typeof createCompareEstimateService>;
