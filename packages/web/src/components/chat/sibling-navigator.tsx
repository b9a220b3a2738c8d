import { ChevronLeft, ChevronRight } from 'lucide-react';
import type { ChatMessage } from '../../lib/conversations';
import { siblingLabel, siblingPosition } from '../../lib/sibling-navigation';
import { actionButtonClass } from './chat-styles';

/** `< 2/3 >`: flips between a message's alternatives (regenerated replies, edited questions, greetings). */
export function SiblingNavigator({
  message,
  disabled,
  onSwitch,
}: {
  message: Pick<ChatMessage, 'id' | 'siblingIds'>;
  disabled: boolean;
  onSwitch: (id: string) => void;
}) {
  const position = siblingPosition(message);
  if (!position) return null;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a fieldset would bring a border and legend for three buttons
    <div className="flex items-center" role="group" aria-label={siblingLabel(position)}>
      <button
        type="button"
        className={actionButtonClass}
        aria-label="Previous alternative"
        disabled={disabled || !position.previousId}
        onClick={() => position.previousId && onSwitch(position.previousId)}
      >
        <ChevronLeft className="size-4" aria-hidden="true" />
      </button>
      <span className="min-w-8 text-center text-xs text-ink-muted tabular-nums" aria-hidden="true">
        {position.index}/{position.total}
      </span>
      <button
        type="button"
        className={actionButtonClass}
        aria-label="Next alternative"
        disabled={disabled || !position.nextId}
        onClick={() => position.nextId && onSwitch(position.nextId)}
      >
        <ChevronRight className="size-4" aria-hidden="true" />
      </button>
    </div>
  );
}
