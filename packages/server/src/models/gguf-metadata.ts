import { open } from 'node:fs/promises';
import { GgufReader } from './gguf-reader.js';

/** What Lumina needs to know about a GGUF model file, read from its header only. */
export interface GgufMetadata {
  /** GGUF format version (2 or 3). */
  version: number;
  /** `general.architecture`, e.g. `llama`, `qwen2`, `gemma3`. */
  architecture: string | null;
  /** `general.name`, when the converter wrote one. */
  name: string | null;
  /** `<architecture>.context_length`: the context the model was trained for. */
  contextLength: number | null;
  embeddingLength: number | null;
  blockCount: number | null;
  /** `general.size_label` (`7B`, `260K`), when present. */
  sizeLabel: string | null;
  /** `general.file_type`: llama.cpp's quantization enum (e.g. 15 = Q4_K_M). */
  fileType: number | null;
  /** Sum of the element counts of every tensor. */
  parameterCount: number;
  tensorCount: number;
  /** Number of entries in the tokenizer vocabulary (`tokenizer.ggml.tokens`). */
  vocabularySize: number | null;
  /** The Jinja chat template; null when the model has none (plain completion models). */
  chatTemplate: string | null;
}

/**
 * Reads the metadata of a GGUF model file without loading its weights and without the
 * embedded engine: a model list must work before `lumina engine install`, and a dozen
 * files of several GB are listed in milliseconds because only the header is read.
 * Rejects files that are not GGUF (wrong magic bytes) or have an implausible header.
 *
 * @example
 * const meta = await readGgufMetadata('data/models/stories260K.gguf');
 * meta.architecture; // 'llama'
 * meta.contextLength; // 2048
 */
export async function readGgufMetadata(filePath: string): Promise<GgufMetadata> {
  const handle = await open(filePath, 'r');
  try {
    return await readHeader(new GgufReader(handle));
  } finally {
    await handle.close();
  }
}

async function readHeader(reader: GgufReader): Promise<GgufMetadata> {
  await reader.expectMagic();
  const version = await reader.u32();
  // Version 1 used 32-bit counts and was replaced in 2023; no current converter writes it.
  if (version < 2 || version > 3) throw new Error(`Unsupported GGUF version ${version}`);
  const tensorCount = await reader.count('tensor count');
  const kvCount = await reader.count('metadata entry count');

  const values = new Map<string, unknown>();
  const arrayLengths = new Map<string, number>();
  for (let i = 0; i < kvCount; i++) {
    const key = await reader.string();
    const type = await reader.u32();
    if (type === GGUF_ARRAY) arrayLengths.set(key, await reader.skipArray());
    else values.set(key, await reader.value(type));
  }

  let parameterCount = 0;
  for (let i = 0; i < tensorCount; i++) parameterCount += await reader.tensorElementCount();

  const architecture = stringOrNull(values.get('general.architecture'));
  const numberOf = (key: string) =>
    architecture ? numberOrNull(values.get(`${architecture}.${key}`)) : null;
  return {
    version,
    architecture,
    name: stringOrNull(values.get('general.name')),
    contextLength: numberOf('context_length'),
    embeddingLength: numberOf('embedding_length'),
    blockCount: numberOf('block_count'),
    sizeLabel: stringOrNull(values.get('general.size_label')),
    fileType: numberOrNull(values.get('general.file_type')),
    parameterCount,
    tensorCount,
    vocabularySize: arrayLengths.get('tokenizer.ggml.tokens') ?? null,
    chatTemplate: stringOrNull(values.get('tokenizer.chat_template')),
  };
}

const GGUF_ARRAY = 9;

const stringOrNull = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : null);
const numberOrNull = (value: unknown) => (typeof value === 'number' ? value : null);
