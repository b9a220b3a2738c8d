/**
 * Fills the name macros of a greeting the way chats do: `{{char}}` (also `<BOT>`, `<CHAR>`) is
 * the avatar's name and `{{user}}` (also `<USER>`) the person's, in any letter case and with
 * spaces inside the braces. Other macros (`{{time}}`, `{{random:…}}`) are left for the chat.
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
