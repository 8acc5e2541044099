import { useEffect, useState } from 'react';
import { useMirrorStatus } from '../api/get-mirror-status.ts';
import { freshnessText } from '../lib/freshness-text.ts';
import './freshness-banner.css';

/** Re-renders every `ms` while `active`, so that "3 min ago" keeps counting. */
function useNow(active: boolean, ms = 15_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    if (!active) return;
    setNow(new Date());
    const timer = setInterval(() => setNow(new Date()), ms);
    return () => clearInterval(timer);
  }, [active, ms]);
  return now;
}

/**
 * Says how old the page's data is when it is older than the deployment's threshold, and that
 * Stripe cannot be reached while it cannot (decision 152): pages answer from the mirror then,
 * never silently stale. A polite live region that is always there (empty while the data is
 * fresh), so that screen readers announce the banner when it appears, and nothing to focus.
 */
export function FreshnessBanner() {
  const status = useMirrorStatus();
  const showing = status.data ? freshnessText(status.data, new Date()) !== null : false;
  const now = useNow(showing);
  const text = status.data ? freshnessText(status.data, now) : null;
  const unreachable = status.data ? !status.data.stripe_reachable : false;
  return (
    <div
      role="status"
      aria-live="polite"
      className={text ? `freshness-banner${unreachable ? ' freshness-unreachable' : ''}` : 'freshness-empty'}
    >
      {text && (
        <p>
          <span aria-hidden="true" className="freshness-icon">
            {unreachable ? '⚠' : '⏱'}
          </span>{' '}
          {text}
        </p>
      )}
    </div>
  );
}
