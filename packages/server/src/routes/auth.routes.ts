import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config.js';
import { sessionDto, toSessionDto, toUserDto, userDto } from '../presenters/user.presenter.js';
import { clearSessionCookie, requireIdentity, setSessionCookie } from '../security/authenticate.js';
import type { LoginGuard } from '../security/login-guard.js';
import type { AuthService } from '../services/auth.service.js';
import { displayName, email, errorResponses, idParams, password } from './schemas.js';

const userResponse = z.object({ user: userDto });

export interface AuthRoutesDeps {
  auth: AuthService;
  guard: LoginGuard;
  config: Pick<Config, 'cookieSecure'>;
}

export const authRoutes =
  ({ auth, guard, config }: AuthRoutesDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['accounts'];
    const client = (request: { ip: string; headers: Record<string, unknown> }) => ({
      ip: request.ip,
      userAgent:
        typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : undefined,
    });

    app.get(
      '/api/auth/config',
      {
        schema: {
          tags,
          summary: 'Whether sign-up is open and whether the first (admin) account is still to be made',
          response: { 200: z.object({ signupOpen: z.boolean(), needsFirstAdmin: z.boolean() }) },
        },
      },
      async () => auth.publicConfig(),
    );

    app.post(
      '/api/auth/signup',
      {
        schema: {
          tags,
          summary: 'Create an account (the first one becomes admin) and sign in',
          body: z.object({ email, password, name: displayName, preferredName: displayName.nullish() }),
          response: { 201: userResponse, ...errorResponses(400, 403, 409, 429) },
        },
      },
      async (request, reply) => {
        const signup = await guard.signup(request.ip, () => auth.signup(request.body, client(request)));
        setSessionCookie(request, reply, signup.token, signup.session.expiresAt, config.cookieSecure);
        return reply.status(201).send({ user: toUserDto(signup.user) });
      },
    );

    app.post(
      '/api/auth/login',
      {
        schema: {
          tags,
          summary: 'Sign in with email and password',
          body: z.object({ email, password }),
          response: { 200: userResponse, ...errorResponses(400, 401, 429) },
        },
      },
      async (request, reply) => {
        const { email: address, password: secret } = request.body;
        const login = await guard.login(request.ip, address, () =>
          auth.login(address, secret, client(request)),
        );
        setSessionCookie(request, reply, login.token, login.session.expiresAt, config.cookieSecure);
        return { user: toUserDto(login.user) };
      },
    );

    app.post(
      '/api/auth/logout',
      {
        schema: {
          tags,
          summary: 'Sign out: the session is revoked',
          response: { 204: z.null(), ...errorResponses(401) },
        },
      },
      async (request, reply) => {
        const identity = requireIdentity(request);
        if (identity.sessionId) await auth.logout(identity.user.id, identity.sessionId);
        clearSessionCookie(reply);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/auth/me',
      {
        schema: {
          tags,
          summary: 'The signed-in user',
          response: { 200: userResponse, ...errorResponses(401) },
        },
      },
      async (request) => ({ user: toUserDto(requireIdentity(request).user) }),
    );

    app.patch(
      '/api/auth/me',
      {
        schema: {
          tags,
          summary: 'Change your name or the name avatars call you by',
          body: z.object({ name: displayName.optional(), preferredName: displayName.nullish() }),
          response: { 200: userResponse, ...errorResponses(400, 401) },
        },
      },
      async (request) => ({
        user: toUserDto(await auth.updateProfile(requireIdentity(request).user.id, request.body)),
      }),
    );

    app.post(
      '/api/auth/password',
      {
        schema: {
          tags,
          summary: 'Change your password; every other session is signed out',
          description:
            'Also how a temporary password (set by an administrator) is replaced: until then every other call answers 403 `password_change_required`. The new password must differ from the current one (400 `same_password`).',
          body: z.object({ currentPassword: password, newPassword: password }),
          response: {
            200: z.object({ revokedSessions: z.number().int() }),
            ...errorResponses(400, 401, 429),
          },
        },
      },
      async (request) => {
        const identity = requireIdentity(request);
        const { currentPassword, newPassword } = request.body;
        return guard.login(request.ip, identity.user.email, () =>
          auth.changePassword(identity.user.id, identity.sessionId, currentPassword, newPassword),
        );
      },
    );

    const resetToken = z.string().min(1).max(200).describe('The token from the link (after `#token=`)');
    const resetFailures =
      'Stable codes: `reset_token_invalid` (unknown or mistyped), `reset_token_expired`, `reset_token_used` (a link works once), `reset_token_superseded` (a newer link was made for the account); all 400. Failed attempts count towards a per-IP lock-out like sign-in (429 `too_many_attempts`).';

    app.post(
      '/api/auth/password-reset/check',
      {
        schema: {
          tags,
          summary: 'Whether a password-reset link still works, and for which account',
          description: resetFailures,
          body: z.object({ token: resetToken }),
          response: {
            200: z.object({ email: z.string(), expiresAt: z.iso.datetime() }),
            ...errorResponses(400, 429),
          },
        },
      },
      async (request) => {
        const found = await guard.checkReset(request.ip, () => auth.inspectPasswordReset(request.body.token));
        return { email: found.email, expiresAt: found.expiresAt.toISOString() };
      },
    );

    app.post(
      '/api/auth/password-reset',
      {
        schema: {
          tags,
          summary:
            'Set a new password with a one-time link from an administrator; every session of the account is signed out and a new one starts',
          description: `${resetFailures} The new password follows the usual rules (400 \`weak_password\`); a disabled account is 401 \`account_disabled\`.`,
          body: z.object({ token: resetToken, newPassword: password }),
          response: { 200: userResponse, ...errorResponses(400, 401, 429) },
        },
      },
      async (request, reply) => {
        const { token, newPassword } = request.body;
        const reset = await guard.redeemReset(request.ip, () =>
          auth.redeemPasswordReset(token, newPassword, client(request)),
        );
        setSessionCookie(request, reply, reset.token, reset.session.expiresAt, config.cookieSecure);
        return { user: toUserDto(reset.user) };
      },
    );

    app.get(
      '/api/auth/sessions',
      {
        schema: {
          tags,
          summary: 'Your active sessions',
          response: { 200: z.object({ sessions: z.array(sessionDto) }), ...errorResponses(401) },
        },
      },
      async (request) => {
        const identity = requireIdentity(request);
        const sessions = await auth.listSessions(identity.user.id);
        return { sessions: sessions.map((s) => toSessionDto(s, identity.sessionId)) };
      },
    );

    app.delete(
      '/api/auth/sessions/:id',
      {
        schema: {
          tags,
          summary: 'Sign out one of your sessions',
          params: idParams,
          response: { 204: z.null(), ...errorResponses(401, 404) },
        },
      },
      async (request, reply) => {
        const identity = requireIdentity(request);
        await auth.revokeSession(identity.user.id, request.params.id);
        if (request.params.id === identity.sessionId) clearSessionCookie(reply);
        return reply.status(204).send(null);
      },
    );
  };
