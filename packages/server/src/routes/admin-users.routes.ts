import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toUserDto, userDto } from '../presenters/user.presenter.js';
import { requireAdmin } from '../security/authenticate.js';
import type { UserAdminService } from '../services/user-admin.service.js';
import { displayName, email, errorResponses, idParams, password } from './schemas.js';

const instanceSettings = z
  .object({
    signupOpen: z.boolean(),
    defaultModel: z
      .string()
      .min(3)
      .max(300)
      .nullable()
      .describe(
        "`<provider>/<model>` that members' conversations use when neither they nor the avatar chose one; null: the first model available",
      ),
  })
  .meta({ id: 'InstanceSettings' });

export const adminUserRoutes =
  (admin: UserAdminService): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['admin'];

    app.get(
      '/api/admin/users',
      {
        schema: {
          tags,
          summary: 'Every account on this server',
          response: { 200: z.object({ users: z.array(userDto) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        requireAdmin(request);
        return { users: (await admin.list()).map(toUserDto) };
      },
    );

    app.post(
      '/api/admin/users',
      {
        schema: {
          tags,
          summary: 'Create an account for someone (works when sign-up is closed)',
          description:
            'With `temporaryPassword: true` (what the web app sends) the person must choose their own password at first sign-in: until then the API answers 403 `password_change_required` to everything but `GET /api/auth/me`, sign-out and `POST /api/auth/password`. Scripts that create accounts with passwords their owners keep leave it out (default false).',
          body: z.object({
            email,
            password,
            name: displayName,
            preferredName: displayName.nullish(),
            temporaryPassword: z.boolean().optional(),
          }),
          response: { 201: z.object({ user: userDto }), ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        requireAdmin(request);
        const user = await admin.create(request.body, { ip: request.ip, userAgent: undefined });
        return reply.status(201).send({ user: toUserDto(user) });
      },
    );

    app.get(
      '/api/admin/users/:id',
      {
        schema: {
          tags,
          summary: 'One account',
          params: idParams,
          response: { 200: z.object({ user: userDto }), ...errorResponses(401, 403, 404) },
        },
      },
      async (request) => {
        requireAdmin(request);
        return { user: toUserDto(await admin.get(request.params.id)) };
      },
    );

    app.patch(
      '/api/admin/users/:id',
      {
        schema: {
          tags,
          summary: "Change a user's role, or disable the account (its sessions and tokens stop at once)",
          params: idParams,
          body: z.object({ role: z.enum(['admin', 'user']).optional(), disabled: z.boolean().optional() }),
          response: { 200: z.object({ user: userDto }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const actor = requireAdmin(request);
        return { user: toUserDto(await admin.update(actor, request.params.id, request.body)) };
      },
    );

    app.post(
      '/api/admin/users/:id/password-reset',
      {
        schema: {
          tags,
          summary: 'Make a one-time link that lets the user set a new password (no e-mail needed)',
          description:
            'The token is shown only in this answer (only its SHA-256 is stored); it works once, until `expiresAt` (`LUMINA_PASSWORD_RESET_TTL_HOURS`, 24 by default), and making a new link makes the earlier one stop working. Using it signs out every session of the user. `path` is the web app page to open, with the token in the fragment so that it never reaches a server log.',
          params: idParams,
          response: {
            201: z.object({ token: z.string(), path: z.string(), expiresAt: z.iso.datetime() }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request, reply) => {
        const actor = requireAdmin(request);
        const link = await admin.issuePasswordReset(actor, request.params.id);
        return reply.status(201).send({ ...link, expiresAt: link.expiresAt.toISOString() });
      },
    );

    app.get(
      '/api/admin/settings',
      {
        schema: {
          tags,
          summary: 'Instance settings',
          response: { 200: instanceSettings, ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        requireAdmin(request);
        return admin.getInstanceSettings();
      },
    );

    app.patch(
      '/api/admin/settings',
      {
        schema: {
          tags,
          summary: 'Open or close sign-up; set the instance’s default model',
          body: instanceSettings.partial(),
          response: { 200: instanceSettings, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        requireAdmin(request);
        return admin.updateInstanceSettings(request.body);
      },
    );
  };
