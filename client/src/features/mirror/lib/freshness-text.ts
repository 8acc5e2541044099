// The words of the freshness banner (decision 152), apart from React so that they can be tested.
import type { MirrorStatusResponse } from '@shared/mirror-api.ts';

export function showsBanner(status: Pick<MirrorStatusResponse, 'stale' | 'stripe_reachable'>): boolean {
  return status.stale || !status.stripe_reachable;
}

/** "less than a minute ago", "3 min ago", "2 h ago", "3 days ago". */
export function ago(then: Date, now: Date): string {
  const minutes = Math.floor(Math.max(0, now.getTime() - then.getTime()) / 60_000);
  if (minutes < 1) return 'less than a minute ago';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/** "10:42" today; "3 Mar, 10:42" on another day (the browser's locale, 24-hour clock). */
export function clockTime(at: Date, now: Date, locale?: string): string {
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  if (at.toDateString() === now.toDateString()) return time;
  return `${new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' }).format(at)}, ${time}`;
}

/**
 * The banner's text, or null when the data is fresh and Stripe answers:
 * - "Stripe cannot be reached — showing data as of 10:42 (updated 3 min ago)"
 * - "Data updated 12 min ago"
 */
export function freshnessText(status: MirrorStatusResponse, now: Date, locale?: string): string | null {
  if (!showsBanner(status)) return null;
  const synced = status.synced_at ? new Date(status.synced_at) : null;
  if (!status.stripe_reachable) {
    return synced
      ? `Stripe cannot be reached — showing data as of ${clockTime(synced, now, locale)} (updated ${ago(synced, now)})`
      : 'Stripe cannot be reached — showing the data received so far';
  }
  return synced ? `Data updated ${ago(synced, now)}` : 'Data not yet brought in step with Stripe; it may be incomplete';
}
