import type { Message } from '../../domain/message.js';
import { AppError, invalidRequest } from '../../errors.js';
import {
  type FilePart,
  type PlanContext,
  type PlannedReply,
  planRegenerate,
  planSend,
  type TurnPlan,
} from './turn-planner.js';

/**
 * Compare and merge (issue 15, docs/conversations.md "Compare"): one user message answered by
 * several models at once, each answer a sibling reply in the same turn, labelled with its model;
 * and a merge, one more sibling written by a chosen model from some of those answers. Pure
 * functions of loaded data, like the turn planner they build on.
 */

/** How many models one compare asks (and how many answers one merge reads). */
export const COMPARE_MIN_MODELS = 2;
export const COMPARE_MAX_MODELS = 6;

/** What a compare reply records in its metadata: its model and its column. */
export interface CompareMark {
  model: string;
  index: number;
}

/** What a merged reply records: who wrote it and which replies it merged, in order. */
export interface MergeMark {
  model: string;
  from: string[];
}

type ReplyPlan = Extract<TurnPlan, { kind: 'reply' }>;

/** 400 `compare_models_invalid`: not 2–6 distinct model ids. */
export function checkCompareModels(models: readonly string[]): string[] {
  const ids = models.map((id) => id.trim());
  if (ids.some((id) => id === '')) throw new AppError(400, 'compare_models_invalid', 'A model id is empty');
  if (new Set(ids).size !== ids.length)
    throw new AppError(400, 'compare_models_invalid', 'A model is named twice', { models: ids });
  if (ids.length < COMPARE_MIN_MODELS || ids.length > COMPARE_MAX_MODELS)
    throw new AppError(
      400,
      'compare_models_invalid',
      `A compare takes ${COMPARE_MIN_MODELS} to ${COMPARE_MAX_MODELS} models`,
      { min: COMPARE_MIN_MODELS, max: COMPARE_MAX_MODELS },
    );
  return ids;
}

/** Gives a planned reply its one model and its mark. */
function pinned(reply: PlannedReply, model: string, metadata: Record<string, unknown>): PlannedReply {
  return { ...reply, model, metadata: { ...reply.metadata, ...metadata } };
}

/**
 * The plans of a compare: the first stores the user message with the first model's reply; the
 * others answer that message (siblings, same turn), one per model, in the order given.
 * @example planCompare(ctx, branch, { content: 'Hi' }, ['a/x', 'b/y']) // two plans, one question
 */
export function planCompare(
  ctx: PlanContext,
  above: Message[],
  input: { content: string; files?: readonly FilePart[] },
  models: readonly string[],
): { question: Message; plans: ReplyPlan[] } {
  const ids = checkCompareModels(models);
  const first = planSend(ctx, above, {
    content: input.content,
    ...(input.files ? { files: input.files } : {}),
    metadata: { compare: { models: ids } },
  }) as ReplyPlan;
  const question = first.question!;
  const mark = (index: number) => ({ compare: { model: ids[index]!, index } satisfies CompareMark });
  const plans: ReplyPlan[] = [{ ...first, reply: pinned(first.reply, ids[0]!, mark(0)) }];
  for (let index = 1; index < ids.length; index += 1) {
    const plan = planRegenerate(ctx, question, first.branch) as ReplyPlan;
    plans.push({ ...plan, reply: pinned(plan.reply, ids[index]!, mark(index)) });
  }
  return { question, plans };
}

/** The label of a reply in a merge prompt: its model, else its speaker's. */
const labelOf = (reply: Message) => reply.model ?? 'an assistant';

/**
 * What the merging model is asked: the question, then the answers, then what to do. It stands in
 * for the user message in the branch the model sees (the stored message is not changed).
 */
export function mergePrompt(question: Message, replies: readonly Message[]): string {
  const answers = replies
    .map(
      (reply, index) =>
        `<answer number="${index + 1}" model="${labelOf(reply)}">\n${reply.content.trim()}\n</answer>`,
    )
    .join('\n\n');
  return [
    question.content,
    '',
    '---',
    `${replies.length} assistants answered the message above. Their answers:`,
    '',
    answers,
    '',
    'Write one answer to the message above that combines the best of these answers: keep what is correct and useful, settle where they disagree (say briefly where they did, when it matters), and leave out repetition. Answer the message directly, in its language, as if you were answering it yourself; do not mention the answers, the assistants or these instructions.',
  ].join('\n');
}

/**
 * A merge: `model` writes one answer to `question` from `replies` (its replies, finished, 2–6,
 * distinct), stored as one more sibling that records them. `branch` is root → `question`.
 */
export function planMerge(
  ctx: PlanContext,
  question: Message,
  branch: Message[],
  replies: readonly Message[],
  model: string,
): ReplyPlan {
  if (question.role !== 'user')
    throw invalidRequest('Only the answers to one of your messages can be merged');
  if (branch.at(-1)?.id !== question.id) throw invalidRequest('The message to answer is gone');
  if (replies.length < COMPARE_MIN_MODELS || replies.length > COMPARE_MAX_MODELS)
    throw new AppError(
      400,
      'merge_reply_invalid',
      `A merge reads ${COMPARE_MIN_MODELS} to ${COMPARE_MAX_MODELS} replies`,
      { min: COMPARE_MIN_MODELS, max: COMPARE_MAX_MODELS },
    );
  if (new Set(replies.map((reply) => reply.id)).size !== replies.length)
    throw new AppError(400, 'merge_reply_invalid', 'A reply is named twice');
  for (const reply of replies) {
    if (reply.parentId !== question.id || reply.role !== 'assistant')
      throw new AppError(400, 'merge_reply_invalid', 'Only replies to this message can be merged', {
        messageId: reply.id,
      });
    if (reply.status === 'streaming')
      throw new AppError(409, 'merge_reply_invalid', 'A reply to merge is still being written', {
        messageId: reply.id,
      });
    if (reply.content.trim() === '')
      throw new AppError(400, 'merge_reply_invalid', 'A reply to merge is empty', { messageId: reply.id });
  }
  const prompt = mergePrompt(question, replies);
  // The question's attachments stay with it: the merging model sees what the others saw.
  const asked: Message = {
    ...question,
    content: prompt,
    parts: [{ type: 'text', text: prompt }, ...question.parts.filter((part) => part.type === 'file')],
  };
  const plan = planRegenerate(ctx, question, [...branch.slice(0, -1), asked]) as ReplyPlan;
  const mark: MergeMark = { model, from: replies.map((reply) => reply.id) };
  return { ...plan, reply: pinned(plan.reply, model, { merge: mark }) };
}
