import type { MessageRow } from '../db/schema/index.js';
import type { MessagePart } from '../domain/message-parts.js';
import { type ExportedAttachments, filePartsOf, readableSize } from './exported-attachment.js';

export interface MarkdownExportInput {
  title: string;
  avatarName: string;
  userName: string;
  /** The visible branch, root first. */
  messages: (Pick<
    MessageRow,
    'role' | 'content' | 'status' | 'error' | 'model' | 'metadata' | 'createdAt'
  > & {
    parts?: MessagePart[];
  })[];
  /** The attachments the messages name, by url (for their size and a document's first lines). */
  attachments?: ExportedAttachments;
  exportedAt?: Date;
}

/** A document's opening shown under its name: this many lines, at most {@link PREVIEW_CHARS}. */
const PREVIEW_LINES = 8;
const PREVIEW_CHARS = 600;

/**
 * The visible branch of a conversation as a Markdown document: a title, who it was with, then one
 * section per turn (speaker and time, then the text). Message text stays Markdown; a message whose
 * text could change the document's structure (a heading, an unclosed code fence, a setext
 * underline, raw HTML) is put inside a code fence longer than any backtick run it contains, so it
 * can neither pose as another turn nor swallow the rest of the file.
 *
 * @example toMarkdown({ title: 'Tea', avatarName: 'Seraphina', userName: 'Ada', messages })
 */
export function toMarkdown(input: MarkdownExportInput): string {
  const exportedAt = input.exportedAt ?? new Date();
  const count = input.messages.length;
  const lines = [
    `# ${inline(input.title.trim() || 'Untitled conversation')}`,
    '',
    `Conversation with **${inline(input.avatarName)}** · ${count} message${count === 1 ? '' : 's'} · exported ${formatTime(exportedAt)}`,
  ];
  for (const message of input.messages) {
    lines.push(
      '',
      '---',
      '',
      `### ${inline(speakerOf(message, input))} · ${formatTime(message.createdAt)}`,
      '',
    );
    // The text; tools used are named (their data stays in the JSON export), reasoning is left out.
    const tools = toolNotes(message.parts ?? []);
    const files = filePartsOf(message.parts);
    const hasText = message.content.trim() !== '';
    if (hasText || (tools.length === 0 && files.length === 0)) lines.push(contentBlock(message.content));
    if (tools.length > 0) lines.push(...(hasText ? [''] : []), tools.join('  \n'));
    // Attachments by name, type and size (a server address would mean nothing offline); a
    // document's first lines, so the reader knows what it was. The files are in the JSON export.
    for (const [index, part] of files.entries())
      lines.push(
        ...(hasText || tools.length > 0 || index > 0 ? [''] : []),
        ...attachmentLines(part, input.attachments),
      );
    const note = statusNote(message);
    if (note) lines.push('', note);
  }
  return `${lines.join('\n')}\n`;
}

function speakerOf(
  message: MarkdownExportInput['messages'][number],
  names: { avatarName: string; userName: string },
): string {
  const named = message.metadata.speakerName;
  if (typeof named === 'string' && named.trim()) return named.trim();
  if (message.role === 'user') return names.userName;
  if (message.role === 'system') return 'System';
  if (message.role === 'tool') return 'Tool';
  return names.avatarName;
}

function attachmentLines(
  part: Extract<MessagePart, { type: 'file' }>,
  attachments: ExportedAttachments | undefined,
): string[] {
  const file = attachments?.get(part.url);
  const kind = part.mediaType.startsWith('image/') ? 'picture' : 'document';
  const size = file?.sizeBytes ?? part.sizeBytes;
  const facts = [kind, part.mediaType, ...(size !== undefined ? [readableSize(size)] : [])];
  const name = part.name ?? file?.name ?? 'file';
  const line = `📎 *Attached ${kind}:* **${inline(name)}** (${inline(facts.join(', '))})`;
  const text = file?.text?.replace(/\r\n?/g, '\n').trim();
  if (!text) return [line];
  const opening = text.split('\n').slice(0, PREVIEW_LINES).join('\n').slice(0, PREVIEW_CHARS);
  const more = opening.length < text.length ? '\n…' : '';
  const longestRun = Math.max(0, ...(opening.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return [`${line}, beginning:`, '', `${fence}text\n${opening}${more}\n${fence}`];
}

function toolNotes(parts: readonly MessagePart[]): string[] {
  return parts.flatMap((part) => {
    if (part.type === 'tool-call') return [`*(called the tool ${inline(part.toolName)})*`];
    if (part.type === 'tool-result')
      return [`*(${inline(part.toolName)} ${part.isError ? 'failed' : 'answered'})*`];
    return [];
  });
}

function statusNote(message: MarkdownExportInput['messages'][number]): string | undefined {
  switch (message.status) {
    case 'cancelled':
      return '*(stopped before the end)*';
    case 'interrupted':
      return '*(interrupted: the server stopped while writing this reply)*';
    case 'streaming':
      return '*(still being written when exported)*';
    case 'error':
      return `*(failed: ${inline(message.error?.message ?? 'unknown error')})*`;
    default:
      return undefined;
  }
}

/** The message text as Markdown, fenced when it could break the document's structure. */
export function contentBlock(content: string): string {
  const text = content.replace(/\r\n?/g, '\n').replace(/\n+$/, '');
  if (text.trim() === '') return '*(empty message)*';
  if (!altersStructure(text)) return text;
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}markdown\n${text}\n${fence}`;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}#{1,6}(\s|$)/;
const SETEXT_OR_BREAK = /^ {0,3}(=+|-+|(\*\s*){3,}|(_\s*){3,}|(-\s*){3,})\s*$/;
const HTML = /^ {0,3}</;

/**
 * Whether the text, pasted as it is, could end or imitate the sections around it: headings,
 * setext underlines and thematic breaks, HTML blocks (some run until a closing tag) outside code
 * fences, or a fence left open.
 */
function altersStructure(text: string): boolean {
  let open: { char: string; length: number } | undefined;
  for (const line of text.split('\n')) {
    const fence = FENCE.exec(line);
    if (open) {
      const run = fence?.[1];
      if (run && run[0] === open.char && run.length >= open.length && line.trim() === run) open = undefined;
      continue;
    }
    if (fence) {
      const run = fence[1]!;
      // A backtick fence's info string may not contain backticks; otherwise it is inline code.
      if (run[0] === '`' && line.slice(line.indexOf(run) + run.length).includes('`')) return true;
      open = { char: run[0]!, length: run.length };
      continue;
    }
    if (HEADING.test(line) || SETEXT_OR_BREAK.test(line) || HTML.test(line)) return true;
  }
  return open !== undefined;
}

/** Text for a heading or bold span: one line, Markdown punctuation escaped. */
function inline(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => `\\${c}`);
}

/** `2025-09-26 07:04 UTC` */
function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
