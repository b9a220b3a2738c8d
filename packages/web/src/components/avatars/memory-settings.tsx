import { BookOpen, Brain } from 'lucide-react';
import { Link } from 'react-router';
import type { Avatar } from '../../lib/avatars';
import { SwitchRow } from '../switch';
import { ChoiceCards } from './choice-cards';

/**
 * Whether an avatar remembers the person between conversations, and whose memories it reads.
 * Shown only while FEATURES.memory is on (lib/features.ts). Saved with the avatar; what it
 * remembers and the documents it has read are on their own page (`avatarId` links there).
 */
export function MemorySettings({
  memory,
  readOnly,
  onChange,
  avatarId,
}: {
  memory: Avatar['memory'];
  readOnly: boolean;
  onChange: (memory: Avatar['memory']) => void;
  avatarId?: string;
}) {
  return (
    <div className="flex flex-col gap-5">
      <SwitchRow
        label="Remember things about me"
        description="Facts and preferences you mention are kept and recalled in later chats. You can review and delete them any time."
        checked={memory.enabled}
        disabled={readOnly}
        onCheckedChange={(enabled) => onChange({ ...memory, enabled })}
      />
      <ChoiceCards
        legend="Whose memories"
        value={memory.scope}
        disabled={readOnly || !memory.enabled}
        onChange={(scope) => onChange({ ...memory, scope })}
        options={[
          {
            value: 'private',
            label: 'Only this avatar',
            description: 'It keeps its own memories of you.',
          },
          {
            value: 'shared',
            label: 'Shared across my avatars',
            description: 'It reads and adds to what all your avatars with shared memory know.',
          },
        ]}
      />
      {avatarId ? (
        <div className="flex flex-wrap gap-2">
          <Link to={`/avatars/${avatarId}/memory`} className="btn-secondary">
            <Brain className="size-4" aria-hidden="true" />
            Review memories
          </Link>
          <Link to={`/avatars/${avatarId}/knowledge`} className="btn-secondary">
            <BookOpen className="size-4" aria-hidden="true" />
            Knowledge documents
          </Link>
        </div>
      ) : null}
    </div>
  );
}
