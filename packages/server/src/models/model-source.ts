import { invalidRequest } from '../errors.js';
import { isSafeModelFileName, type ModelFileKind } from './model-file-name.js';

export interface ModelSource {
  url: URL;
  /** The name the file gets in the models directory (the URL's last path segment). */
  fileName: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Turns what a user types after `lumina models pull` into a download URL and a file name.
 * Accepts `https://…/file.gguf` and `hf:owner/repo/path/file.gguf` (the main branch of a
 * Hugging Face repository); plain http only for loopback mirrors. Refuses file names that
 * could leave the models directory.
 *
 * @example
 * resolveModelSource('hf:ggml-org/models/tinyllamas/stories260K.gguf').url.href;
 * // 'https://huggingface.co/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf'
 */
export function resolveModelSource(source: string, kind: ModelFileKind = 'gguf'): ModelSource {
  const trimmed = source.trim();
  let url: URL;
  if (trimmed.startsWith('hf:')) {
    const [owner, repo, ...file] = trimmed.slice(3).split('/');
    if (!owner || !repo || file.length === 0 || file.some((segment) => !segment || segment === '..')) {
      throw invalidRequest(`"${source}" is not of the form hf:owner/repo/file.gguf`);
    }
    const encoded = [owner, repo, 'resolve', 'main', ...file].map(encodeURIComponent).join('/');
    url = new URL(`https://huggingface.co/${encoded}`);
  } else if (URL.canParse(trimmed)) {
    url = new URL(trimmed);
  } else {
    throw invalidRequest(`"${source}" is neither a URL nor hf:owner/repo/file.gguf`);
  }

  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure) throw invalidRequest('Models are downloaded over https only');
  let fileName: string;
  try {
    fileName = decodeURIComponent(url.pathname.split('/').at(-1) ?? '');
  } catch {
    throw invalidRequest(`The file name in "${source}" is not valid`);
  }
  if (!isSafeModelFileName(fileName, kind)) {
    throw invalidRequest(`"${fileName}" is not a plain .gguf file name`, { fileName });
  }
  return { url, fileName };
}
