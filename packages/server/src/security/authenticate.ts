import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, forbidden, unauthorized } from '../errors.js';
import type { Identity, IdentityService } from '../services/identity.service.js';

export const SESSION_COOKIE = 'lumina_session';
/**
 * Cookie-authenticated requests that change state must carry this header (any value). A
 * cross-site form cannot set custom headers, and a cross-site script cannot either without a
 * CORS preflight that Lumina never grants. Bearer-token requests are exempt.
 */
export const CSRF_HEADER = 'x-lumina-csrf';

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity | null;
    /** Why a presented session did not authenticate (reported only if the route needs a user). */
    authError: AppError | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const csrfFailed = () =>
  forbidden('csrf_failed', 'This request was refused because it did not come from the Lumina app.');

/** Resolves who is calling every /api and /ws request, enforcing CSRF rules and token scopes. */
export function registerAuthentication(app: FastifyInstance, identities: IdentityService) {
  app.decorateRequest('identity', null);
  app.decorateRequest('authError', null);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/api/') && !request.url.startsWith('/ws/')) return;
    const bearer = bearerToken(request) ?? upgradeQueryToken(request);
    if (bearer) {
      request.identity = await identities.resolveApiToken(bearer);
      assertScope(request, request.identity);
      assertPasswordChosen(request, request.identity);
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (!SAFE_METHODS.has(request.method)) assertSameOrigin(request);
    // Cookies ride along on cross-site WebSocket handshakes; only our own pages may open one.
    else if (token && request.url.startsWith('/ws/')) assertOrigin(request);
    if (!token) return;
    try {
      request.identity = await identities.resolveSession(token);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      request.authError = err;
      clearSessionCookie(reply);
    }
    if (request.identity) assertPasswordChosen(request, request.identity);
  });
}

/**
 * What someone with a temporary password may do: see who they are, sign out, choose their own
 * password (and reach the public sign-in endpoints). Everything else waits for that choice.
 */
const ALLOWED_BEFORE_PASSWORD_CHOSEN = new Set([
  'GET /api/auth/me',
  'GET /api/auth/config',
  'POST /api/auth/logout',
  'POST /api/auth/password',
  'POST /api/auth/login',
  'POST /api/auth/signup',
  'POST /api/auth/password-reset',
  'POST /api/auth/password-reset/check',
]);

export const passwordChangeRequired = () =>
  forbidden('password_change_required', 'Choose your own password before you continue.');

function assertPasswordChosen(request: FastifyRequest, identity: Identity) {
  if (!identity.user.passwordChangeRequired) return;
  if (ALLOWED_BEFORE_PASSWORD_CHOSEN.has(`${request.method} ${request.routeOptions.url}`)) return;
  throw passwordChangeRequired();
}

/** The caller, or 401 (`session_expired` when their session ended, else `unauthorized`). */
export function requireIdentity(request: FastifyRequest): Identity {
  if (request.identity) return request.identity;
  throw request.authError ?? unauthorized();
}

export function requireAdmin(request: FastifyRequest): Identity {
  const identity = requireIdentity(request);
  if (identity.user.role !== 'admin') throw forbidden('admin_only', 'Only administrators can do this.');
  return identity;
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  expiresAt: Date,
  secure: 'auto' | 'always' | 'never',
) {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: secure === 'always' || (secure === 'auto' && request.protocol === 'https'),
    path: '/',
    expires: expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw unauthorized('invalid_token', 'The Authorization header must be "Bearer <token>".');
  return match[1];
}

/**
 * Authenticates a WebSocket upgrade: the session cookie (same origin only) or `?token=<api
 * token>` for scripts, since browsers cannot set headers on a WebSocket handshake.
 * @example app.get('/ws/voice', { websocket: true }, (socket, request) => { const who = authenticateUpgrade(request); … })
 */
export function authenticateUpgrade(request: FastifyRequest): Identity {
  return requireIdentity(request);
}

/**
 * Resolves the credential a request (a WebSocket upgrade, typically) authenticated with once
 * more, through the same cache and auth-epoch check as any HTTP request, so a socket opened
 * before a logout, revoke, token delete or account disable is refused on its next frame.
 * Throws the same 401 AppError a new request with that credential would get.
 * @example const identity = await reauthenticate(request, identities); // before each frame
 */
export async function reauthenticate(
  request: FastifyRequest,
  identities: IdentityService,
): Promise<Identity> {
  const bearer = bearerToken(request) ?? upgradeQueryToken(request);
  if (bearer) return identities.resolveApiToken(bearer);
  const token = request.cookies[SESSION_COOKIE];
  if (!token) throw unauthorized();
  return identities.resolveSession(token);
}

function upgradeQueryToken(request: FastifyRequest): string | undefined {
  if (!request.url.startsWith('/ws/')) return undefined;
  const token = (request.query as Record<string, unknown> | undefined)?.token;
  return typeof token === 'string' && token ? token : undefined;
}

function assertSameOrigin(request: FastifyRequest) {
  if (request.headers[CSRF_HEADER] === undefined) throw csrfFailed();
  assertOrigin(request);
}

function assertOrigin(request: FastifyRequest) {
  const origin = request.headers.origin;
  if (origin && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw csrfFailed();
    }
    if (host !== request.host) throw csrfFailed();
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') throw csrfFailed();
}

/** Tokens need `read` for reads, `write` for changes and `admin` for /api/admin. */
function assertScope(request: FastifyRequest, identity: Identity) {
  const needed = request.url.startsWith('/api/admin')
    ? 'admin'
    : SAFE_METHODS.has(request.method)
      ? 'read'
      : 'write';
  if (!identity.scopes.includes(needed)) {
    throw forbidden('insufficient_scope', `This API token lacks the "${needed}" scope.`);
  }
}
