import clsx from 'clsx';
import { KIND_LABELS, MEMORY_KINDS, type MemoryKind } from '../../lib/memory';
import { selectClass } from '../avatars/fields';

/** The labelled "Kind" picker of a memory (adding one, editing one). */
export function MemoryKindSelect({
  value,
  onChange,
}: {
  value: MemoryKind;
  onChange: (kind: MemoryKind) => void;
}) {
  return (
    <label className="flex flex-col gap-1 text-xs font-medium text-ink-muted">
      Kind
      <select
        className={clsx(selectClass, 'h-9 w-36 text-sm')}
        value={value}
        onChange={(event) => onChange(event.target.value as MemoryKind)}
      >
        {MEMORY_KINDS.map((k) => (
          <option key={k} value={k}>
            {KIND_LABELS[k].one}
          </option>
        ))}
      </select>
    </label>
  );
}
