import { useId, useState, type FormEvent } from 'react';
import { AUDIT_KINDS } from '../lib/audit-kinds.ts';

/** The filters as typed in the form: dates are calendar days in the user's time zone. */
export interface AuditFormValues {
  kind: string;
  account: string;
  card: string;
  user: string;
  fromDate: string;
  toDate: string;
}

export const EMPTY_AUDIT_FORM: AuditFormValues = {
  kind: '',
  account: '',
  card: '',
  user: '',
  fromDate: '',
  toDate: '',
};

export function AuditFiltersForm({
  values,
  accounts,
  onApply,
}: {
  values: AuditFormValues;
  /** The accounts the account filter offers, by name. */
  accounts: ReadonlyArray<{ id: string; name: string }>;
  onApply: (values: AuditFormValues) => void;
}) {
  const ids = { kind: useId(), account: useId(), card: useId(), user: useId(), from: useId(), to: useId() };
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
    onApply({ ...draft, card: draft.card.trim(), user: draft.user.trim() });
  }

  return (
    <form className="filters" onSubmit={submit} aria-label="Filter the audit log">
      <div className="field">
        <label htmlFor={ids.kind}>What</label>
        <select id={ids.kind} value={draft.kind} onChange={set('kind')}>
          <option value="">Everything</option>
          {AUDIT_KINDS.map((k) => (
            <option key={k.value} value={k.value}>
              {k.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.account}>Account</label>
        <select id={ids.account} value={draft.account} onChange={set('account')}>
          <option value="">All accounts</option>
          {accounts.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
          {draft.account && !accounts.some((a) => a.id === draft.account) && (
            <option value={draft.account}>{draft.account}</option>
          )}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.card}>Card</label>
        <input id={ids.card} value={draft.card} onChange={set('card')} placeholder="ic_…" autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor={ids.user}>User</label>
        <input
          id={ids.user}
          value={draft.user}
          onChange={set('user')}
          placeholder="Email or user id"
          autoComplete="off"
        />
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
        <button type="button" className="button-secondary" onClick={() => onApply(EMPTY_AUDIT_FORM)}>
          Clear
        </button>
      </div>
    </form>
  );
}
