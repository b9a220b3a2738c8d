import { LuminaApiError, LuminaNetworkError } from '@lumina/sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { uploadWithProgress } from './upload-with-progress';

/** The browser's XMLHttpRequest as the upload drives it, answering what a test scripts. */
class ScriptedXhr {
  static last: ScriptedXhr;
  static answer: { status: number; body: string } | 'network-error' | 'hang' = { status: 201, body: '{}' };
  method = '';
  url = '';
  headers: Record<string, string> = {};
  withCredentials = false;
  responseType = '';
  status = 0;
  statusText = '';
  responseText = '';
  sent: FormData | null = null;
  upload: {
    onprogress: ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null;
  } = {
    onprogress: null,
  };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    ScriptedXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return name === 'x-request-id' ? 'req-1' : null;
  }
  abort() {
    this.onabort?.();
  }
  send(form: FormData) {
    this.sent = form;
    const answer = ScriptedXhr.answer;
    if (answer === 'hang') return;
    queueMicrotask(() => {
      this.upload.onprogress?.({ lengthComputable: true, loaded: 5, total: 10 });
      if (answer === 'network-error') return this.onerror?.();
      this.status = answer.status;
      this.responseText = answer.body;
      this.onload?.();
    });
  }
}

describe('uploadWithProgress', () => {
  beforeEach(() => vi.stubGlobal('XMLHttpRequest', ScriptedXhr));
  afterEach(() => vi.unstubAllGlobals());
  const file = new File(['hello'], 'note.txt', { type: 'text/plain' });

  it('posts the file with the CSRF header and resolves with what the caller takes from the body', async () => {
    ScriptedXhr.answer = { status: 201, body: JSON.stringify({ attachment: { id: 'a1' } }) };
    const progress: number[] = [];
    const value = await uploadWithProgress(
      '/api/attachments',
      file,
      (b) => (b as { attachment?: unknown })?.attachment,
      {
        onProgress: (f) => progress.push(f),
        baseUrl: 'http://lumina.test',
      },
    );
    expect(value).toEqual({ id: 'a1' });
    expect(ScriptedXhr.last).toMatchObject({
      method: 'POST',
      url: 'http://lumina.test/api/attachments',
      withCredentials: true,
    });
    expect(ScriptedXhr.last.headers['x-lumina-csrf']).toBe('1');
    const sentFile = ScriptedXhr.last.sent?.get('file');
    expect(sentFile).toBeInstanceOf(File);
    expect((sentFile as File).name).toBe('note.txt');
    expect(progress).toEqual([0.5, 1]);
  });

  it("rejects with the server's error code, and also a 2xx answer the caller does not accept", async () => {
    ScriptedXhr.answer = {
      status: 413,
      body: JSON.stringify({ error: { code: 'file_too_large', message: 'Too big' } }),
    };
    const refused = await uploadWithProgress('/x', file, () => 1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LuminaApiError);
    expect((refused as LuminaApiError).code).toBe('file_too_large');
    ScriptedXhr.answer = { status: 200, body: 'not json' };
    expect(await uploadWithProgress('/x', file, () => undefined).catch((e: unknown) => e)).toBeInstanceOf(
      LuminaApiError,
    );
  });

  it('rejects a network failure and a cancelled upload', async () => {
    ScriptedXhr.answer = 'network-error';
    expect(await uploadWithProgress('/x', file, () => 1).catch((e: unknown) => e)).toBeInstanceOf(
      LuminaNetworkError,
    );
    ScriptedXhr.answer = 'hang';
    const controller = new AbortController();
    const pending = uploadWithProgress('/x', file, () => 1, { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    controller.abort();
    expect(((await pending) as DOMException).name).toBe('AbortError');
  });
});
