import { useId, useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../../lib/api-client.ts';
import type { CardholderDetails } from '@shared/api.ts';
import { useUpdateCardholder } from '../api/cardholders.ts';
import { INTERVAL_OPTIONS } from './limits-text.ts';

interface Row {
  amount: string;
  interval: string;
}

/** Cardholder-level spending limits: they apply to all of the cardholder's cards together. */
export function CardholderLimitsForm({ holder, onDone }: { holder: CardholderDetails; onDone: () => void }) {
  const id = useId();
  const controls = holder.spending_controls as Record<string, unknown>;
  const current = ((controls.spending_limits as Array<{ amount: number; interval: string }> | undefined) ?? []).map(
    (l) => ({
      amount: (l.amount / 100).toFixed(2),
      interval: l.interval,
    }),
  );
  const [rows, setRows] = useState<Row[]>(current.length ? current : [{ amount: '', interval: 'monthly' }]);
  const update = useUpdateCardholder(holder.id, { onSuccess: onDone });
  const problem = rows.some((r) => r.amount.trim() && !/^\d{1,9}(\.\d{1,2})?$/.test(r.amount.trim()))
    ? 'Amounts are numbers such as 250 or 99.50.'
    : '';

  function submit(event: FormEvent) {
    event.preventDefault();
    if (problem) return;
    const spending_limits = rows
      .filter((r) => r.amount.trim())
      .map((r) => ({ amount: Math.round(Number(r.amount.trim()) * 100), interval: r.interval as 'monthly' }));
    update.mutate({ account: holder.account, spending_controls: { spending_limits } });
  }

  const fieldError = update.error instanceof ApiError ? update.error.field : undefined;
  return (
    <form onSubmit={submit} aria-label={`Spending limits of ${holder.name}`} className="cardholder-limits">
      {rows.map((row, i) => (
        <div key={i} className="limit-row">
          <div className="field">
            <label htmlFor={`${id}-amount-${i}`}>
              Amount (
              {(typeof controls.spending_limits_currency === 'string'
                ? controls.spending_limits_currency
                : 'usd'
              ).toUpperCase()}
              )
            </label>
            <input
              id={`${id}-amount-${i}`}
              inputMode="decimal"
              value={row.amount}
              aria-invalid={Boolean(problem) || fieldError?.startsWith('spending_controls') || undefined}
              onChange={(e) => setRows(rows.map((r, j) => (j === i ? { ...r, amount: e.target.value } : r)))}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-interval-${i}`}>Interval</label>
            <select
              id={`${id}-interval-${i}`}
              value={row.interval}
              onChange={(e) => setRows(rows.map((r, j) => (j === i ? { ...r, interval: e.target.value } : r)))}
            >
              {INTERVAL_OPTIONS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <button type="button" className="button-secondary" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <div className="form-actions">
        <button
          type="button"
          className="button-secondary"
          onClick={() => setRows([...rows, { amount: '', interval: 'monthly' }])}
        >
          Add a limit
        </button>
        <button type="submit" disabled={update.isPending}>
          {update.isPending ? 'Saving…' : 'Save limits'}
        </button>
        <button type="button" className="button-secondary" onClick={onDone}>
          Close
        </button>
      </div>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {update.isError && (
        <p className="form-error" role="alert">
          The limits could not be saved: {errorMessage(update.error)}
        </p>
      )}
    </form>
  );
}
