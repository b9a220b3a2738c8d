import { fillNameMacros } from '../../lib/greeting-macros';
import { useGreetingNames } from '../../lib/personas';
import type { User } from '../../lib/session';
import { Markdown } from '../chat/markdown';

/**
 * An avatar's greeting as a new conversation will start with it: names filled in as the server
 * fills them (the default persona's name for `{{user}}` when there is one), shown as Markdown.
 */
export function FilledGreeting({
  text,
  avatar,
  user,
}: {
  text: string;
  avatar: { name: string; nickname: string | null };
  user: Pick<User, 'name' | 'preferredName'>;
}) {
  return <Markdown text={fillNameMacros(text, useGreetingNames(avatar, user))} />;
}
