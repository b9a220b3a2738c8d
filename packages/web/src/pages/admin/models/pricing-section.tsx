import { LuminaApiError } from '@lumina/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import clsx from 'clsx';
import { Plus, Trash2 } from 'lucide-react';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { FormAlert } from '../../../components/form-alert';
import { FieldError, inputClass } from '../../../components/form-field';
import { SettingsSection } from '../../../components/settings-section';
import { Skeleton } from '../../../components/skeleton';
import { SubmitButton } from '../../../components/submit-button';
import { friendlyMessage } from '../../../lib/api-errors';
import { useLuminaClient } from '../../../lib/lumina-client';
import { type ModelPrice, useModels } from '../../../lib/models';
import {
  newRowKey,
  type PriceRow,
  type PriceRowErrors,
  pricesFromRows,
  rowsFromPrices,
  samePrices,
  validatePriceRows,
} from '../../../lib/pricing';
import { useFocusFirstInvalid } from '../../../lib/use-focus-first-invalid';

export const PRICING_QUERY_KEY = ['admin', 'pricing'] as const;

/** The price table (USD per million tokens) used to show what calls cost. */
export function PricingSection() {
  const lumina = useLuminaClient();
  const prices = useQuery({
    queryKey: PRICING_QUERY_KEY,
    queryFn: async ({ signal }): Promise<ModelPrice[]> => {
      const { data } = await lumina.GET('/api/admin/pricing', { signal });
      return data?.prices ?? [];
    },
    // The form holds its own copy; a refetch must not overwrite what is being typed.
    refetchOnWindowFocus: false,
  });
  return prices.data ? (
    <PricingForm saved={prices.data} />
  ) : (
    <SettingsSection title="Prices" description="What each model costs, for usage and cost reports.">
      {prices.isError ? (
        <FormAlert>{friendlyMessage(prices.error)}</FormAlert>
      ) : (
        <div className="flex flex-col gap-2" aria-busy="true">
          <Skeleton className="h-10 w-full" />
          <Skeleton className="h-10 w-full" />
        </div>
      )}
    </SettingsSection>
  );
}

function PricingForm({ saved }: { saved: ModelPrice[] }) {
  const lumina = useLuminaClient();
  const queryClient = useQueryClient();
  const models = useModels();
  const [rows, setRows] = useState<PriceRow[]>(() => rowsFromPrices(saved));
  const [errors, setErrors] = useState<Record<string, PriceRowErrors>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [done, setDone] = useState(false);
  const [focusRow, setFocusRow] = useState<string | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const listId = useId();
  useFocusFirstInvalid(form, attempt);

  useEffect(() => {
    if (!focusRow) return;
    form.current?.querySelector<HTMLInputElement>(`[data-row="${focusRow}"]`)?.focus();
    setFocusRow(null);
  }, [focusRow]);

  const save = useMutation({
    mutationFn: async (prices: ModelPrice[]) => {
      const { data } = await lumina.PUT('/api/admin/pricing', { body: { prices } });
      return data!.prices;
    },
    onSuccess: (answer) => {
      queryClient.setQueryData(PRICING_QUERY_KEY, answer);
      setRows(rowsFromPrices(answer));
      setDone(true);
    },
    onError: (error) => {
      // Issues name rows by index: /prices/2/pattern.
      const fromServer: Record<string, PriceRowErrors> = {};
      if (error instanceof LuminaApiError && error.code === 'invalid_request') {
        for (const issue of (error.details?.issues ?? []) as { path?: string; message?: string }[]) {
          const [, , index, field] = (issue.path ?? '').split('/');
          const row = rows[Number(index)];
          const name =
            field === 'inputUsdPerMillion' ? 'input' : field === 'outputUsdPerMillion' ? 'output' : 'pattern';
          if (row) fromServer[row.key] = { ...fromServer[row.key], [name]: issue.message ?? 'Not valid.' };
        }
      }
      setErrors(fromServer);
      setFormError(Object.keys(fromServer).length > 0 ? null : friendlyMessage(error));
      setAttempt((n) => n + 1);
    },
  });

  function change(key: string, field: 'pattern' | 'input' | 'output', value: string) {
    setDone(false);
    setRows((current) => current.map((row) => (row.key === key ? { ...row, [field]: value } : row)));
    if (errors[key]?.[field]) {
      setErrors((current) => {
        const { [field]: _gone, ...rest } = current[key] ?? {};
        return { ...current, [key]: rest };
      });
    }
  }

  function addRow() {
    const key = newRowKey();
    setDone(false);
    setRows((current) => [...current, { key, pattern: '', input: '', output: '' }]);
    setFocusRow(key);
  }

  function removeRow(key: string) {
    setDone(false);
    setRows((current) => current.filter((row) => row.key !== key));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (save.isPending) return;
    setFormError(null);
    const problems = validatePriceRows(rows);
    setErrors(problems);
    if (Object.keys(problems).length > 0) {
      setAttempt((n) => n + 1);
      return;
    }
    save.mutate(pricesFromRows(rows));
  }

  const unchanged = samePrices(rows, saved);
  const suggestions = [
    ...new Set((models.data ?? []).filter((m) => !m.local).flatMap((m) => [m.id, `${m.provider}/*`])),
  ];

  return (
    <SettingsSection
      title="Prices"
      description={
        <>
          US dollars per million tokens, for cost in usage reports and in Try it. A pattern is a model id (
          <code className="font-mono text-[13px]">openai/gpt-4o</code>) or a prefix ending in{' '}
          <code className="font-mono text-[13px]">*</code> (
          <code className="font-mono text-[13px]">openai/gpt-4o*</code>); the longest match wins. Local models
          cost nothing; models without a price show “—”.
        </>
      }
      onSubmit={submit}
      formRef={form}
      footer={
        <>
          {done && unchanged ? (
            <p role="status" className="text-sm font-medium text-ok sm:mr-auto">
              Prices saved.
            </p>
          ) : null}
          <SubmitButton pending={save.isPending} pendingLabel="Saving…" disabled={unchanged}>
            Save prices
          </SubmitButton>
        </>
      }
    >
      <div className="flex flex-col gap-3">
        {rows.length > 0 ? (
          <div className="flex flex-col gap-3 sm:gap-2">
            <div
              aria-hidden="true"
              className="hidden gap-2 px-0.5 text-xs font-medium text-ink-muted sm:grid sm:grid-cols-[minmax(0,1fr)_8.5rem_8.5rem_2.25rem]"
            >
              <span>Model or prefix</span>
              <span>Input, $ / 1M</span>
              <span>Output, $ / 1M</span>
              <span />
            </div>
            <ul className="flex flex-col gap-3 sm:gap-2" aria-label="Prices">
              {rows.map((row, index) => (
                <PriceRowEditor
                  key={row.key}
                  row={row}
                  index={index}
                  errors={errors[row.key] ?? {}}
                  listId={listId}
                  onChange={(field, value) => change(row.key, field, value)}
                  onRemove={() => removeRow(row.key)}
                />
              ))}
            </ul>
          </div>
        ) : (
          <p className="rounded-lg border border-dashed border-line-strong px-4 py-5 text-center text-sm text-ink-muted">
            No prices yet, so cloud calls show their cost as “—”. Add a row for each model or provider you pay
            for.
          </p>
        )}
        <datalist id={listId}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        <div>
          <button type="button" className="btn-ghost -ml-2 text-accent-soft-ink" onClick={addRow}>
            <Plus className="size-4" aria-hidden="true" />
            Add a price
          </button>
        </div>
        {formError ? <FormAlert>{formError}</FormAlert> : null}
      </div>
    </SettingsSection>
  );
}

function PriceRowEditor({
  row,
  index,
  errors,
  listId,
  onChange,
  onRemove,
}: {
  row: PriceRow;
  index: number;
  errors: PriceRowErrors;
  listId: string;
  onChange: (field: 'pattern' | 'input' | 'output', value: string) => void;
  onRemove: () => void;
}) {
  const id = useId();
  const n = index + 1;
  const cell = (field: 'input' | 'output', label: string) => (
    <div className="flex min-w-0 flex-col gap-1">
      <label htmlFor={`${id}-${field}`} className="text-xs font-medium text-ink-muted sm:sr-only">
        <span aria-hidden="true" className="sm:hidden">
          {label}, $ / 1M
        </span>
        <span className="sr-only">
          {label}, row {n}
        </span>
      </label>
      <div className="relative">
        <span className="pointer-events-none absolute inset-y-0 left-3 flex items-center text-sm text-ink-subtle">
          $
        </span>
        <input
          id={`${id}-${field}`}
          type="text"
          inputMode="decimal"
          autoComplete="off"
          placeholder="0.00"
          value={row[field]}
          onChange={(event) => onChange(field, event.target.value)}
          aria-invalid={errors[field] ? true : undefined}
          aria-describedby={errors[field] ? `${id}-${field}-error` : undefined}
          className={clsx(inputClass, 'pl-6 tabular-nums')}
        />
      </div>
      {errors[field] ? <FieldError id={`${id}-${field}-error`}>{errors[field]}</FieldError> : null}
    </div>
  );
  return (
    <li className="grid grid-cols-2 gap-2 rounded-lg border border-line p-3 sm:grid-cols-[minmax(0,1fr)_8.5rem_8.5rem_2.25rem] sm:items-start sm:border-0 sm:p-0">
      <div className="col-span-2 flex min-w-0 flex-col gap-1 sm:col-span-1">
        <label htmlFor={`${id}-pattern`} className="text-xs font-medium text-ink-muted sm:sr-only">
          <span aria-hidden="true" className="sm:hidden">
            Model or prefix
          </span>
          <span className="sr-only">Model or prefix, row {n}</span>
        </label>
        <input
          id={`${id}-pattern`}
          data-row={row.key}
          type="text"
          list={listId}
          autoComplete="off"
          spellCheck={false}
          placeholder="openai/gpt-4o*"
          value={row.pattern}
          onChange={(event) => onChange('pattern', event.target.value)}
          aria-invalid={errors.pattern ? true : undefined}
          aria-describedby={errors.pattern ? `${id}-pattern-error` : undefined}
          className={clsx(inputClass, 'font-mono text-sm')}
        />
        {errors.pattern ? <FieldError id={`${id}-pattern-error`}>{errors.pattern}</FieldError> : null}
      </div>
      {cell('input', 'Input')}
      {cell('output', 'Output')}
      <div className="col-span-2 flex justify-end sm:col-span-1">
        <button
          type="button"
          className="icon-btn size-9 max-sm:w-auto max-sm:gap-1.5 max-sm:px-2.5 max-sm:text-sm"
          aria-label={`Remove price row ${n}${row.pattern.trim() ? ` (${row.pattern.trim()})` : ''}`}
          onClick={onRemove}
        >
          <Trash2 className="size-4" aria-hidden="true" />
          <span className="sm:hidden" aria-hidden="true">
            Remove
          </span>
        </button>
      </div>
    </li>
  );
}
