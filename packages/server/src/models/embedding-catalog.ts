/** A GGUF embedding model Lumina offers to download for the embedded engine. */
export interface CatalogEmbeddingModel {
  /** Stable key in the API (`POST /api/admin/local-models/embedding`). */
  key: string;
  label: string;
  /** The name the file gets in the models directory (the URL's last segment). */
  fileName: string;
  /** Pinned to one commit of the repository, so the bytes behind the URL never change. */
  url: string;
  sizeBytes: number;
  /** SHA-256 of the whole file (the Git LFS object id on Hugging Face). */
  sha256: string;
  dimensions: number;
  /** Tokens the GGUF says it was trained for (`<arch>.context_length`). */
  contextLength: number;
  license: string;
  homepage: string;
}

/**
 * The default embedding model of the embedded engine: nomic-embed-text v1.5, Q8_0 (146 MB,
 * Apache-2.0, 768 dimensions). Small enough for a laptop's CPU (137 M parameters, a sentence in
 * a few milliseconds), better on MTEB retrieval than OpenAI's text-embedding-ada-002, and the
 * same weights as Ollama's `nomic-embed-text`, so users of both see the same model. The URL is
 * pinned to commit 0188c9bf… of nomic-ai/nomic-embed-text-v1.5-GGUF; size and SHA-256 are those
 * of that file (its LFS object), which several independent projects pin too (docs/memory.md).
 */
export const DEFAULT_EMBEDDING_MODEL: CatalogEmbeddingModel = {
  key: 'nomic-embed-text-v1.5',
  label: 'nomic-embed-text v1.5 (Q8_0)',
  fileName: 'nomic-embed-text-v1.5.Q8_0.gguf',
  url: 'https://huggingface.co/nomic-ai/nomic-embed-text-v1.5-GGUF/resolve/0188c9bf409793f810680a5a431e7b899c46104c/nomic-embed-text-v1.5.Q8_0.gguf',
  sizeBytes: 146_146_432,
  sha256: '3e24342164b3d94991ba9692fdc0dd08e3fd7362e0aacc396a9a5c54a544c3b7',
  dimensions: 768,
  contextLength: 2048,
  license: 'Apache-2.0',
  homepage: 'https://huggingface.co/nomic-ai/nomic-embed-text-v1.5',
};

export const EMBEDDING_CATALOG: readonly CatalogEmbeddingModel[] = [DEFAULT_EMBEDDING_MODEL];

/** The catalog entry with this key, or undefined. */
export const catalogEmbeddingModel = (key: string): CatalogEmbeddingModel | undefined =>
  EMBEDDING_CATALOG.find((entry) => entry.key === key);

/** What the local model service downloads for an entry: its pinned URL, checked against its SHA-256. */
export const catalogDownload = (entry: CatalogEmbeddingModel): { source: string; sha256: string } => ({
  source: entry.url,
  sha256: entry.sha256,
});
