/** The JSON error body every Lumina endpoint returns on failure. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown>; requestId?: string };
}

/** A failed API call: HTTP status, Lumina's stable error code and the request id to quote. */
export class LuminaApiError extends Error {
  override name = 'LuminaApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  /** Builds the error from a response and its (possibly non-JSON) body. */
  static fromResponse(response: Response, body: unknown): LuminaApiError {
    const requestId = response.headers.get('x-request-id') ?? undefined;
    const error = (body as Partial<ApiErrorBody> | undefined)?.error;
    if (error && typeof error.code === 'string') {
      return new LuminaApiError(
        response.status,
        error.code,
        error.message,
        error.requestId ?? requestId,
        error.details,
      );
    }
    return new LuminaApiError(
      response.status,
      response.status >= 500 ? 'server_error' : 'http_error',
      `The server answered ${response.status} ${response.statusText}`.trim(),
      requestId,
    );
  }
}

/** Thrown when the server cannot be reached at all (offline, wrong URL, server stopped). */
export class LuminaNetworkError extends Error {
  override name = 'LuminaNetworkError';
  readonly code = 'network_error';
}
