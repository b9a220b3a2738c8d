import { AsyncLocalStorage } from 'node:async_hooks';

type FetchFunction = typeof globalThis.fetch;

const currentObserver = new AsyncLocalStorage<() => void>();

/**
 * Wraps `fetch` so that whoever started the request (see `withResponseObserver`) learns when
 * the response headers arrive. Library clients (the AI SDK providers) share one fetch across
 * requests, so the request-to-listener link travels in the async context, not in arguments.
 * @example const provider = createOpenAI({ fetch: observeResponses(fetch) });
 */
export function observeResponses(fetchImpl: FetchFunction = globalThis.fetch): FetchFunction {
  return async (input, init) => {
    const observer = currentObserver.getStore();
    const response = await fetchImpl(input, init);
    observer?.();
    return response;
  };
}

/**
 * Runs `fn`; every observed fetch it starts calls `onResponse` when its headers arrive.
 * @example const result = withResponseObserver(() => liveness.connected(), () => streamText({ model, prompt }));
 */
export function withResponseObserver<T>(onResponse: () => void, fn: () => T): T {
  return currentObserver.run(onResponse, fn);
}
