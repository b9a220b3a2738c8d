import type { Avatar } from '../../lib/avatars';
import { SwitchRow } from '../switch';
import { ChoiceCards } from './choice-cards';

/**
 * Whether an avatar remembers the person between conversations, and whose memories it reads.
 * Shown only while FEATURES.memory is on (lib/features.ts).
 */
export function MemorySettings({
  memory,
  readOnly,
  onChange,
}: {
  memory: Avatar['memory'];
  readOnly: boolean;
  onChange: (memory: Avatar['memory']) => void;
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
    </div>
  );
}
