import path from 'node:path';

// Letters, digits, dot, dash, underscore, plus and parentheses cover every published GGUF name
// (`Qwen2.5-7B-Instruct-Q4_K_M.gguf`, `model-00001-of-00002.gguf`) and nothing that a shell,
// a URL or a path would read as a separator.
const SAFE_NAME = /^[A-Za-z0-9_+()][A-Za-z0-9._+()-]*$/;

/** The file kinds a models directory holds: GGUF models, and the files of a voice model (ONNX, tokens). */
export type ModelFileKind = 'gguf' | 'voice';
const EXTENSIONS: Record<ModelFileKind, RegExp> = { gguf: /\.gguf$/i, voice: /\.(onnx|txt|json)$/i };

/**
 * True for a plain `.gguf` file name that stays inside the models directory: no separators,
 * no `..`, no leading dot, no control characters.
 *
 * @example
 * isSafeModelFileName('stories260K.gguf'); // true
 * isSafeModelFileName('../etc/passwd.gguf'); // false
 */
export function isSafeModelFileName(name: string, kind: ModelFileKind = 'gguf'): boolean {
  return (
    name.length <= 255 &&
    SAFE_NAME.test(name) &&
    EXTENSIONS[kind].test(name) &&
    !name.includes('..') &&
    path.basename(name) === name
  );
}

/**
 * The absolute path of a model file, or null when the name would escape `modelsDir`.
 *
 * @example
 * modelFilePath('/data/models', 'tiny.gguf'); // '/data/models/tiny.gguf'
 */
export function modelFilePath(modelsDir: string, name: string, kind: ModelFileKind = 'gguf'): string | null {
  if (!isSafeModelFileName(name, kind)) return null;
  const root = path.resolve(modelsDir);
  const file = path.resolve(root, name);
  return path.dirname(file) === root ? file : null;
}
