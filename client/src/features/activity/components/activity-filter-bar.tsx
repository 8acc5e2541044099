import { useEffect, useRef, useState, type Ref } from 'react';
import { DECLINE_REASON_LABELS, declineReasonLabel } from '@shared/activity-filters.ts';
import { useDebouncedValue } from '../../../hooks/use-debounced-value.ts';
import type { ActivityFilters, FilterProblems } from '../lib/url-filters.ts';

/**
 * A text filter typed into a box: the box answers every key at once, the address (and so the
 * list) follows once typing pauses, and a change of the address from elsewhere (Back, a chart,
 * "Clear filters") shows in the box.
 */
function useTypedFilter(value: string, write: (text: string) => void): [string, (text: string) => void] {
  const [text, setText] = useState(value);
  const written = useRef(value);
  const writer = useRef(write);
  writer.current = write;
  useEffect(() => {
    if (value !== written.current) {
      written.current = value;
      setText(value);
    }
  }, [value]);
  const settled = useDebouncedValue(text, 300);
  useEffect(() => {
    if (settled !== written.current) {
      written.current = settled;
      writer.current(settled);
    }
  }, [settled]);
  return [text, setText];
}

/**
 * The authorizations' filters: outcome, decline reason, merchant, amount range, status and days.
 * Every control is a labelled form control, reachable with the keyboard in reading order.
 */
export function ActivityFilterBar({
  idPrefix,
  filters,
  onChange,
  onClear,
  reasons,
  currency,
  problems,
  firstControlRef,
}: {
  idPrefix: string;
  filters: ActivityFilters;
  /** `typing`: replace the address's history entry instead of adding one per pause. */
  onChange: (patch: Partial<ActivityFilters>, typing?: boolean) => void;
  onClear: () => void;
  /** Reasons seen lately that the app has no words for yet, listed after the known ones. */
  reasons: readonly string[];
  currency: string;
  problems: FilterProblems;
  firstControlRef: Ref<HTMLInputElement>;
}) {
  const id = (name: string) => `${idPrefix}-${name}`;
  const [merchant, setMerchant] = useTypedFilter(filters.merchant, (merchant) => onChange({ merchant }, true));
  const [min, setMin] = useTypedFilter(filters.min, (min) => onChange({ min }, true));
  const [max, setMax] = useTypedFilter(filters.max, (max) => onChange({ max }, true));
  const reasonOptions = [
    ...Object.keys(DECLINE_REASON_LABELS),
    ...reasons.filter((r) => !(r in DECLINE_REASON_LABELS)),
  ];
  const code = currency.toUpperCase();
  const invalid = (problem: string | undefined, name: string) =>
    problem ? { 'aria-invalid': true as const, 'aria-describedby': id(`${name}-error`) } : {};

  return (
    <div className="filters activity-filters" role="group" aria-label="Filter authorizations">
      <fieldset className="field outcome-choice">
        <legend>Outcome</legend>
        <div className="outcome-options">
          {(
            [
              ['', 'All'],
              ['approved', 'Approved'],
              ['declined', 'Declined'],
            ] as const
          ).map(([value, label], i) => (
            <label key={value || 'all'} className="outcome-option">
              <input
                ref={i === 0 ? firstControlRef : undefined}
                type="radio"
                name={id('outcome')}
                value={value}
                checked={filters.outcome === value}
                // A decline reason keeps declines only: choosing "Approved" lets it go.
                onChange={() => onChange({ outcome: value, ...(value === 'approved' ? { reason: '' } : {}) })}
              />
              {label}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="field">
        <label htmlFor={id('reason')}>Decline reason</label>
        <select
          id={id('reason')}
          value={filters.reason}
          onChange={(e) =>
            onChange({
              reason: e.target.value,
              ...(e.target.value && filters.outcome === 'approved' ? { outcome: 'declined' } : {}),
            })
          }
        >
          <option value="">Any reason</option>
          {reasonOptions.map((reason) => (
            <option key={reason} value={reason}>
              {declineReasonLabel(reason)}
            </option>
          ))}
        </select>
      </div>
      <div className="field activity-merchant">
        <label htmlFor={id('merchant')}>Merchant</label>
        <input
          id={id('merchant')}
          type="search"
          value={merchant}
          maxLength={100}
          placeholder="Part of the name"
          autoComplete="off"
          onChange={(e) => setMerchant(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={id('min')}>Min amount ({code})</label>
        <input
          id={id('min')}
          inputMode="decimal"
          value={min}
          maxLength={20}
          autoComplete="off"
          onChange={(e) => setMin(e.target.value)}
          {...invalid(problems.min, 'min')}
        />
        {problems.min && (
          <span id={id('min-error')} className="form-error">
            {problems.min}
          </span>
        )}
      </div>
      <div className="field">
        <label htmlFor={id('max')}>Max amount ({code})</label>
        <input
          id={id('max')}
          inputMode="decimal"
          value={max}
          maxLength={20}
          autoComplete="off"
          onChange={(e) => setMax(e.target.value)}
          {...invalid(problems.max, 'max')}
        />
        {problems.max && (
          <span id={id('max-error')} className="form-error">
            {problems.max}
          </span>
        )}
      </div>
      <div className="field">
        <label htmlFor={id('status')}>Status</label>
        <select
          id={id('status')}
          value={filters.status}
          onChange={(e) => onChange({ status: e.target.value as ActivityFilters['status'] })}
        >
          <option value="">Any</option>
          <option value="pending">Pending</option>
          <option value="closed">Closed</option>
          <option value="reversed">Reversed</option>
          <option value="expired">Expired</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={id('from')}>From</label>
        <input id={id('from')} type="date" value={filters.from} onChange={(e) => onChange({ from: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor={id('to')}>To</label>
        <input
          id={id('to')}
          type="date"
          value={filters.to}
          onChange={(e) => onChange({ to: e.target.value })}
          {...invalid(problems.to, 'to')}
        />
        {problems.to && (
          <span id={id('to-error')} className="form-error">
            {problems.to}
          </span>
        )}
      </div>
      <div className="filters-actions">
        <button type="button" className="button-secondary" onClick={onClear}>
          Clear filters
        </button>
      </div>
    </div>
  );
}
