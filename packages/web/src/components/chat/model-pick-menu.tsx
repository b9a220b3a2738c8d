import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import clsx from 'clsx';
import { ChevronDown, type LucideIcon } from 'lucide-react';
import type { Model } from '../../lib/models';
import { menuContentClass, menuItemClass } from '../avatars/menu';

/**
 * A small button that opens a list of models to pick one (the compare board's "Merge with…" and
 * "Find consensus…"): each row the model's name and whether it runs locally.
 * @example <ModelPickMenu icon={Combine} label="Merge with…" question="Which model…?" models={models} onPick={merge} />
 */
export function ModelPickMenu({
  icon: Icon,
  label,
  title,
  question,
  models,
  disabled,
  onPick,
}: {
  icon: LucideIcon;
  label: string;
  /** The button's tooltip: what it does, or why it cannot now. */
  title: string;
  /** The menu's heading. */
  question: string;
  models: readonly Model[];
  disabled: boolean;
  onPick: (model: string) => void;
}) {
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger asChild>
        <button
          type="button"
          className="btn-secondary h-8 px-2.5 text-xs"
          disabled={disabled || models.length === 0}
          title={title}
        >
          <Icon className="size-3.5" aria-hidden="true" />
          {label}
          <ChevronDown className="size-3" aria-hidden="true" />
        </button>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="end"
          sideOffset={4}
          className={clsx(menuContentClass, 'max-h-80 overflow-y-auto')}
        >
          <DropdownMenu.Label className="px-2.5 py-1.5 text-xs text-ink-muted">{question}</DropdownMenu.Label>
          {models.map((model) => (
            <DropdownMenu.Item key={model.id} className={menuItemClass} onSelect={() => onPick(model.id)}>
              <span className="min-w-0 truncate">{model.name}</span>
              <span className="ml-auto pl-3 font-mono text-[11px] text-ink-subtle">
                {model.local ? 'local' : 'cloud'}
              </span>
            </DropdownMenu.Item>
          ))}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
