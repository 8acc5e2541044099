import { RouterProvider } from 'react-router/dom';
import { onServerFailure, onUnauthorized } from '../lib/api-client.ts';
import { MIRROR_STATUS_PATH, refreshMirrorStatus } from '../features/mirror/api/get-mirror-status.ts';
import { createQueryClient } from '../lib/query-client.ts';
import { AppProvider } from './provider.tsx';
import { paths } from '../lib/paths.ts';
import { createRouter } from './router.tsx';

const queryClient = createQueryClient();
const router = createRouter();

// A 401 from any request means the session ended (expired, signed out elsewhere, server
// restarted with a new secret): go to the login page and come back here afterwards.
onUnauthorized(() => {
  const { pathname, search } = router.state.location;
  if (pathname === paths.login.path) return;
  void router.navigate(paths.login.href(pathname + search), { replace: true }).then(() => {
    queryClient.removeQueries();
  });
});

// A request that failed on the server's side may mean Stripe cannot be reached: the banner asks now.
onServerFailure((path) => {
  if (path !== MIRROR_STATUS_PATH) refreshMirrorStatus(queryClient);
});

export function App() {
  return (
    <AppProvider queryClient={queryClient}>
      <RouterProvider router={router} />
    </AppProvider>
  );
}
