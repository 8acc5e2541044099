import type { ComponentType } from 'react';
import { createBrowserRouter, type RouteObject } from 'react-router';
import { paths } from '../lib/paths.ts';
import { PageLoading } from './routes/page-loading.tsx';
import { RouteError } from './routes/route-error.tsx';

// Each page is its own chunk, loaded when first visited, so the sign-in page does not carry
// the Connect.js wrappers or the tables. A route module's default export is its page.
type PageModule = { default: ComponentType };
const page =
  (load: () => Promise<PageModule>): RouteObject['lazy'] =>
  async () => ({
    Component: (await load()).default,
  });

export const routes: RouteObject[] = [
  {
    path: paths.login.path,
    lazy: page(() => import('./routes/login.tsx')),
    ErrorBoundary: RouteError,
    HydrateFallback: PageLoading,
  },
  {
    path: paths.invite.path,
    lazy: page(() => import('./routes/invite.tsx')),
    ErrorBoundary: RouteError,
    HydrateFallback: PageLoading,
  },
  {
    path: paths.home.path,
    lazy: page(() => import('./routes/app-layout.tsx')),
    ErrorBoundary: RouteError,
    // Shown while the first page's chunk loads.
    HydrateFallback: PageLoading,
    children: [
      {
        ErrorBoundary: RouteError,
        children: [
          { index: true, lazy: page(() => import('./routes/home.tsx')) },
          { path: paths.overview.path, lazy: page(() => import('./routes/overview.tsx')) },
          { path: paths.accounts.path, lazy: page(() => import('./routes/accounts.tsx')) },
          { path: paths.account.path, lazy: page(() => import('./routes/account.tsx')) },
          { path: paths.cardholders.path, lazy: page(() => import('./routes/cardholders.tsx')) },
          { path: paths.card.path, lazy: page(() => import('./routes/card.tsx')) },
          { path: paths.cardLookup.path, lazy: page(() => import('./routes/card-lookup.tsx')) },
          { path: paths.cardReveal.path, lazy: page(() => import('./routes/card-reveal.tsx')) },
          { path: paths.setPin.path, lazy: page(() => import('./routes/set-pin.tsx')) },
          { path: paths.audit.path, lazy: page(() => import('./routes/audit.tsx')) },
          { path: paths.purchase.path, lazy: page(() => import('./routes/purchase.tsx')) },
          { path: paths.security.path, lazy: page(() => import('./routes/security.tsx')) },
          { path: paths.users.path, lazy: page(() => import('./routes/users.tsx')) },
          { path: '*', lazy: page(() => import('./routes/not-found.tsx')) },
        ],
      },
    ],
  },
];

export function createRouter() {
  return createBrowserRouter(routes);
}
