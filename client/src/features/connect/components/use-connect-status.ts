import type { LoadError, LoaderStart } from '@stripe/connect-js';
import { useCallback, useEffect, useState } from 'react';

/** How long to wait for an embedded component to start before saying it is slow. */
const SLOW_AFTER_MS = 15_000;

/**
 * Tracks an embedded component's own loading callbacks: until `onLoaderStart` fires the
 * component has not drawn anything, so the page shows its own loading state; `onLoadError`
 * replaces it with a readable message. The callbacks are stable, so the component's setters
 * are not called again on every render.
 */
export function useConnectStatus() {
  const [started, setStarted] = useState(false);
  const [loadError, setLoadError] = useState<LoadError>();
  const [slow, setSlow] = useState(false);

  useEffect(() => {
    if (started || loadError) return;
    const timer = setTimeout(() => setSlow(true), SLOW_AFTER_MS);
    return () => clearTimeout(timer);
  }, [started, loadError]);

  const onLoaderStart = useCallback((_event: LoaderStart) => setStarted(true), []);
  const onLoadError = useCallback((event: LoadError) => setLoadError(event), []);
  return { started, slow, loadError, onLoaderStart, onLoadError };
}
