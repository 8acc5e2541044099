import { usePageTitle } from '../../components/page-title.ts';

export default function AuditPage() {
  usePageTitle('Audit log');
  return <h1>Audit log</h1>;
}
