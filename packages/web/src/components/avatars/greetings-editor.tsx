import { ArrowDown, ArrowUp, Eye, Plus, Trash2 } from 'lucide-react';
import { useRef } from 'react';
import { Markdown } from '../chat/markdown';
import { TextAreaField } from './fields';

/**
 * A greeting as the chat will show it: Markdown (sanitized by the chat's renderer: no HTML, no
 * pictures loaded, unsafe links as text), in a bubble, behind a "Preview" disclosure.
 */
export function GreetingPreview({ text, open = false }: { text: string; open?: boolean }) {
  if (!text.trim()) return null;
  return (
    <details className="group/preview mt-2" open={open}>
      <summary className="inline-flex cursor-pointer items-center gap-1.5 rounded text-xs font-medium text-ink-muted select-none hover:text-ink">
        <Eye className="size-3.5" aria-hidden="true" />
        Preview
      </summary>
      <div className="mt-2 min-w-0 rounded-2xl rounded-tl-sm bg-surface-sunken px-4 py-3 text-[15px] text-ink">
        <Markdown text={text} />
      </div>
    </details>
  );
}

/**
 * The alternate greetings: each its own field, moved up and down or removed with buttons
 * (focus follows the moved greeting), and added at the end.
 */
export function AlternateGreetings({
  values,
  onChange,
  readOnly,
}: {
  values: string[];
  onChange: (values: string[]) => void;
  readOnly: boolean;
}) {
  const list = useRef<HTMLOListElement>(null);
  // Stable keys while the list is edited: an id per position, moved along with its text.
  const keys = useRef<number[]>([]);
  const nextKey = useRef(0);
  while (keys.current.length < values.length) keys.current.push(nextKey.current++);
  keys.current.length = values.length;

  function focusAt(index: number, selector: string) {
    requestAnimationFrame(() =>
      list.current?.querySelectorAll<HTMLElement>(selector)[index]?.focus({ preventScroll: false }),
    );
  }

  function move(from: number, to: number) {
    const next = [...values];
    const [moved] = next.splice(from, 1);
    next.splice(to, 0, moved ?? '');
    const k = [...keys.current];
    const [movedKey] = k.splice(from, 1);
    k.splice(to, 0, movedKey ?? nextKey.current++);
    keys.current = k;
    onChange(next);
    focusAt(to, `[data-move="${to < from ? 'up' : 'down'}"]`);
  }

  if (readOnly && values.length === 0)
    return <p className="text-sm text-ink-muted">No alternate greetings.</p>;

  return (
    <div className="flex flex-col gap-3">
      {values.length > 0 ? (
        <ol ref={list} className="flex flex-col gap-3" aria-label="Alternate greetings">
          {values.map((value, index) => (
            <li key={keys.current[index]} className="rounded-xl border border-line p-3">
              <TextAreaField
                label={`Alternate greeting ${index + 1}`}
                value={value}
                readOnly={readOnly}
                rows={3}
                maxLength={10_000}
                onChange={(event) => onChange(values.map((v, i) => (i === index ? event.target.value : v)))}
                labelAside={
                  readOnly ? null : (
                    <span className="-my-1 flex gap-0.5">
                      <button
                        type="button"
                        className="icon-btn size-7 disabled:opacity-40"
                        data-move="up"
                        aria-label={`Move alternate greeting ${index + 1} up`}
                        disabled={index === 0}
                        onClick={() => move(index, index - 1)}
                      >
                        <ArrowUp className="size-4" aria-hidden="true" />
                      </button>
                      <button
                        type="button"
                        className="icon-btn size-7 disabled:opacity-40"
                        data-move="down"
                        aria-label={`Move alternate greeting ${index + 1} down`}
                        disabled={index === values.length - 1}
                        onClick={() => move(index, index + 1)}
                      >
                        <ArrowDown className="size-4" aria-hidden="true" />
                      </button>
                      <button
                        type="button"
                        className="icon-btn size-7 hover:text-bad"
                        aria-label={`Remove alternate greeting ${index + 1}`}
                        onClick={() => {
                          keys.current = keys.current.filter((_, i) => i !== index);
                          onChange(values.filter((_, i) => i !== index));
                        }}
                      >
                        <Trash2 className="size-4" aria-hidden="true" />
                      </button>
                    </span>
                  )
                }
              />
              <GreetingPreview text={value} open={readOnly} />
            </li>
          ))}
        </ol>
      ) : null}
      {readOnly || values.length >= 50 ? null : (
        <button
          type="button"
          className="btn-secondary self-start"
          onClick={() => {
            onChange([...values, '']);
            requestAnimationFrame(() => {
              const fields = list.current?.querySelectorAll('textarea');
              fields?.[fields.length - 1]?.focus();
            });
          }}
        >
          <Plus className="size-4" aria-hidden="true" />
          Add alternate greeting
        </button>
      )}
    </div>
  );
}
