import { z } from 'zod';
import type { Session } from '../domain/session.js';
import { USER_ROLES, type User } from '../domain/user.js';

export const userDto = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    preferredName: z.string().nullable(),
    role: z.enum(USER_ROLES),
    disabled: z.boolean(),
    // Optional in the schema only so that clients built before it still type-check; always sent.
    passwordChangeRequired: z
      .boolean()
      .optional()
      .describe(
        'The password is a temporary one an administrator set: the user must choose their own first (always sent; absent means false)',
      ),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'User' });

export type UserDto = z.infer<typeof userDto>;

/** The public face of a user: never the password hash. */
export function toUserDto(user: User): UserDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    preferredName: user.preferredName,
    role: user.role,
    disabled: user.disabledAt !== null,
    passwordChangeRequired: user.passwordChangeRequired,
    createdAt: user.createdAt.toISOString(),
  };
}

export const sessionDto = z
  .object({
    id: z.uuid(),
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
    createdAt: z.iso.datetime(),
    lastSeenAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    current: z.boolean(),
  })
  .meta({ id: 'Session' });

export function toSessionDto(session: Session, currentId: string | undefined): z.infer<typeof sessionDto> {
  return {
    id: session.id,
    userAgent: session.userAgent,
    ip: session.ip,
    createdAt: session.createdAt.toISOString(),
    lastSeenAt: session.lastSeenAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    current: session.id === currentId,
  };
}
