import type { User } from './session';
import { callName } from './session';

/**
 * The names the macros stand for — the same rule the server's prompt compiler uses
 * (docs/prompt-compiler.md, "Names"): `{{char}}` is the avatar's nickname when it has one
 * (Character Card V3), else its name; `{{user}}` is the person's preferred name, else their
 * first name.
 * @example macroNames({ name: 'Seraphina', nickname: 'Sera' }, { name: 'Ada Lovelace', preferredName: null })
 * // { char: 'Sera', user: 'Ada' }
 */
export function macroNames(
  avatar: { name: string; nickname: string | null },
  user: Pick<User, 'name' | 'preferredName'>,
): { char: string; user: string } {
  return { char: avatar.nickname?.trim() || avatar.name.trim() || avatar.name, user: callName(user) };
}

/**
 * Fills the name macros of a greeting the way chats do: `{{char}}` (also `<BOT>`, `<CHAR>`) and
 * `{{user}}` (also `<USER>`), in any letter case and with spaces inside the braces. Other
 * macros (`{{time}}`, `{{random:…}}`) are left for the chat. Pass {@link macroNames} as `names`.
 * @example fillNameMacros('Hi {{user}}, I’m {{char}}.', { char: 'Lumina', user: 'Ada' }) // 'Hi Ada, I’m Lumina.'
 */
export function fillNameMacros(text: string, names: { char: string; user: string }): string {
  return text
    .replace(/\{\{\s*(char|user)\s*\}\}/gi, (_match, name: string) =>
      name.toLowerCase() === 'char' ? names.char : names.user,
    )
    .replace(/<(BOT|CHAR|USER)>/gi, (_match, name: string) =>
      name.toUpperCase() === 'USER' ? names.user : names.char,
    );
}
