import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { AVATAR, context, message, USER } from '../../test-support/plans.js';
import { planContinue, planEdit, planRegenerate, planSend } from './turn-planner.js';

const OTHER_AVATAR = '00000000-0000-7000-8000-0000000000b2';

// greeting → question → answer (by OTHER_AVATAR, as in a group chat)
const greeting = message({
  id: 'g',
  role: 'assistant',
  parentId: null,
  turnId: 'g',
  speakerAvatarId: AVATAR,
  content: 'Hi!',
});
const question = message({
  id: 'q',
  role: 'user',
  parentId: 'g',
  turnId: 'q',
  speakerUserId: USER,
  content: 'Why?',
});
const answer = message({
  id: 'a',
  role: 'assistant',
  parentId: 'q',
  turnId: 'q',
  speakerAvatarId: OTHER_AVATAR,
  content: 'Because',
  parts: [
    { type: 'reasoning', text: 'Think.' },
    { type: 'text', text: 'Because' },
  ],
  finishReason: 'length',
});

const replyOf = (plan: ReturnType<typeof planSend>) => {
  if (plan.kind !== 'reply') throw new Error('expected a reply plan');
  return plan;
};

describe('the turn planner', () => {
  it('send: a user message that opens its turn, spoken by the user, and a reply in that turn by the avatar', () => {
    const plan = replyOf(planSend(context(), [greeting], { content: 'Hello' }));
    expect(plan.question).toMatchObject({
      parentId: 'g',
      role: 'user',
      content: 'Hello',
      parts: [{ type: 'text', text: 'Hello' }],
      speakerUserId: USER,
      speakerAvatarId: null,
    });
    expect(plan.question!.turnId).toBe(plan.question!.id);
    expect(plan.reply).toMatchObject({
      parentId: plan.question!.id,
      turnId: plan.question!.id,
      speaker: { kind: 'avatar', id: AVATAR },
      parts: [],
    });
    expect(plan.branch.map((m) => m.id)).toEqual(['g', plan.question!.id]);
  });

  it('send on an empty conversation: the question is a root', () => {
    const plan = replyOf(planSend(context(), [], { content: 'First' }));
    expect(plan.question).toMatchObject({ parentId: null });
    expect(plan.question!.turnId).toBe(plan.question!.id);
  });

  it('regenerate a reply: a sibling in the same turn, by the avatar that wrote it', () => {
    const plan = replyOf(planRegenerate(context(), answer, [greeting, question]));
    expect(plan.question).toBeNull();
    expect(plan.reply).toMatchObject({
      parentId: 'q',
      turnId: 'q',
      speaker: { kind: 'avatar', id: OTHER_AVATAR },
    });
  });

  it('regenerate a user message: a new answer by the conversation avatar', () => {
    const plan = replyOf(planRegenerate(context(), question, [greeting, question]));
    expect(plan.reply).toMatchObject({ parentId: 'q', turnId: 'q', speaker: { kind: 'avatar', id: AVATAR } });
  });

  it('regenerate a greeting is refused', () => {
    expect(() => planRegenerate(context(), greeting, [])).toThrow(
      expect.objectContaining({ code: 'cannot_regenerate_greeting' }),
    );
  });

  it('edit a user message: a sibling question opening its own turn, answered anew', () => {
    const plan = replyOf(planEdit(context(), question, [greeting], 'Why not?'));
    expect(plan.question).toMatchObject({
      parentId: 'g',
      content: 'Why not?',
      metadata: { editedFrom: 'q' },
    });
    expect(plan.question!.turnId).toBe(plan.question!.id);
    expect(plan.reply.parentId).toBe(plan.question!.id);
  });

  it('edit a reply: a sibling with the new text, same turn and speaker, no model call', () => {
    const plan = planEdit(context(), answer, [], 'Because I said so');
    expect(plan.kind).toBe('rewrite');
    if (plan.kind !== 'rewrite') return;
    expect(plan.message).toMatchObject({
      parentId: 'q',
      role: 'assistant',
      content: 'Because I said so',
      parts: [{ type: 'text', text: 'Because I said so' }],
      turnId: 'q',
      speakerAvatarId: OTHER_AVATAR,
      status: 'complete',
      finishReason: null,
      metadata: { editedFrom: 'a' },
    });
    expect(plan.message.id).not.toBe('a');
  });

  it('continue: a sibling that starts with the reply parts, same turn and speaker; the model sees the reply', () => {
    const plan = replyOf(planContinue(context(), answer, [greeting, question, answer]));
    expect(plan.branch.at(-1)!.id).toBe('a');
    expect(plan.reply).toMatchObject({
      parentId: 'q',
      turnId: 'q',
      speaker: { kind: 'avatar', id: OTHER_AVATAR },
      parts: answer.parts,
      metadata: { continuedFrom: 'a' },
    });
    // A copy: the run grows the new reply's parts, never the original's.
    expect(plan.reply.parts).not.toBe(answer.parts);
    expect(plan.reply.parts[1]).not.toBe(answer.parts[1]);
  });

  it('continue a greeting: a root sibling in its own turn', () => {
    const plan = replyOf(planContinue(context(), greeting, [greeting]));
    expect(plan.reply).toMatchObject({
      parentId: null,
      turnId: 'g',
      speaker: { kind: 'avatar', id: AVATAR },
    });
  });

  it('continue refuses a user message and a reply still being written', () => {
    const refused = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err instanceof AppError ? [err.status, err.code] : err;
      }
      return 'not refused';
    };
    expect(refused(() => planContinue(context(), question, [greeting, question]))).toEqual([
      400,
      'cannot_continue',
    ]);
    const streaming = { ...answer, status: 'streaming' as const };
    expect(refused(() => planContinue(context(), streaming, [greeting, question, streaming]))).toEqual([
      409,
      'cannot_continue',
    ]);
  });
});
