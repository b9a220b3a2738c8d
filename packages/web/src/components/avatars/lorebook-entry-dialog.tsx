import { useEffect, useState } from 'react';
import {
  entryTitle,
  invalidRegexKeys,
  isRegexStart,
  LOGICS,
  type LorebookEntry,
  POSITIONS,
  type SelectiveLogic,
} from '../../lib/lorebooks';
import { Dialog, DialogActions } from '../dialog';
import { FormAlert } from '../form-alert';
import { TextField } from '../form-field';
import { SubmitButton } from '../submit-button';
import { SwitchRow } from '../switch';
import { ChipInput, SelectField, TextAreaField } from './fields';

type TriState = 'default' | 'yes' | 'no';
const toTri = (value: boolean | null): TriState => (value === null ? 'default' : value ? 'yes' : 'no');
const fromTri = (value: TriState): boolean | null => (value === 'default' ? null : value === 'yes');

/** What the number fields hold while typed; checked on save. */
interface NumberDrafts {
  insertionOrder: string;
  depth: string;
}

/**
 * Adds or edits one lorebook entry: title, keywords (regular expressions allowed), secondary
 * keywords and how they combine, content, always-on and enabled, matching options, and where
 * the text goes. Fields Lumina does not show (probability, groups, other apps' settings) are
 * kept as they were.
 */
export function LorebookEntryDialog({
  entry,
  isNew,
  open,
  onOpenChange,
  pending,
  error,
  onSave,
}: {
  entry: LorebookEntry;
  isNew: boolean;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  pending: boolean;
  error: string | null;
  onSave: (entry: LorebookEntry) => void;
}) {
  const [draft, setDraft] = useState(entry);
  const [numbers, setNumbers] = useState<NumberDrafts>(() => numberDrafts(entry));
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    if (!open) return;
    setDraft(entry);
    setNumbers(numberDrafts(entry));
    setChecked(false);
  }, [open, entry]);

  const set = <K extends keyof LorebookEntry>(field: K, value: LorebookEntry[K]) =>
    setDraft((current) => ({ ...current, [field]: value }));
  const badKeys = invalidRegexKeys([...draft.keys, ...draft.secondaryKeys], draft.useRegex);
  const order = wholeNumber(numbers.insertionOrder);
  const depth = wholeNumber(numbers.depth);
  const errors = {
    keys: badKeys.length
      ? `${badKeys.map((key) => `“${key}”`).join(', ')} ${badKeys.length === 1 ? 'isn’t a valid regular expression' : 'aren’t valid regular expressions'}. Fix or remove ${badKeys.length === 1 ? 'it' : 'them'}.`
      : undefined,
    insertionOrder: order === null ? 'Enter a whole number, e.g. 100.' : undefined,
    depth: draft.position === 'at_depth' && (depth === null || depth < 0) ? 'Enter 0 or more.' : undefined,
  };
  const valid = !errors.keys && !errors.insertionOrder && !errors.depth;

  function submit() {
    setChecked(true);
    if (!valid) return;
    onSave({
      ...draft,
      comment: draft.comment.trim(),
      insertionOrder: order ?? draft.insertionOrder,
      depth: draft.position === 'at_depth' ? (depth ?? draft.depth) : draft.depth,
      // Secondary keywords only count when the entry is selective; an unchanged entry keeps its flag.
      selective: draft.secondaryKeys.length > 0 ? true : draft.selective,
    });
  }

  const title = isNew ? 'New lorebook entry' : `Edit “${entryTitle(entry)}”`;
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title={title}
      description="It joins the prompt when one of its keywords comes up in the chat."
      size="lg"
      locked={pending}
      closeOnOutsideClick={false}
    >
      <form
        noValidate
        onSubmit={(event) => {
          // The dialog lives in the avatar form's React tree: its submit must not save the avatar.
          event.preventDefault();
          event.stopPropagation();
          submit();
        }}
        className="flex flex-col gap-5"
      >
        <TextField
          label="Title"
          maxLength={500}
          value={draft.comment}
          onChange={(event) => set('comment', event.target.value)}
          placeholder="e.g. The Shadowfangs"
          hint="For you, in this list. The model never sees it."
        />
        <ChipInput
          label="Keywords"
          values={draft.keys}
          onChange={(keys) => set('keys', keys)}
          placeholder="dragon, /wyrms?/i…"
          maxLength={1000}
          max={200}
          mono
          splitsOnComma={(text) => !isRegexStart(text)}
          error={checked ? errors.keys : undefined}
          hint={
            <>
              Any one of these in the chat brings the entry in. Press Enter or type a comma to add one. Write{' '}
              <code className="font-mono text-ink">/pattern/flags</code> for a regular expression.
            </>
          }
        />
        {draft.keys.length === 0 && !draft.constant ? (
          <p className="-mt-3 text-[13px] text-ink-muted">
            Without keywords, the entry only joins the prompt when it is <strong>always on</strong>.
          </p>
        ) : null}
        <div className="grid gap-5 sm:grid-cols-2">
          <ChipInput
            label="Secondary keywords (optional)"
            values={draft.secondaryKeys}
            onChange={(secondaryKeys) => set('secondaryKeys', secondaryKeys)}
            placeholder="night, full moon…"
            maxLength={1000}
            max={200}
            mono
            splitsOnComma={(text) => !isRegexStart(text)}
            hint="Narrow it down: checked once a keyword matched."
          />
          <SelectField
            label="Secondary keywords rule"
            value={draft.selectiveLogic}
            disabled={draft.secondaryKeys.length === 0}
            onChange={(event) => set('selectiveLogic', event.target.value as SelectiveLogic)}
            hint={draft.secondaryKeys.length === 0 ? 'Add secondary keywords to use a rule.' : undefined}
          >
            {LOGICS.map(({ value, label }) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </SelectField>
        </div>
        <TextAreaField
          label="Content"
          rows={6}
          maxLength={200_000}
          value={draft.content}
          onChange={(event) => set('content', event.target.value)}
          placeholder="What the model should know when this comes up…"
          hint="What the model reads while the entry is active. {{char}} and {{user}} work here."
        />
        <div className="flex flex-col gap-4 rounded-xl border border-line p-4">
          <SwitchRow
            label="Enabled"
            description="Turn off to keep the entry without using it."
            checked={draft.enabled}
            onCheckedChange={(enabled) => set('enabled', enabled)}
          />
          <SwitchRow
            label="Always on"
            description="In every conversation, whatever is said (within the token budget)."
            checked={draft.constant}
            onCheckedChange={(constant) => set('constant', constant)}
          />
          <SwitchRow
            label="Every keyword is a regular expression"
            description="Without this, only keywords written as /pattern/flags are."
            checked={draft.useRegex}
            onCheckedChange={(useRegex) => set('useRegex', useRegex)}
          />
        </div>
        <fieldset className="grid gap-5 sm:grid-cols-2">
          <legend className="mb-3 text-sm font-semibold text-ink">Matching</legend>
          <SelectField
            label="Letter case"
            value={toTri(draft.caseSensitive)}
            onChange={(event) => set('caseSensitive', fromTri(event.target.value as TriState))}
          >
            <option value="default">Default: ignore case</option>
            <option value="yes">Match case</option>
            <option value="no">Ignore case</option>
          </SelectField>
          <SelectField
            label="Whole words"
            value={toTri(draft.matchWholeWords)}
            onChange={(event) => set('matchWholeWords', fromTri(event.target.value as TriState))}
          >
            <option value="default">Default: parts of words</option>
            <option value="yes">Whole words only</option>
            <option value="no">Parts of words too</option>
          </SelectField>
        </fieldset>
        <fieldset className="grid gap-5 sm:grid-cols-2">
          <legend className="mb-3 text-sm font-semibold text-ink">Placement</legend>
          <SelectField
            label="Position"
            value={draft.position}
            onChange={(event) => set('position', event.target.value as LorebookEntry['position'])}
            className={draft.position === 'at_depth' ? undefined : 'sm:col-span-2'}
          >
            {POSITIONS.map(({ value, label }) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </SelectField>
          {draft.position === 'at_depth' ? (
            <TextField
              label="Messages back"
              required
              inputMode="numeric"
              value={numbers.depth}
              onChange={(event) => setNumbers((n) => ({ ...n, depth: event.target.value }))}
              error={checked ? errors.depth : undefined}
              hint="0 puts it after the last message."
            />
          ) : null}
          <TextField
            label="Insertion order"
            required
            inputMode="numeric"
            value={numbers.insertionOrder}
            onChange={(event) => setNumbers((n) => ({ ...n, insertionOrder: event.target.value }))}
            error={checked ? errors.insertionOrder : undefined}
            hint="Lower comes first. When the token budget runs short, higher orders are kept."
            className="sm:col-span-2"
          />
        </fieldset>
        {error ? <FormAlert>{error}</FormAlert> : null}
        {checked && !valid ? (
          <FormAlert>Some fields need attention — see the messages above.</FormAlert>
        ) : null}
        <DialogActions>
          <button
            type="button"
            className="btn-secondary"
            onClick={() => onOpenChange(false)}
            disabled={pending}
          >
            Cancel
          </button>
          <SubmitButton pending={pending} pendingLabel="Saving…">
            {isNew ? 'Add entry' : 'Save entry'}
          </SubmitButton>
        </DialogActions>
      </form>
    </Dialog>
  );
}

function numberDrafts(entry: LorebookEntry): NumberDrafts {
  return { insertionOrder: String(entry.insertionOrder), depth: String(entry.depth) };
}

/** "12" → 12, " -3 " → -3; anything else (blank, 1.5, 1e3) → null. */
function wholeNumber(text: string): number | null {
  const trimmed = text.trim();
  return /^-?\d{1,9}$/.test(trimmed) ? Number(trimmed) : null;
}
