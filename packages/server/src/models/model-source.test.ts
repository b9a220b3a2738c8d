import { describe, expect, it } from 'vitest';
import { resolveModelSource } from './model-source.js';

describe('resolveModelSource', () => {
  it('maps hf:owner/repo/file.gguf to the main branch on Hugging Face', () => {
    const source = resolveModelSource('hf:ggml-org/models/tinyllamas/stories260K.gguf');
    expect(source.url.href).toBe(
      'https://huggingface.co/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf',
    );
    expect(source.fileName).toBe('stories260K.gguf');
  });

  it('takes the file name from an https URL', () => {
    const source = resolveModelSource(
      'https://example.com/files/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf?download=1',
    );
    expect(source.fileName).toBe('Qwen2.5-0.5B-Instruct-Q4_K_M.gguf');
  });

  it.each([
    ['http://example.com/model.gguf', /https only/],
    ['hf:owner/repo', /hf:owner\/repo\/file.gguf/],
    ['hf:owner/repo/../x.gguf', /hf:owner\/repo\/file.gguf/],
    ['https://example.com/a/..%2Fescape.gguf', /plain .gguf/],
    ['https://example.com/a/model.safetensors', /plain .gguf/],
    ['file:///etc/passwd.gguf', /https only/],
    ['not a url', /neither a URL/],
  ])('refuses %s', (input, message) => {
    expect(() => resolveModelSource(input)).toThrow(message);
  });

  it('allows plain http to a loopback mirror', () => {
    expect(resolveModelSource('http://127.0.0.1:8000/m.gguf').fileName).toBe('m.gguf');
  });
});
