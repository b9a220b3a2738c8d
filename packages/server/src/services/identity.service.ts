import type { TokenScope } from '../domain/api-token.js';
import type { User, UserRole } from '../domain/user.js';
import { unauthorized } from '../errors.js';
import type { ApiTokenRepository } from '../repositories/api-token.repository.js';
import type { SessionRepository } from '../repositories/session.repository.js';
import type { UserRepository } from '../repositories/user.repository.js';
import type { AuthEpochs } from '../security/auth-epoch.js';
import { hashToken } from '../security/tokens.js';

/** Who is making a request, and with what rights. */
export interface Identity {
  user: User;
  via: 'session' | 'token';
  sessionId?: string;
  tokenId?: string;
  /** What the credential allows; sessions carry every scope their role permits. */
  scopes: readonly TokenScope[];
}

export interface IdentityServiceDeps {
  users: UserRepository;
  sessions: SessionRepository;
  apiTokens: ApiTokenRepository;
  epochs: AuthEpochs;
  sessionTtlMs: number;
  now?: () => Date;
  /** How long a resolved identity is reused without the database (the epoch is still checked). */
  cacheTtlMs?: number;
}

interface CacheEntry {
  identity: Identity;
  epoch: number;
  cachedUntil: number;
  credentialExpiresAt: number;
}

const RENEW_AFTER_MS = 60 * 60 * 1000; // sliding renewal writes at most once an hour
const TOKEN_TOUCH_AFTER_MS = 60 * 1000;
const CACHE_LIMIT = 10_000;

export const sessionExpired = () =>
  unauthorized('session_expired', 'Your session has ended. Sign in again to continue.');
export const invalidToken = () =>
  unauthorized('invalid_token', 'This API token is not valid (revoked or expired).');
export const accountDisabled = () => unauthorized('account_disabled', 'This account has been disabled.');

export function scopesForRole(role: UserRole): TokenScope[] {
  return role === 'admin' ? ['read', 'write', 'admin'] : ['read', 'write'];
}

/**
 * Turns a session cookie or a bearer token into an Identity. Lookups are cached briefly, but
 * every hit re-checks the user's auth epoch, so revocations apply to the next request.
 */
export function createIdentityService(deps: IdentityServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const cacheTtlMs = deps.cacheTtlMs ?? 60_000;
  const cache = new Map<string, CacheEntry>();

  async function fromCache(key: string): Promise<Identity | undefined> {
    const entry = cache.get(key);
    if (!entry) return undefined;
    const at = now().getTime();
    if (entry.cachedUntil > at && entry.credentialExpiresAt > at) {
      if ((await deps.epochs.current(entry.identity.user.id)) === entry.epoch) return entry.identity;
    }
    cache.delete(key);
    return undefined;
  }

  function remember(key: string, identity: Identity, epoch: number, credentialExpiresAt: number) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, { identity, epoch, cachedUntil: now().getTime() + cacheTtlMs, credentialExpiresAt });
  }

  async function loadUser(userId: string, onMissing: () => Error): Promise<User> {
    const user = await deps.users.findById(userId);
    if (!user) throw onMissing();
    if (user.disabledAt) throw accountDisabled();
    return user;
  }

  return {
    async resolveSession(token: string): Promise<Identity> {
      const key = `s:${hashToken(token)}`;
      const cached = await fromCache(key);
      if (cached) return cached;
      const at = now();
      const session = await deps.sessions.findActiveByTokenHash(key.slice(2), at);
      if (!session) {
        // Disabling an account revokes its sessions; say why rather than "session ended".
        const ended = await deps.sessions.findByTokenHash(key.slice(2));
        const owner = ended && (await deps.users.findById(ended.userId));
        throw owner?.disabledAt ? accountDisabled() : sessionExpired();
      }
      // Read the epoch before the user row: a bump racing with this load then invalidates us.
      const epoch = await deps.epochs.current(session.userId);
      const user = await loadUser(session.userId, sessionExpired);
      let expiresAt = session.expiresAt;
      if (at.getTime() - session.lastSeenAt.getTime() > RENEW_AFTER_MS) {
        expiresAt = new Date(at.getTime() + deps.sessionTtlMs);
        await deps.sessions.touch(session.id, at, expiresAt);
      }
      const identity: Identity = {
        user,
        via: 'session',
        sessionId: session.id,
        scopes: scopesForRole(user.role),
      };
      remember(key, identity, epoch, Math.min(expiresAt.getTime(), at.getTime() + RENEW_AFTER_MS));
      return identity;
    },

    async resolveApiToken(token: string): Promise<Identity> {
      const key = `t:${hashToken(token)}`;
      const cached = await fromCache(key);
      if (cached) return cached;
      const at = now();
      const row = await deps.apiTokens.findByHash(key.slice(2));
      if (!row || (row.expiresAt && row.expiresAt <= at)) throw invalidToken();
      const epoch = await deps.epochs.current(row.userId);
      const user = await loadUser(row.userId, invalidToken);
      if (!row.lastUsedAt || at.getTime() - row.lastUsedAt.getTime() > TOKEN_TOUCH_AFTER_MS) {
        await deps.apiTokens.touch(row.id, at);
      }
      // A token never grants more than its owner's role allows.
      const allowed = new Set(scopesForRole(user.role));
      const identity: Identity = {
        user,
        via: 'token',
        tokenId: row.id,
        scopes: row.scopes.filter((s) => allowed.has(s)),
      };
      remember(
        key,
        identity,
        epoch,
        Math.min(row.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY, at.getTime() + TOKEN_TOUCH_AFTER_MS),
      );
      return identity;
    },

    /** Drops every cached identity of a user everywhere (via the epoch). */
    invalidateUser: (userId: string) => deps.epochs.bump(userId),
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
