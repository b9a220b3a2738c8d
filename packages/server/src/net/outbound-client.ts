import { lookup as dnsLookup } from 'node:dns/promises';
import type { Readable } from 'node:stream';
import {
  Agent,
  buildConnector,
  type Dispatcher,
  getGlobalDispatcher,
  Response as UndiciResponse,
  fetch as undiciFetch,
} from 'undici';
import { canonicalAddress } from './ip-address.js';
import { findOutboundError, outboundErrors } from './outbound-errors.js';
import { createOutboundPolicy, type OutboundTrust } from './outbound-policy.js';
import { capBody, longestLineCheck } from './response-limits.js';

export type FetchFunction = typeof globalThis.fetch;

export interface OutboundRequestInit {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /**
   * The body as a Node stream, within the byte and line caps: passing one destroys it with the
   * same `outbound_response_too_large` / `outbound_line_too_long` error `fetch` bodies fail with.
   * Read it to its end (keeps the connection for the next call) or destroy it (closes it).
   */
  body: Readable;
}

/**
 * One request whose body is a Node stream (`'data'` events): what a hot streaming caller uses
 * instead of `fetch` (the OpenAI-wire chat adapter), without web streams. Follows no redirects.
 */
export type RequestFunction = (url: string | URL, init?: OutboundRequestInit) => Promise<OutboundResponse>;

/** Resolves a host name to every address it has (dns.lookup `all`), as a test can replace it. */
export type HostLookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** Limits of one kind of use; each call site picks what suits it. */
export interface OutboundLimits {
  /** Bytes of one response body (headers excluded); undefined = no limit (downloads). */
  maxResponseBytes?: number;
  /** Longest line of a streamed body (NDJSON, SSE) before the stream fails; undefined = none. */
  maxLineBytes?: number;
  /** Over the whole call, body included; undefined = the caller's own signal only. */
  timeoutMs?: number;
  /** Redirects followed for GET and HEAD (each hop checked again); default 3. */
  maxRedirects?: number;
}

export interface OutboundClientOptions {
  /** `LUMINA_OUTBOUND_ALLOW` entries: host names, IP addresses, CIDR ranges. */
  allow?: readonly string[];
  /** Replaces DNS (tests make a name resolve to a private address). */
  lookup?: HostLookup;
  connectTimeoutMs?: number;
}

export const OUTBOUND_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that may follow a redirect to another origin; credentials never do. */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-language', 'user-agent', 'range', 'if-range']);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * The one guarded outbound HTTP client. Its connect step resolves the name, checks every address
 * against the policy and connects to the address it checked (so a second, different DNS answer
 * cannot slip in); redirects are followed by hand, each hop connecting through the same check,
 * and credentials are dropped when a redirect leaves the origin; bodies are capped in bytes and
 * line length. Requests of trusted and untrusted callers never share a pooled connection.
 * @example
 * const outbound = createOutboundClient({ allow: config.outbound.allow });
 * const fetch = outbound.fetch('untrusted', { maxResponseBytes: 5 * 1024 * 1024, timeoutMs: 30_000 });
 * const response = await fetch('https://example.org/picture.png');
 */
export function createOutboundClient(options: OutboundClientOptions = {}) {
  const policy = createOutboundPolicy(options.allow);
  const lookup = options.lookup ?? systemLookup;
  const connectTimeoutMs = options.connectTimeoutMs ?? OUTBOUND_CONNECT_TIMEOUT_MS;
  const agents = new Map<OutboundTrust, Agent>();

  /** The addresses to connect to, each allowed, or the `outbound_address_blocked` error. */
  async function resolveAllowed(hostname: string, trust: OutboundTrust): Promise<string[]> {
    const literal = canonicalAddress(hostname);
    const addresses =
      literal !== null
        ? [literal]
        : (await withTimeout(lookup(hostname), connectTimeoutMs)).map((a) => a.address);
    // A name with one private address among public ones is refused whole: no picking by luck.
    if (addresses.length === 0 || !addresses.every((address) => policy.allows(hostname, address, trust)))
      throw outboundErrors.blocked();
    return addresses;
  }

  function agentFor(trust: OutboundTrust): Agent {
    let agent = agents.get(trust);
    if (!agent) {
      const connect = buildConnector({ timeout: connectTimeoutMs });
      agent = new Agent({
        connect: (connectOptions, callback) => {
          resolveAllowed(connectOptions.hostname, trust).then(
            // `host` keeps the name, so TLS still sends and verifies it (SNI, certificate).
            ([address]) => connect({ ...connectOptions, hostname: address! }, callback),
            (error: Error) => callback(error, null),
          );
        },
      });
      agents.set(trust, agent);
    }
    return agent;
  }

  return {
    policy,

    /**
     * A fetch-compatible function for one kind of use (pass it as the AI SDK providers' `fetch`).
     * @example createOpenAI({ apiKey, fetch: outbound.fetch(spec.trusted ? 'trusted' : 'untrusted', limits) })
     */
    fetch(trust: OutboundTrust, limits: OutboundLimits = {}): FetchFunction {
      const guarded = async (input: Parameters<FetchFunction>[0], init: RequestInit = {}) =>
        guardedFetch(agentFor(trust), (hostname) => resolveAllowed(hostname, trust), input, init, limits);
      return guarded as FetchFunction;
    },

    /**
     * A Node-stream request function for one kind of use, through the same Agent as `fetch` (the
     * same address check at connect time, the same pools per trust, the same timeouts) and the
     * same byte and line caps, without web streams: undici's `request()` hands the body over as
     * 'data' events, a fraction of the CPU per chunk of `fetch` + a ReadableStream reader (docs/
     * architecture.md, "The per-token path"). No redirects are followed, for any method.
     * @example
     * const request = outbound.request('untrusted', PROVIDER_LIMITS);
     * const { status, body } = await request(`${base}/chat/completions`, { method: 'POST', headers, body: json });
     * body.on('data', (chunk) => parser.feed(chunk));
     */
    request(trust: OutboundTrust, limits: OutboundLimits = {}): RequestFunction {
      return (url, init = {}) =>
        guardedRequest(agentFor(trust), (hostname) => resolveAllowed(hostname, trust), url, init, limits);
    },

    /**
     * Checks where a URL points before it is saved (a provider's base URL): throws
     * `outbound_address_blocked` when its host is, or resolves to, an address the caller may not
     * reach. A name that does not resolve passes here; every request checks again anyway.
     */
    async assertAllowed(url: string, trust: OutboundTrust): Promise<void> {
      const parsed = parseUrl(url);
      try {
        await resolveAllowed(parsed.hostname, trust);
      } catch (error) {
        if (findOutboundError(error)?.code === 'outbound_address_blocked') throw error;
      }
    },

    async close(): Promise<void> {
      await Promise.all([...agents.values()].map((agent) => agent.close()));
      agents.clear();
    },
  };
}

export type OutboundClient = ReturnType<typeof createOutboundClient>;

async function guardedFetch(
  agent: Agent,
  preflight: (hostname: string) => Promise<unknown>,
  input: Parameters<FetchFunction>[0],
  init: RequestInit,
  limits: OutboundLimits,
): Promise<Response> {
  const request = input instanceof Request ? input : undefined;
  let url = parseUrl(request ? request.url : String(input));
  let method = (init.method ?? request?.method ?? 'GET').toUpperCase();
  let headers = new Headers(init.headers ?? request?.headers);
  const body =
    init.body ?? (request && method !== 'GET' && method !== 'HEAD' ? await request.arrayBuffer() : undefined);
  const deadline = limits.timeoutMs === undefined ? undefined : AbortSignal.timeout(limits.timeoutMs);
  const callerSignal = init.signal ?? request?.signal ?? undefined;
  const signal =
    deadline && callerSignal ? AbortSignal.any([callerSignal, deadline]) : (deadline ?? callerSignal);
  const maxRedirects = limits.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  try {
    for (let hop = 0; ; hop++) {
      // Checked here too, so a refused target fails the same way whatever its port (fetch's own
      // "bad port" list would otherwise answer first); the connect step checks what it connects to.
      await preflight(url.hostname);
      const response = await undiciFetch(url, {
        method,
        headers: [...headers],
        body: body as never,
        redirect: 'manual',
        dispatcher: agent,
        ...(signal ? { signal } : {}),
        ...(init.body instanceof ReadableStream ? { duplex: 'half' as const } : {}),
      });
      const location = response.headers.get('location');
      const follow =
        REDIRECTS.has(response.status) && location !== null && (method === 'GET' || method === 'HEAD');
      if (!follow || hop >= maxRedirects) return limitBody(response, limits);
      await response.body?.cancel();
      const next = parseUrl(new URL(location, url).href);
      if (next.origin !== url.origin) headers = keepOnly(headers, CROSS_ORIGIN_HEADERS);
      url = next;
      method = method === 'HEAD' ? 'HEAD' : 'GET';
    }
  } catch (error) {
    const own = findOutboundError(error);
    if (own) throw own;
    if (deadline?.aborted && !callerSignal?.aborted) throw outboundErrors.timeout(limits.timeoutMs!);
    throw error;
  }
}

/**
 * A Node-stream request function with no address policy, through undici's global dispatcher:
 * what code that was handed no guarded client uses (library use and tests), as it uses
 * `globalThis.fetch` for fetch. The byte and line caps still apply. Requests a user can aim
 * always get `outbound.request(trust, limits)` (provider-factory.ts).
 * @example createCloudProvider({ id: 'local', kind: 'openai-compatible', baseUrl, request: directRequest(PROVIDER_LIMITS) })
 */
export function directRequest(limits: OutboundLimits = {}): RequestFunction {
  return (url, init = {}) => guardedRequest(getGlobalDispatcher(), async () => {}, url, init, limits);
}

async function guardedRequest(
  dispatcher: Dispatcher,
  preflight: (hostname: string) => Promise<unknown>,
  input: string | URL,
  init: OutboundRequestInit,
  limits: OutboundLimits,
): Promise<OutboundResponse> {
  const url = parseUrl(String(input));
  const deadline = limits.timeoutMs === undefined ? undefined : AbortSignal.timeout(limits.timeoutMs);
  const callerSignal = init.signal;
  const signal =
    deadline && callerSignal ? AbortSignal.any([callerSignal, deadline]) : (deadline ?? callerSignal);
  try {
    await preflight(url.hostname);
    return await new Promise<OutboundResponse>((resolve, reject) => {
      dispatcher.request(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: init.method ?? 'GET',
          ...(init.headers ? { headers: init.headers } : {}),
          ...(init.body !== undefined ? { body: init.body } : {}),
          ...(signal ? { signal } : {}),
        },
        // The callback form: undici calls it as the headers arrive and before it pushes any of
        // the body, so the caps see every byte (the promise form resolves a microtask later,
        // after the bytes that came with the headers are already in the stream).
        (error, response) => {
          if (error) return reject(error);
          const declared = Number(response.headers['content-length'] ?? Number.NaN);
          if (limits.maxResponseBytes !== undefined && declared > limits.maxResponseBytes) {
            response.body.on('error', () => {}).destroy();
            return reject(outboundErrors.tooLarge(limits.maxResponseBytes));
          }
          if (limits.maxResponseBytes !== undefined || limits.maxLineBytes !== undefined)
            capReadable(response.body, limits.maxResponseBytes, limits.maxLineBytes);
          resolve({ status: response.statusCode, headers: response.headers, body: response.body });
        },
      );
    });
  } catch (error) {
    const own = findOutboundError(error);
    if (own) throw own;
    if (deadline?.aborted && !callerSignal?.aborted) throw outboundErrors.timeout(limits.timeoutMs!);
    throw error;
  }
}

/**
 * The caps of `capBody` on a Node stream, checked where the bytes enter it: undici hands every
 * chunk of a response to the body's `push`, so wrapping that one method checks each chunk before
 * anyone can read it, with no stream stage of its own (a Transform would cost its own buffering
 * and events per chunk). Past a cap the body is destroyed with the error, which aborts the request.
 */
function capReadable(body: Readable, maxBytes: number | undefined, maxLineBytes: number | undefined): void {
  const push = body.push;
  let seen = 0;
  let openLine = 0;
  body.push = (chunk: Buffer | null, encoding?: BufferEncoding): boolean => {
    if (chunk) {
      seen += chunk.byteLength;
      let broken: Error | undefined;
      if (maxBytes !== undefined && seen > maxBytes) broken = outboundErrors.tooLarge(maxBytes);
      else if (maxLineBytes !== undefined) {
        openLine = longestLineCheck(chunk, openLine, maxLineBytes);
        if (openLine < 0) broken = outboundErrors.lineTooLong(maxLineBytes);
      }
      if (broken) {
        if (!body.destroyed) body.destroy(broken);
        return false;
      }
    }
    return push.call(body, chunk, encoding);
  };
}

/** Applies the byte and line caps to the body, refusing at once a declared length over the cap. */
async function limitBody(response: UndiciResponse, limits: OutboundLimits): Promise<Response> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (limits.maxResponseBytes !== undefined && declared > limits.maxResponseBytes) {
    await response.body?.cancel();
    throw outboundErrors.tooLarge(limits.maxResponseBytes);
  }
  if (!response.body || NULL_BODY_STATUSES.has(response.status)) return response as unknown as Response;
  let body = response.body as ReadableStream<Uint8Array>;
  if (limits.maxResponseBytes !== undefined || limits.maxLineBytes !== undefined)
    body = body.pipeThrough(
      capBody({ maxBytes: limits.maxResponseBytes, maxLineBytes: limits.maxLineBytes }),
    );
  const limited = new UndiciResponse(body as never, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  Object.defineProperty(limited, 'url', { value: response.url });
  return limited as unknown as Response;
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw outboundErrors.urlRefused();
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password)
    throw outboundErrors.urlRefused();
  return url;
}

function keepOnly(headers: Headers, names: Set<string>): Headers {
  const kept = new Headers();
  for (const [name, value] of headers) if (names.has(name)) kept.set(name, value);
  return kept;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(outboundErrors.unreachable()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
