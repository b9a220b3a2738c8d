import { LuminaApiError, LuminaNetworkError } from '@lumina/sdk';

export interface UploadOptions {
  /** Called with the share sent so far, 0 to 1. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** The server's origin; the page's own by default. */
  baseUrl?: string;
}

/**
 * POSTs one file as multipart field `file` to `path` with XMLHttpRequest, whose upload events
 * tell the progress (fetch cannot), and resolves with what `accept` takes from a 2xx answer's
 * JSON body. Rejects with a LuminaApiError (the server's code; also a 2xx body `accept` refuses),
 * a LuminaNetworkError, or an AbortError. The attachments and the knowledge uploads use it.
 * @example await uploadWithProgress('/api/attachments', file, (body) => body?.attachment, { onProgress });
 */
export function uploadWithProgress<T>(
  path: string,
  file: File,
  accept: (body: unknown) => T | undefined,
  options: UploadOptions = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const abort = () => xhr.abort();
    const done = () => options.signal?.removeEventListener('abort', abort);
    xhr.open('POST', `${options.baseUrl ?? ''}${path}`);
    xhr.withCredentials = true;
    xhr.responseType = 'text';
    // Lumina's CSRF check (the SDK sends the same header).
    xhr.setRequestHeader('x-lumina-csrf', '1');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => {
      done();
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      const value = xhr.status >= 200 && xhr.status < 300 ? accept(body) : undefined;
      if (value !== undefined) {
        options.onProgress?.(1);
        resolve(value);
        return;
      }
      const response = new Response(null, {
        status: xhr.status || 500,
        statusText: xhr.statusText,
        headers: { 'x-request-id': xhr.getResponseHeader('x-request-id') ?? '' },
      });
      reject(LuminaApiError.fromResponse(response, body));
    };
    xhr.onerror = () => {
      done();
      reject(new LuminaNetworkError('Cannot reach the Lumina server'));
    };
    xhr.onabort = () => {
      done();
      reject(new DOMException('The upload was cancelled', 'AbortError'));
    };
    if (options.signal?.aborted) {
      reject(new DOMException('The upload was cancelled', 'AbortError'));
      return;
    }
    options.signal?.addEventListener('abort', abort);
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
