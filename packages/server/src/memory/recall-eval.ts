import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MEMORY_KINDS } from '../domain/memory.js';

/**
 * The recall evaluation set (fixtures/memory-eval/, issue 13 point 10): multi-session
 * conversations of one person each, with later questions whose answers lie in earlier turns, and
 * the memories a good extraction would have made of them. This file reads and checks the set and
 * scores ranked recall results against it (recall@k, reciprocal rank); seeding a database and
 * running recall is the evaluation test's job (recall-eval.test.ts).
 *
 * Ids inside a story are the fixture's own ("s2t3" a turn, "m4" a memory, "d1t2" a distractor
 * turn); a caller maps the database ids recall returns back to them before scoring.
 */

export const EVAL_QUESTION_TYPES = [
  'single-hop',
  'multi-hop',
  'temporal',
  'updated-fact',
  'preference',
] as const;
export type EvalQuestionType = (typeof EVAL_QUESTION_TYPES)[number];

const isoDate = z.iso.datetime({ offset: true });

const turnSchema = z.strictObject({
  id: z.string().regex(/^[a-z]\d+t\d+$/),
  role: z.enum(['user', 'assistant']),
  content: z.string().min(1),
});

const sessionSchema = z.strictObject({
  id: z.string().min(1),
  date: isoDate,
  turns: z.array(turnSchema).min(1),
});

const memorySchema = z.strictObject({
  id: z.string().regex(/^m\d+$/),
  kind: z.enum(MEMORY_KINDS),
  content: z.string().min(1).max(500),
  sourceTurns: z.array(z.string()).min(1),
  importance: z.number().min(0).max(1),
  pinned: z.boolean().optional(),
  /** The newer memory that replaced this one (an updated fact): it must never be recalled. */
  supersededBy: z.string().optional(),
});

/**
 * One piece of evidence the answer needs: found when ANY of its turns or memories is recalled
 * (the memory says what the turn said). A multi-hop question has two or more pieces.
 */
const evidenceSchema = z
  .strictObject({ turns: z.array(z.string()), memories: z.array(z.string()) })
  .refine(
    (e) => e.turns.length + e.memories.length > 0,
    'an evidence piece names at least one turn or memory',
  );

const questionSchema = z.strictObject({
  id: z.string().regex(/^q\d+$/),
  askedAt: isoDate,
  question: z.string().min(1),
  type: z.enum(EVAL_QUESTION_TYPES),
  /** The question's words differ from the evidence's: where full text alone tends to fail. */
  paraphrase: z.boolean().optional(),
  evidence: z.array(evidenceSchema).min(1),
  /** Superseded memories about the same thing: recall must not return them. */
  superseded: z.array(z.string()).optional(),
});

const storySchema = z.strictObject({
  id: z.string().regex(/^\d\d-[a-z0-9-]+$/),
  persona: z.strictObject({ name: z.string().min(1), about: z.string().min(1) }),
  sessions: z.array(sessionSchema).min(2).max(5),
  memories: z.array(memorySchema).min(1),
  questions: z.array(questionSchema).min(1),
});

const distractorsSchema = z.strictObject({
  about: z.string(),
  sessions: z.array(sessionSchema).min(1),
});

export type EvalTurn = z.infer<typeof turnSchema>;
export type EvalSession = z.infer<typeof sessionSchema>;
export type EvalMemory = z.infer<typeof memorySchema>;
export type EvalEvidence = z.infer<typeof evidenceSchema>;
export type EvalQuestion = z.infer<typeof questionSchema>;
export type EvalStory = z.infer<typeof storySchema>;
export type EvalDistractors = z.infer<typeof distractorsSchema>;

export interface EvalSet {
  stories: EvalStory[];
  /** General conversations loaded into every story's history (look-alike words, no facts). */
  distractors: EvalDistractors;
}

function fail(where: string, message: string): never {
  throw new Error(`memory eval set: ${where}: ${message}`);
}

/** The sessions' dates in order, days apart, and every id a question or memory names exists. */
function checkStory(story: EvalStory, where: string): EvalStory {
  const turns = new Map<string, EvalTurn['role']>();
  let previous = Number.NEGATIVE_INFINITY;
  for (const session of story.sessions) {
    const at = Date.parse(session.date);
    if (at - previous < 86_400_000)
      fail(where, `session ${session.id} is not at least a day after the one before`);
    previous = at;
    for (const turn of session.turns) {
      if (turns.has(turn.id)) fail(where, `turn ${turn.id} appears twice`);
      if (!turn.id.startsWith(`${session.id}t`))
        fail(where, `turn ${turn.id} is not named after session ${session.id}`);
      turns.set(turn.id, turn.role);
    }
  }
  const memories = new Map(story.memories.map((m) => [m.id, m]));
  if (memories.size !== story.memories.length) fail(where, 'a memory id appears twice');
  const replaced = new Set<string>();
  for (const memory of story.memories) {
    for (const turn of memory.sourceTurns)
      if (!turns.has(turn)) fail(where, `memory ${memory.id} names unknown turn ${turn}`);
    if (memory.supersededBy !== undefined) {
      const next = memories.get(memory.supersededBy);
      if (!next || next.id === memory.id)
        fail(where, `memory ${memory.id} is superseded by unknown ${memory.supersededBy}`);
      if (next.supersededBy !== undefined)
        fail(where, `memory ${memory.id}: chains of supersession are not used here`);
      if (replaced.has(next.id)) fail(where, `memory ${next.id} replaces more than one memory`);
      replaced.add(next.id);
    }
  }
  for (const question of story.questions) {
    const at = `${where} ${question.id}`;
    if (Date.parse(question.askedAt) <= previous) fail(at, 'asked before the last session');
    for (const piece of question.evidence) {
      for (const turn of piece.turns) if (!turns.has(turn)) fail(at, `evidence names unknown turn ${turn}`);
      // Chat history recall indexes what the person said, not the avatar's replies.
      if (!piece.memories.length && !piece.turns.some((turn) => turns.get(turn) === 'user'))
        fail(at, "an evidence piece names a memory or one of the person's own turns");
      for (const id of piece.memories) {
        const memory = memories.get(id);
        if (!memory) fail(at, `evidence names unknown memory ${id}`);
        if (memory.supersededBy !== undefined) fail(at, `evidence names superseded memory ${id}`);
      }
    }
    for (const id of question.superseded ?? []) {
      if (memories.get(id)?.supersededBy === undefined) fail(at, `${id} is listed as superseded but is not`);
    }
    if (question.type === 'updated-fact' && !(question.superseded ?? []).length)
      fail(at, 'an updated-fact question names the superseded memory it must not recall');
    if (question.type === 'multi-hop' && question.evidence.length < 2)
      fail(at, 'a multi-hop question has two pieces of evidence');
  }
  return story;
}

/** Parses and checks one story file's JSON; `where` names it in errors. */
export function parseEvalStory(json: unknown, where = 'story'): EvalStory {
  const parsed = storySchema.safeParse(json);
  if (!parsed.success) fail(where, z.prettifyError(parsed.error));
  return checkStory(parsed.data, where);
}

/**
 * Reads the set from `dir` (fixtures/memory-eval): every `stories/*.json` in name order and
 * `distractors.json`. Throws on any file that does not match the format (README.md there).
 */
export function loadEvalSet(dir: string): EvalSet {
  const storyDir = path.join(dir, 'stories');
  const files = readdirSync(storyDir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const stories = files.map((name) => {
    const story = parseEvalStory(JSON.parse(readFileSync(path.join(storyDir, name), 'utf8')), name);
    if (`${story.id}.json` !== name) fail(name, `the file is named after its id (${story.id})`);
    return story;
  });
  const distractorJson = JSON.parse(readFileSync(path.join(dir, 'distractors.json'), 'utf8'));
  const distractors = distractorsSchema.safeParse(distractorJson);
  if (!distractors.success) fail('distractors.json', z.prettifyError(distractors.error));
  return { stories, distractors: distractors.data };
}

/** Whether `ranked` (fixture ids, best first) holds any item of the piece within its first `k`. */
function found(ranked: readonly string[], piece: EvalEvidence, k: number): boolean {
  const top = ranked.slice(0, k);
  return piece.turns.some((id) => top.includes(id)) || piece.memories.some((id) => top.includes(id));
}

/** Share of the evidence pieces found in the first `k` results (1: everything the answer needs). */
export function recallAtK(ranked: readonly string[], evidence: readonly EvalEvidence[], k: number): number {
  if (evidence.length === 0) throw new RangeError('a question without evidence cannot be scored');
  return evidence.filter((piece) => found(ranked, piece, k)).length / evidence.length;
}

/** 1 / the rank of the first result that is evidence of any piece; 0 when none is. */
export function reciprocalRank(ranked: readonly string[], evidence: readonly EvalEvidence[]): number {
  const relevant = new Set(evidence.flatMap((piece) => [...piece.turns, ...piece.memories]));
  const index = ranked.findIndex((id) => relevant.has(id));
  return index < 0 ? 0 : 1 / (index + 1);
}

/** One question's outcome in one recall mode. */
export interface EvalOutcome {
  story: string;
  question: string;
  type: EvalQuestionType;
  paraphrase: boolean;
  /** Fixture ids of what recall returned, best first (ids recall returned that the set does not know are left out). */
  ranked: string[];
  evidence: EvalEvidence[];
}

export interface EvalScores {
  questions: number;
  recallAt5: number;
  recallAt10: number;
  /** Mean reciprocal rank of the first piece of evidence. */
  mrr: number;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function scores(outcomes: readonly EvalOutcome[]): EvalScores {
  const mean = (f: (o: EvalOutcome) => number) =>
    outcomes.length ? round(outcomes.reduce((sum, o) => sum + f(o), 0) / outcomes.length) : 0;
  return {
    questions: outcomes.length,
    recallAt5: mean((o) => recallAtK(o.ranked, o.evidence, 5)),
    recallAt10: mean((o) => recallAtK(o.ranked, o.evidence, 10)),
    mrr: mean((o) => reciprocalRank(o.ranked, o.evidence)),
  };
}

export interface EvalSummary extends EvalScores {
  byType: Partial<Record<EvalQuestionType, EvalScores>>;
  /** The questions marked `paraphrase` (words differ from the evidence's). */
  paraphrase: EvalScores;
}

/** Mean scores over all outcomes, per question type and for the paraphrased questions. */
export function summarizeOutcomes(outcomes: readonly EvalOutcome[]): EvalSummary {
  const byType: EvalSummary['byType'] = {};
  for (const type of EVAL_QUESTION_TYPES) {
    const ofType = outcomes.filter((o) => o.type === type);
    if (ofType.length) byType[type] = scores(ofType);
  }
  return { ...scores(outcomes), byType, paraphrase: scores(outcomes.filter((o) => o.paraphrase)) };
}
