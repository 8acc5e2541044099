import { useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { usePageTitle } from '../../components/page-title.ts';
import { Empty, ErrorMessage, Loading } from '../../components/status.tsx';
import { useAccounts } from '../../features/accounts/api/get-accounts.ts';
import { useMe } from '../../lib/me.ts';
import { auditCsvUrl, useAudit } from '../../features/audit/api/get-audit.ts';
import { AuditFiltersForm } from '../../features/audit/components/audit-filters.tsx';
import { AuditTable } from '../../features/audit/components/audit-table.tsx';
import { formValuesFrom, searchParamsFrom, toAuditFilters } from '../../features/audit/lib/audit-filters.ts';

export default function AuditPage() {
  usePageTitle('Audit log');
  const me = useMe().data;
  if (!me) return null;
  // Decided before anything is asked (the server refuses too, 403): no refused request, one message.
  if (!me.permissions.readAudit) {
    return (
      <>
        <h1>Audit log</h1>
        <div className="status status-error" role="alert">
          <p>
            <strong>Not allowed.</strong> Your role does not read the audit log.
          </p>
        </div>
      </>
    );
  }
  return <AuditLog />;
}

function AuditLog() {
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  // Recomputed only when the URL changes, so the form's `values` identity is stable.
  const values = useMemo(() => formValuesFrom(new URLSearchParams(search)), [search]);
  const filters = useMemo(() => toAuditFilters(values), [values]);
  const audit = useAudit(filters);
  const filtered = Object.keys(filters).length > 0;
  const accounts = useAccounts();

  return (
    <>
      <h1>Audit log</h1>
      <p className="muted">
        Every change made in the dashboard or its embedded components (cards issued, frozen, canceled, limits changed,
        PINs set, cardholders, sign-ins, users) and every request for a card’s number, CVC, expiry or PIN, granted or
        denied. Rows are hash-chained: <code>npm run audit:verify</code> proves none was altered.
      </p>
      <AuditFiltersForm
        values={values}
        accounts={accounts.data?.data ?? []}
        onApply={(next) => setParams(searchParamsFrom(next))}
      />
      <p>
        <a href={auditCsvUrl(filters)} download>
          Export these rows as CSV
        </a>
      </p>
      {audit.isPending ? (
        <Loading label="Loading the audit log…" />
      ) : audit.isError ? (
        <ErrorMessage error={audit.error} title="Could not load the audit log" onRetry={() => void audit.refetch()} />
      ) : audit.data.data.length === 0 ? (
        <Empty>{filtered ? 'Nothing matches these filters.' : 'Nothing has been recorded yet.'}</Empty>
      ) : (
        <AuditTable rows={audit.data.data} busy={audit.isPlaceholderData} />
      )}
    </>
  );
}
