import { Link } from 'react-router';
import { usePageTitle } from '../../components/page-title.ts';
import { paths } from '../../lib/paths.ts';

export default function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to={paths.home.href()}>Go to the start page</Link>.
      </p>
    </>
  );
}
