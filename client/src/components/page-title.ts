import { useEffect } from 'react';

const APP_NAME = 'Issuing dashboard';

/** Names the browser tab (and what screen readers announce on navigation) after the page. */
export function usePageTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · ${APP_NAME}` : APP_NAME;
  }, [title]);
}
