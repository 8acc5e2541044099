import type { AuditRow } from '@shared/api.ts';
import { isRole, policyFor } from '@shared/policy.ts';
import { kindLabel, summary } from '../lib/audit-kinds.ts';
import './audit-table.css';

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
}

/**
 * The audit trail: who did what to which card or account, when, and what changed. No scroll
 * box around it: its cells wrap (ids and emails anywhere, audit-table.css), so it fits any
 * width, and on a phone each row is a card (styles.css, stack-on-phone). A box that scrolled
 * would be one a keyboard cannot scroll (axe's scrollable-region-focusable).
 */
export function AuditTable({ rows, busy }: { rows: AuditRow[]; busy: boolean }) {
  return (
    <table className="table stack-on-phone audit-table" aria-busy={busy}>
      <caption className="visually-hidden">Audit trail, newest first</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">What</th>
          <th scope="col">Details</th>
          <th scope="col">Card</th>
          <th scope="col">Account</th>
          <th scope="col">Outcome</th>
          <th scope="col">IP</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id}>
            <td data-label="When">
              <time dateTime={row.created_at}>{formatTime(row.created_at)}</time>
            </td>
            <td data-label="Who">
              {row.email ?? row.user_id ?? (
                <span className="muted">{row.kind.startsWith('user.') ? 'Console' : 'Not a dashboard user'}</span>
              )}
              {row.role && <div className="muted small">{isRole(row.role) ? policyFor(row.role).label : row.role}</div>}
            </td>
            <td data-label="What">{kindLabel(row.kind, row.details)}</td>
            <td data-label="Details" className="audit-details">
              {summary(row) || <span className="muted">—</span>}
            </td>
            <td data-label="Card">{row.card_id ? <code>{row.card_id}</code> : '—'}</td>
            <td data-label="Account">{row.account_name ?? (row.account_id ? <code>{row.account_id}</code> : '—')}</td>
            <td data-label="Outcome">
              {row.outcome ? (
                <>
                  <span className={`badge badge-${row.outcome}`}>
                    {row.outcome === 'granted' ? 'Granted' : 'Denied'}
                  </span>
                  {row.deny_reason && <div className="muted small">{row.deny_reason}</div>}
                </>
              ) : (
                <span className="muted">—</span>
              )}
            </td>
            <td data-label="IP">{row.ip ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
