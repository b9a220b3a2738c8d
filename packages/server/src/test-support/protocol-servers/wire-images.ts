/**
 * Pictures in chat requests as each vendor's wire carries them, read and checked the way the
 * vendor would: a protocol server answers 400 to a form its vendor refuses, and a test asks what
 * arrived (`server.receivedImages(request)`).
 */

/** A picture a protocol server received, decoded. */
export interface ReceivedImage {
  role: string;
  mediaType: string;
  data: Buffer;
}

/** What a request's pictures were, or why the vendor would refuse the request. */
export type WireImages = { images: ReceivedImage[] } | { error: string };

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DATA_URL = /^data:([\w/+.-]+);base64,(.*)$/s;

// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary vendor JSON
type Json = any;

function decode(data: unknown): Buffer | null {
  if (typeof data !== 'string' || data.length === 0 || data.length % 4 !== 0 || !BASE64.test(data))
    return null;
  return Buffer.from(data, 'base64');
}

/** The type a picture's bytes say (Ollama's wire carries none). */
export function sniffImageType(data: Buffer): string | null {
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  if (data.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  return null;
}

/**
 * Chat Completions (OpenAI, Groq, OpenAI-compatible servers; Mistral also takes `image_url` as a
 * plain string): `content` is a string or parts `{type:'text', text}` and
 * `{type:'image_url', image_url:{url:'data:<type>;base64,…'}}`, pictures in user messages only.
 */
export function openAiWireImages(body: Json, options: { urlAsString?: boolean } = {}): WireImages {
  const images: ReceivedImage[] = [];
  for (const [index, message] of (body?.messages ?? []).entries()) {
    if (!Array.isArray(message?.content)) continue;
    for (const part of message.content) {
      if (part?.type === 'text' && typeof part.text === 'string') continue;
      if (part?.type !== 'image_url')
        return { error: `messages[${index}]: unknown content part ${part?.type}` };
      if (message.role !== 'user')
        return { error: `messages[${index}]: image_url is only allowed in user messages` };
      const url =
        typeof part.image_url === 'string' && options.urlAsString ? part.image_url : part.image_url?.url;
      const match = typeof url === 'string' ? DATA_URL.exec(url) : null;
      const data = match ? decode(match[2]) : null;
      if (!match || !data || !IMAGE_TYPES.has(match[1]!))
        return { error: `messages[${index}]: image_url must be a base64 data URL of an image` };
      images.push({ role: message.role, mediaType: match[1]!, data });
    }
  }
  return { images };
}

/** Anthropic Messages: `{type:'image', source:{type:'base64', media_type, data}}` blocks in user turns. */
export function anthropicWireImages(body: Json): WireImages {
  const images: ReceivedImage[] = [];
  for (const [index, message] of (body?.messages ?? []).entries()) {
    if (!Array.isArray(message?.content)) continue;
    for (const block of message.content) {
      if (block?.type !== 'image') continue;
      if (message.role !== 'user') return { error: `messages.${index}: image blocks belong to user turns` };
      const source = block.source;
      const data = source?.type === 'base64' ? decode(source.data) : null;
      if (!data || !IMAGE_TYPES.has(source.media_type))
        return { error: `messages.${index}.content: image source must be base64 with an image media_type` };
      images.push({ role: message.role, mediaType: source.media_type, data });
    }
  }
  return { images };
}

/** Gemini: `inlineData` (or `inline_data`) parts `{mimeType, data}` in `contents`. */
export function geminiWireImages(body: Json): WireImages {
  const images: ReceivedImage[] = [];
  for (const [index, content] of (body?.contents ?? []).entries()) {
    for (const part of content?.parts ?? []) {
      const inline = part?.inlineData ?? part?.inline_data;
      if (!inline) continue;
      const mediaType = inline.mimeType ?? inline.mime_type;
      const data = decode(inline.data);
      if (!data || !IMAGE_TYPES.has(mediaType))
        return { error: `contents[${index}]: inline data must be base64 with an image mime type` };
      images.push({ role: content.role ?? 'user', mediaType, data });
    }
  }
  return { images };
}

/** Ollama `/api/chat`: `images: [base64, …]` beside a message's content (no data URLs). */
export function ollamaWireImages(body: Json): WireImages {
  const images: ReceivedImage[] = [];
  for (const message of body?.messages ?? []) {
    if (message?.images === undefined) continue;
    if (!Array.isArray(message.images)) return { error: 'images must be an array of base64 strings' };
    for (const image of message.images) {
      const data = decode(image);
      const mediaType = data ? sniffImageType(data) : null;
      if (!data || !mediaType) return { error: 'illegal base64 data at input byte 4' };
      images.push({ role: message.role, mediaType, data });
    }
  }
  return { images };
}
