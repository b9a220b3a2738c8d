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
