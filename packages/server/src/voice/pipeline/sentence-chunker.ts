import type { Frame } from './frames.js';
import type { Processor, Push } from './processor.js';

export interface ChunkerOptions {
  /** A clause (ending in , ; : or a dash) this long is spoken without waiting for the sentence (default 40). */
  clauseChars: number;
  /** Text this long without any break is spoken anyway at the last space (default 200). */
  maxChars: number;
}

// Characters above U+00FF as \u escapes: one in the server bundle makes V8 hold the whole chunk's
// source as a two-byte string (scripts/bundle-server.mjs).
const SENTENCE_END = /[.!?\u2026]+["'\u201D\u2019)\]]*(?=\s)|\n+/g;
const CLAUSE_END = /[,;:]["'\u201D\u2019)\]]*(?=\s)|\s[\u2014\u2013-](?=\s)/g;

/**
 * The LLM stream → what TTS speaks: a sentence as soon as it ends, a long clause without waiting
 * for its sentence, the rest when the reply ends. So speech starts with the first sentence, not
 * the whole reply. Each `tts-text` names its characters in the reply's text (startChar, endChar)
 * so what the user heard can be mapped back to text on barge-in.
 */
export class SentenceChunker implements Processor {
  readonly name = 'sentence-chunker';
  private readonly options: ChunkerOptions;
  private messageId: string | undefined;
  private text = '';
  /** Characters of `text` already handed to TTS. */
  private spoken = 0;
  private readonly dropped = new Set<string>();

  constructor(options: Partial<ChunkerOptions> = {}) {
    this.options = { clauseChars: 40, maxChars: 200, ...options };
  }

  process(frame: Frame, push: Push): void {
    if (frame.kind === 'interruption') {
      if (this.messageId) this.dropped.add(this.messageId);
      this.messageId = undefined;
      push(frame);
      return;
    }
    if ((frame.kind === 'llm-text' || frame.kind === 'llm-end') && this.dropped.has(frame.messageId)) return;
    if (frame.kind === 'llm-text') {
      if (frame.messageId !== this.messageId) {
        this.messageId = frame.messageId;
        this.text = '';
        this.spoken = 0;
      }
      push(frame);
      this.text += frame.text;
      for (let end = this.nextBreak(); end !== undefined; end = this.nextBreak()) {
        this.emit(end, frame.at, push);
      }
      return;
    }
    if (frame.kind === 'llm-end') {
      if (frame.messageId === this.messageId) this.emit(this.text.length, frame.at, push);
      this.messageId = undefined;
      push(frame);
      return;
    }
    push(frame);
  }

  /** The end (exclusive) of the next chunk ready to speak, if one is. */
  private nextBreak(): number | undefined {
    const rest = this.text.slice(this.spoken);
    SENTENCE_END.lastIndex = 0;
    const sentence = SENTENCE_END.exec(rest);
    if (sentence) return this.spoken + sentence.index + sentence[0].length;
    CLAUSE_END.lastIndex = 0;
    let clause: RegExpExecArray | null;
    let clauseEnd: number | undefined;
    // biome-ignore lint/suspicious/noAssignInExpressions: the usual exec loop
    while ((clause = CLAUSE_END.exec(rest))) {
      const end = clause.index + clause[0].length;
      if (end >= this.options.clauseChars) {
        clauseEnd = end;
        break;
      }
    }
    if (clauseEnd !== undefined) return this.spoken + clauseEnd;
    if (rest.length >= this.options.maxChars) {
      const space = rest.lastIndexOf(' ', this.options.maxChars);
      return this.spoken + (space > 0 ? space : this.options.maxChars);
    }
    return undefined;
  }

  private emit(end: number, at: number, push: Push) {
    const start = this.spoken;
    this.spoken = end;
    const text = this.text.slice(start, end).trim();
    if (text === '' || !this.messageId) return;
    push({ kind: 'tts-text', at, messageId: this.messageId, text, startChar: start, endChar: end });
  }
}
