import type { LiveState } from '../lib/live-feed.ts';
import './live-feed-notice.css';

/**
 * Says when the live feed has dropped (issue 20, item 4): the page keeps what it has, and says it
 * may be out of date until the feed is back (then the notice goes and the data is fetched again).
 * A polite live region that is always there, so that its text is announced when it appears.
 */
export function LiveFeedNotice({ state, what = 'this page' }: { state: LiveState; what?: string }) {
  return (
    <div role="status" aria-live="polite" className={state === 'paused' ? 'live-feed-notice' : 'live-feed-quiet'}>
      {state === 'paused' && (
        <p>
          <span aria-hidden="true">⚠</span> <strong>Live updates paused — retrying.</strong> What {what} shows may be
          out of date until they resume.
        </p>
      )}
    </div>
  );
}
