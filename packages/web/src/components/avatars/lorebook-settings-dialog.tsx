import { useEffect, useState } from 'react';
import type { Lorebook } from '../../lib/lorebooks';
import { Dialog, DialogActions } from '../dialog';
import { FormAlert } from '../form-alert';
import { TextField } from '../form-field';
import { SubmitButton } from '../submit-button';
import { SwitchRow } from '../switch';

export type LorebookSettings = Pick<Lorebook, 'tokenBudget' | 'scanDepth' | 'recursiveScanning'>;

/** The defaults Lumina applies when a book leaves a setting unset (SillyTavern's). */
export const SETTING_DEFAULTS = { scanDepth: 2, recursiveScanning: true } as const;

/** "600 tokens at most · last 2 messages · entries can trigger entries" */
export function settingsSummary(book: LorebookSettings): string {
  const depth = book.scanDepth ?? SETTING_DEFAULTS.scanDepth;
  return [
    book.tokenBudget === null ? 'No token limit' : `${book.tokenBudget.toLocaleString()} tokens at most`,
    depth === 0 ? 'Scans no messages' : `Scans the last ${depth === 1 ? 'message' : `${depth} messages`}`,
    (book.recursiveScanning ?? SETTING_DEFAULTS.recursiveScanning)
      ? 'Entries can trigger entries'
      : 'No recursion',
  ].join(' · ');
}

/**
 * The book-wide settings: token budget, how many messages are scanned, recursive scanning.
 * An empty field means the default; a setting left as it was keeps its stored value.
 */
export function LorebookSettingsDialog({
  book,
  open,
  onOpenChange,
  pending,
  error,
  onSave,
}: {
  book: LorebookSettings;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  pending: boolean;
  error: string | null;
  onSave: (settings: LorebookSettings) => void;
}) {
  const [budget, setBudget] = useState('');
  const [depth, setDepth] = useState('');
  const [recursive, setRecursive] = useState(true);
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    if (!open) return;
    setBudget(book.tokenBudget === null ? '' : String(book.tokenBudget));
    setDepth(book.scanDepth === null ? '' : String(book.scanDepth));
    setRecursive(book.recursiveScanning ?? SETTING_DEFAULTS.recursiveScanning);
    setChecked(false);
  }, [open, book]);

  const budgetValue = optionalWhole(budget);
  const depthValue = optionalWhole(depth);
  const errors = {
    budget:
      budgetValue === undefined || (budgetValue !== null && (budgetValue < 1 || budgetValue > 1_000_000))
        ? 'Enter a number of tokens from 1 to 1,000,000, or leave it empty for no limit.'
        : undefined,
    depth:
      depthValue === undefined || (depthValue !== null && depthValue > 1000)
        ? 'Enter a number from 0 to 1,000, or leave it empty for 2.'
        : undefined,
  };

  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title="Lorebook settings"
      description="How entries are found and how much room they may take in the prompt."
      size="md"
      locked={pending}
    >
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          event.stopPropagation(); // not the avatar form's submit
          setChecked(true);
          if (errors.budget || errors.depth) return;
          const effective = book.recursiveScanning ?? SETTING_DEFAULTS.recursiveScanning;
          onSave({
            tokenBudget: budgetValue ?? null,
            scanDepth: depthValue ?? null,
            recursiveScanning: recursive === effective ? book.recursiveScanning : recursive,
          });
        }}
        className="flex flex-col gap-5"
      >
        <TextField
          label="Token budget"
          inputMode="numeric"
          placeholder="No limit"
          value={budget}
          onChange={(event) => setBudget(event.target.value)}
          error={checked ? errors.budget : undefined}
          hint="How many tokens all active entries may use together. When they need more, the lowest insertion orders are left out first."
        />
        <TextField
          label="Scan depth"
          inputMode="numeric"
          placeholder="2"
          value={depth}
          onChange={(event) => setDepth(event.target.value)}
          error={checked ? errors.depth : undefined}
          hint="How many of the latest messages are searched for keywords. Empty means 2; 0 means only always-on entries and recursion."
        />
        <SwitchRow
          label="Entries can trigger other entries"
          description="Keywords found in an active entry’s content bring in further entries (recursive scanning)."
          checked={recursive}
          onCheckedChange={setRecursive}
        />
        {error ? <FormAlert>{error}</FormAlert> : null}
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
            Save settings
          </SubmitButton>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/** '' → null (use the default); '12' → 12; anything else → undefined (invalid). */
function optionalWhole(text: string): number | null | undefined {
  const trimmed = text.trim().replace(/[\s,]/g, '');
  if (trimmed === '') return null;
  return /^\d{1,9}$/.test(trimmed) ? Number(trimmed) : undefined;
}
