type FetchFunction = typeof globalThis.fetch;

/** The request header that names a call's observer; removed before the request is sent. */
const OBSERVER_HEADER = 'x-lumina-observer';
const observers = new Map<string, () => void>();
let nextId = 0;

/**
 * Wraps `fetch` so that whoever started the request (see `observeResponse`) learns when the
 * response headers arrive. Library clients (the AI SDK providers) share one fetch across
 * requests, so the call names its observer in a request header that this fetch takes off again.
 * (An AsyncLocalStorage would do it without the header, but on Node 20 it turns on promise
 * hooks for the whole process: about 6 % of the server's CPU in the chat bench.)
 * @example const provider = createOpenAI({ fetch: observeResponses(fetch) });
 */
export function observeResponses(fetchImpl: FetchFunction = globalThis.fetch): FetchFunction {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    const id = headers.get(OBSERVER_HEADER);
    if (id === null) return fetchImpl(input, init);
    headers.delete(OBSERVER_HEADER);
    const response = await fetchImpl(input, { ...init, headers });
    observers.get(id)?.();
    return response;
  };
}

/**
 * Registers `onResponse` for the requests made with `headers`; call `release` when the call ends.
 * @example const observed = observeResponse(() => liveness.connected()); streamText({ model, prompt, headers: observed.headers });
 */
export function observeResponse(onResponse: () => void): {
  headers: Record<string, string>;
  release(): void;
} {
  const id = String(++nextId);
  observers.set(id, onResponse);
  return { headers: { [OBSERVER_HEADER]: id }, release: () => observers.delete(id) };
}
