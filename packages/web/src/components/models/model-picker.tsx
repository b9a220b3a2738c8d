import clsx from 'clsx';
import { Check, ChevronsUpDown, Cloud, Eye, HardDrive, Search } from 'lucide-react';
import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { flattenGroups, groupModels } from '../../lib/model-groups';
import { formatContextWindow, type Model, modelDisplayName, type Provider } from '../../lib/models';

/** The value of the "use my default chain" option (Try it). */
export const DEFAULT_CHAIN = '';

interface ModelPickerProps {
  /** The chosen model id; null = nothing chosen (or the default-chain option when offered). */
  value: string | null;
  onChange: (modelId: string) => void;
  models: readonly Model[];
  providers: readonly Provider[];
  /** The accessible name of the button, e.g. "Default model". */
  label: string;
  /** Points the button at a visible label instead of `label`. */
  labelledBy?: string;
  describedBy?: string;
  placeholder?: string;
  /** Offers "Your default model" as the first option (value DEFAULT_CHAIN). */
  defaultOption?: { label: string; description: string };
  /** Models not to offer (already in the fallback list). */
  exclude?: readonly string[];
  disabled?: boolean;
  invalid?: boolean;
  className?: string;
}

/**
 * A searchable model select: a button that opens a list grouped by provider, with a search
 * box on top. Keyboard: arrows move, Enter picks, Escape closes; typing searches.
 */
export function ModelPicker({
  value,
  onChange,
  models,
  providers,
  label,
  labelledBy,
  describedBy,
  placeholder = 'Choose a model',
  defaultOption,
  exclude = [],
  disabled,
  invalid,
  className,
}: ModelPickerProps) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const baseId = useId();

  const offered = useMemo(() => models.filter((m) => !exclude.includes(m.id)), [models, exclude]);
  const groups = useMemo(() => groupModels(offered, providers, query), [offered, providers, query]);
  const showDefault = defaultOption && !query.trim();
  const options = useMemo(
    () => [...(showDefault ? [DEFAULT_CHAIN] : []), ...flattenGroups(groups).map((m) => m.id)],
    [groups, showDefault],
  );
  const selected = value ? models.find((m) => m.id === value) : undefined;
  const optionId = (id: string) => `${baseId}-option-${id === DEFAULT_CHAIN ? 'default' : id}`;

  useEffect(() => {
    if (!open) return;
    setActive((current) =>
      current !== null && options.includes(current)
        ? current
        : options.includes(value ?? DEFAULT_CHAIN)
          ? (value ?? DEFAULT_CHAIN)
          : (options[0] ?? null),
    );
  }, [open, options, value]);

  useEffect(() => {
    if (!open) return;
    search.current?.focus();
    const onPointerDown = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  useEffect(() => {
    if (!open || active === null) return;
    list.current
      ?.querySelector<HTMLElement>(`[id="${CSS.escape(optionId(active))}"]`)
      ?.scrollIntoView?.({ block: 'nearest' });
  });

  function close(focusTrigger = true) {
    setOpen(false);
    setQuery('');
    if (focusTrigger) trigger.current?.focus();
  }

  function pick(id: string) {
    onChange(id);
    close();
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    const index = active === null ? -1 : options.indexOf(active);
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (options.length === 0) return;
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive(options[(index + step + options.length) % options.length]!);
    } else if (event.key === 'Home' || event.key === 'End') {
      if (options.length === 0) return;
      event.preventDefault();
      setActive(options[event.key === 'Home' ? 0 : options.length - 1]!);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (active !== null) pick(active);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === 'Tab') {
      close(false);
    }
  }

  const listboxId = `${baseId}-listbox`;
  const providerName = (id: string) => providers.find((p) => p.id === id)?.name ?? id;

  return (
    <div ref={root} className={clsx('relative', className)}>
      <button
        ref={trigger}
        type="button"
        disabled={disabled}
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-label={labelledBy ? undefined : label}
        aria-labelledby={labelledBy ? `${labelledBy} ${baseId}-value` : undefined}
        aria-describedby={describedBy}
        aria-invalid={invalid || undefined}
        onClick={() => (open ? close() : setOpen(true))}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && !open) {
            event.preventDefault();
            setOpen(true);
          }
        }}
        className={clsx(
          'flex h-auto min-h-10 w-full min-w-0 items-center gap-2.5 rounded-lg border bg-surface px-3 py-1.5 text-left text-[15px] shadow-xs transition-colors hover:border-ink-subtle disabled:cursor-not-allowed disabled:bg-surface-sunken disabled:text-ink-muted',
          invalid ? 'border-bad' : 'border-line-strong',
          open && 'border-accent',
        )}
      >
        <span id={`${baseId}-value`} className="flex min-w-0 flex-1 items-center gap-2">
          {value === DEFAULT_CHAIN && defaultOption ? (
            <span className="truncate text-ink">{defaultOption.label}</span>
          ) : selected ? (
            <>
              <LocalIcon local={selected.local} />
              <span className="min-w-0 truncate">
                <span className="font-medium text-ink">{selected.name}</span>
                <span className="text-ink-muted"> · {providerName(selected.provider)}</span>
              </span>
            </>
          ) : value ? (
            <>
              <span className="min-w-0 truncate font-mono text-[13px] text-ink">
                {modelDisplayName(value, providers)}
              </span>
              <span className="shrink-0 rounded-full bg-warn-soft px-2 py-px text-xs font-medium text-warn">
                Not available
              </span>
            </>
          ) : (
            <span className="truncate text-ink-subtle">{placeholder}</span>
          )}
        </span>
        <ChevronsUpDown className="size-4 shrink-0 text-ink-subtle" aria-hidden="true" />
      </button>

      {open ? (
        <div className="absolute inset-x-0 top-full z-30 mt-1.5 animate-fade-in overflow-hidden rounded-xl border border-line bg-surface-raised shadow-pop dark:border-line-strong">
          <div className="flex items-center gap-2 border-b border-line px-3">
            <Search className="size-4 shrink-0 text-ink-subtle" aria-hidden="true" />
            <input
              ref={search}
              type="text"
              role="combobox"
              aria-label={`Search models for ${label.toLowerCase()}`}
              aria-expanded="true"
              aria-controls={listboxId}
              aria-autocomplete="list"
              aria-activedescendant={active !== null ? optionId(active) : undefined}
              autoComplete="off"
              spellCheck={false}
              placeholder="Search models…"
              value={query}
              onChange={(event) => setQuery(event.target.value)}
              onKeyDown={onKeyDown}
              className="h-11 min-w-0 flex-1 bg-transparent text-[15px] text-ink outline-none placeholder:text-ink-subtle"
            />
          </div>
          <div
            ref={list}
            id={listboxId}
            role="listbox"
            aria-label={label}
            className="max-h-72 overflow-y-auto overscroll-contain p-1"
          >
            {showDefault ? (
              <Option
                id={optionId(DEFAULT_CHAIN)}
                selected={value === DEFAULT_CHAIN}
                active={active === DEFAULT_CHAIN}
                onHover={() => setActive(DEFAULT_CHAIN)}
                onPick={() => pick(DEFAULT_CHAIN)}
              >
                <span className="min-w-0 flex-1">
                  <span className="block text-sm font-medium text-ink">{defaultOption.label}</span>
                  <span className="block text-xs text-ink-muted">{defaultOption.description}</span>
                </span>
              </Option>
            ) : null}
            {groups.map((group) => {
              const headingId = `${baseId}-group-${group.providerId}`;
              return (
                // biome-ignore lint/a11y/useSemanticElements: an option group inside a listbox is role=group
                <div key={group.providerId} role="group" aria-labelledby={headingId} className="pt-1">
                  <div
                    id={headingId}
                    className="flex items-center gap-1.5 px-2.5 pt-1.5 pb-1 text-xs font-medium text-ink-subtle"
                  >
                    <span className="truncate">{group.label}</span>
                    <span
                      className={clsx(
                        'rounded-full px-1.5 py-px text-[11px] font-medium',
                        group.local ? 'bg-ok-soft text-ok' : 'bg-surface-sunken text-ink-muted',
                      )}
                    >
                      {group.local ? 'Local' : 'Cloud'}
                    </span>
                  </div>
                  {group.models.map((model) => {
                    const context = formatContextWindow(model.contextWindow);
                    return (
                      <Option
                        key={model.id}
                        id={optionId(model.id)}
                        selected={value === model.id}
                        active={active === model.id}
                        onHover={() => setActive(model.id)}
                        onPick={() => pick(model.id)}
                      >
                        <span className="min-w-0 flex-1 truncate text-sm text-ink">{model.name}</span>
                        {model.capabilities.vision ? <VisionBadge /> : null}
                        {context ? (
                          <span className="shrink-0 text-xs text-ink-muted">{context} context</span>
                        ) : null}
                      </Option>
                    );
                  })}
                </div>
              );
            })}
            {options.length === 0 ? (
              <p className="px-3 py-6 text-center text-sm text-ink-muted">
                {query.trim()
                  ? `No models match “${query.trim()}”.`
                  : 'No models to choose from yet. Add a provider or download a model first.'}
              </p>
            ) : null}
          </div>
        </div>
      ) : null}
    </div>
  );
}

function Option({
  id,
  selected,
  active,
  onHover,
  onPick,
  children,
}: {
  id: string;
  selected: boolean;
  active: boolean;
  onHover: () => void;
  onPick: () => void;
  children: React.ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the search box owns the keyboard (aria-activedescendant)
    <div
      id={id}
      role="option"
      aria-selected={selected}
      tabIndex={-1}
      onPointerMove={onHover}
      onMouseDown={(event) => event.preventDefault()}
      onClick={onPick}
      className={clsx(
        'flex cursor-default items-center gap-2 rounded-lg py-2 pr-2.5 pl-2.5 select-none',
        active && 'bg-surface-sunken',
      )}
    >
      <Check
        className={clsx('size-4 shrink-0 text-accent-soft-ink', selected ? 'visible' : 'invisible')}
        aria-hidden="true"
      />
      {children}
    </div>
  );
}

/** Marks a model that can see images (pictures attached to a message reach it). */
export function VisionBadge() {
  return (
    <span
      className="inline-flex shrink-0 items-center gap-1 rounded-full bg-accent-soft px-1.5 py-px text-[11px] font-medium text-accent-soft-ink"
      title="Can see images"
    >
      <Eye className="size-3" aria-hidden="true" />
      Vision
    </span>
  );
}

/** A hard-drive icon for local models, a cloud for the rest. */
export function LocalIcon({ local, className }: { local: boolean; className?: string }) {
  const Icon = local ? HardDrive : Cloud;
  return <Icon className={clsx('size-4 shrink-0 text-ink-subtle', className)} aria-hidden="true" />;
}
