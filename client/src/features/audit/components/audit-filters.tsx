import { useId, useState, type FormEvent } from 'react';

/** The filters as typed in the form: dates are calendar days in the user's time zone. */
export interface AuditFormValues {
  card: string;
  user: string;
  fromDate: string;
  toDate: string;
}

export function AuditFiltersForm({
  values,
  onApply,
}: {
  values: AuditFormValues;
  onApply: (values: AuditFormValues) => void;
}) {
  const ids = { card: useId(), user: useId(), from: useId(), to: useId() };
  const [draft, setDraft] = useState(values);
  const [shown, setShown] = useState(values);
  if (shown !== values) {
    setShown(values);
    setDraft(values);
  }
  const set = (key: keyof AuditFormValues) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [key]: event.target.value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    onApply({ card: draft.card.trim(), user: draft.user.trim(), fromDate: draft.fromDate, toDate: draft.toDate });
  }

  return (
    <form className="filters" onSubmit={submit} aria-label="Filter the audit log">
      <div className="field">
        <label htmlFor={ids.card}>Card</label>
        <input id={ids.card} value={draft.card} onChange={set('card')} placeholder="ic_…" autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor={ids.user}>User</label>
        <input id={ids.user} value={draft.user} onChange={set('user')} placeholder="Email or user id" autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor={ids.from}>From</label>
        <input id={ids.from} type="date" value={draft.fromDate} onChange={set('fromDate')} />
      </div>
      <div className="field">
        <label htmlFor={ids.to}>To (inclusive)</label>
        <input id={ids.to} type="date" value={draft.toDate} onChange={set('toDate')} />
      </div>
      <div className="filters-actions">
        <button type="submit">Apply filters</button>
        <button
          type="button"
          className="button-secondary"
          onClick={() => onApply({ card: '', user: '', fromDate: '', toDate: '' })}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
