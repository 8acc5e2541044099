import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { errorMessage } from '../../lib/api-client.ts';
import { paths } from '../../lib/paths.ts';

/** Shown when a page throws while rendering or its chunk fails to load (e.g. after a deploy). */
export function RouteError() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : errorMessage(error);
  return (
    <div className="status status-error page-error" role="alert">
      <h1>This page could not be shown</h1>
      <p>{message}</p>
      <p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload the page
        </button>{' '}
        or <Link to={paths.home.href()}>go to the start page</Link>.
      </p>
    </div>
  );
}
