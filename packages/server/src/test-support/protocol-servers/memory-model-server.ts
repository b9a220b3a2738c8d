import type { ServerResponse } from 'node:http';
import { OllamaServer } from './ollama-server.js';
import type { RecordedRequest } from './protocol-server.js';

/** A statement the decision call showed the model, with the memories offered for it. */
export interface Statement {
  index: number;
  content: string;
  stored: { id: string; content: string }[];
}

/** What the scripted memory model answers to one structured-output request. */
export type Scripted = { object: unknown } | { raw: string } | { status: 500 };

/**
 * The Ollama protocol server, whose structured-output answers (extraction, decisions, a command's
 * rewrite) are SCRIPTED per kind of request: the chat replies stream as usual (the default reply),
 * and the jobs' calls, whatever their order relative to other jobs, get the answer meant for them.
 */
export class MemoryModelServer extends OllamaServer {
  extraction: Scripted[] = [];
  rewrite: Scripted[] = [];
  /** Answers the decision call from the statements it was sent (default: add everything). */
  decide: (statements: Statement[]) => unknown = (statements) => ({
    decisions: statements.map((s) => ({ candidate: s.index, op: 'add', targetId: null })),
  });
  decisionCalls = 0;
  /** While set, extraction calls wait for it before they are answered (to let jobs pile up). */
  holdExtraction: Promise<void> | null = null;

  protected override async handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const properties = req.body?.format?.properties;
    if (req.path !== '/api/chat' || req.body?.stream !== false || !properties) return super.handle(req, res);
    let answer: Scripted;
    if (properties.memories) {
      if (this.holdExtraction) await this.holdExtraction;
      answer = this.extraction.shift() ?? { object: { memories: [] } };
    } else if (properties.decisions) {
      this.decisionCalls += 1;
      answer = { object: this.decide(parseStatements(req.body.messages[1].content)) };
    } else answer = this.rewrite.shift() ?? { raw: 'nothing scripted' };
    if ('status' in answer) return this.sendJson(res, 500, { error: 'model runner crashed' });
    const content = 'raw' in answer ? answer.raw : JSON.stringify(answer.object);
    this.sendJson(res, 200, {
      model: req.body.model,
      created_at: '2026-01-01T00:00:00Z',
      message: { role: 'assistant', content },
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 40,
      eval_count: 20,
    });
  }
}

/** Reads the decision call's statements back ("NEW i (kind): …" and its "- id … : …" lines). */
function parseStatements(text: string): Statement[] {
  const statements: Statement[] = [];
  for (const line of text.split('\n')) {
    const head = /^NEW (\d+) \([a-z]+\): (.*)$/.exec(line);
    if (head) statements.push({ index: Number(head[1]), content: head[2]!, stored: [] });
    const stored = /^\s+- id (\S+) \([^)]*\): (.*)$/.exec(line);
    if (stored) statements.at(-1)?.stored.push({ id: stored[1]!, content: stored[2]! });
  }
  return statements;
}
