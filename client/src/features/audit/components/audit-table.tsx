import type { AuditRow } from '../../../../../shared/api.ts';
import { isRole, policyFor } from '../../../../../shared/policy.ts';

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
}

const COMPONENT_LABELS: Record<string, string> = { issuing_card: 'Issuing card', issuing_cards_list: 'Issuing cards list' };

/** A reveal someone asked for, or a key a Connect component fetched as it loaded the card (docs/decisions/060). */
function kindLabel(row: AuditRow): string {
  if (row.kind !== 'component_key') return 'Reveal';
  return `Component key${row.component ? ` (${COMPONENT_LABELS[row.component] ?? row.component})` : ''}`;
}

/** The reveal log: who asked to see which card's details, when, why, and whether it was granted. */
export function AuditTable({ rows, busy }: { rows: AuditRow[]; busy: boolean }) {
  return (
    <div className="table-scroll">
      <table className="table" aria-busy={busy}>
        <caption className="visually-hidden">Card detail reveals, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Kind</th>
            <th scope="col">Card</th>
            <th scope="col">Account</th>
            <th scope="col">Reason</th>
            <th scope="col">Outcome</th>
            <th scope="col">IP</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <td>
                <time dateTime={row.created_at}>{formatTime(row.created_at)}</time>
              </td>
              <td>
                {row.email ?? row.user_id ?? '—'}
                {row.role && <div className="muted small">{isRole(row.role) ? policyFor(row.role).label : row.role}</div>}
              </td>
              <td>{kindLabel(row)}</td>
              <td>{row.card_id ? <code>{row.card_id}</code> : '—'}</td>
              <td>{row.account_id ? <code>{row.account_id}</code> : '—'}</td>
              <td>{row.reason || <span className="muted">—</span>}</td>
              <td>
                <span className={`badge badge-${row.outcome}`}>{row.outcome === 'granted' ? 'Granted' : 'Denied'}</span>
                {row.deny_reason && <div className="muted small">{row.deny_reason}</div>}
              </td>
              <td>{row.ip ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
