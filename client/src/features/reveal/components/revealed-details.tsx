import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Stripe } from '@stripe/stripe-js';
import { errorMessage } from '../../../lib/api-client.ts';
import { copyButtonStyle, issuingElementStyle } from '../lib/element-style.ts';
import { mountIssuingElements, type FieldTargets, type RevealField } from '../lib/mount-issuing-elements.ts';
import { obtainRevealCredentials, refreshDelayMs, type RevealCredentials } from '../lib/reveal-credentials.ts';

const FIELD_LABELS: Record<RevealField, string> = {
  number: 'Card number',
  cvc: 'CVC',
  expiry: 'Expiry date',
  pin: 'PIN',
};

/** How long "Copied" stays next to a copy button. */
const COPIED_MS = 2_000;

export type HideCause = { kind: 'timeout'; seconds: number } | { kind: 'user' } | { kind: 'error'; message: string };

/**
 * Whether keyboard focus is inside `panel` (a frame in it counts: a focused cross-origin iframe
 * is the page's active element) or nowhere: when the panel goes, that focus has to be moved.
 */
function focusWithin(panel: HTMLElement | null): boolean {
  const active = document.activeElement;
  return !active || active === document.body || Boolean(panel?.contains(active));
}

function formatRemaining(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * The revealed card: Stripe's Issuing Elements (number, CVC, expiry, and PIN for physical
 * cards), each with Stripe's copy button, mounted from an ephemeral key. The values exist only in
 * Stripe's iframes. The key is renewed before it expires; the whole view goes away after the
 * policy's display timeout, or at once with "Hide now".
 */
export function RevealedDetails({
  stripe,
  credentials,
  fields,
  account,
  expand,
  reason,
  displayTimeoutSeconds,
  onHide,
}: {
  stripe: Stripe;
  credentials: RevealCredentials;
  fields: readonly RevealField[];
  /** The card's connected account (sent with each key request). */
  account: string;
  /** What each key's retrieveIssuingCard expands (the fields' PCI data). */
  expand: readonly string[];
  reason: string | undefined;
  displayTimeoutSeconds: number;
  /** `hadFocus`: focus was in the panel (or nowhere), so the caller moves it somewhere useful. */
  onHide: (cause: HideCause, hadFocus: boolean) => void;
}) {
  const panelRef = useRef<HTMLElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const valueRefs = useRef<Partial<Record<RevealField, HTMLDivElement | null>>>({});
  const copyRefs = useRef<Partial<Record<RevealField, HTMLDivElement | null>>>({});
  const [copied, setCopied] = useState<RevealField | null>(null);
  const [deadline] = useState(() => Date.now() + displayTimeoutSeconds * 1000);
  const [remaining, setRemaining] = useState(displayTimeoutSeconds * 1000);
  const [loadError, setLoadError] = useState<string | null>(null);
  // The latest callback without re-running the mounting effect when the parent re-renders.
  const onHideRef = useRef(onHide);
  onHideRef.current = onHide;

  // Shown: focus moves to the details' heading, so that a screen reader starts reading there
  // and a keyboard user continues from the panel (the Reveal button that had focus is gone).
  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  // Mount the elements once per key chain, before the first paint (Stripe.js may have their frames
  // loaded already); destroy them when this view goes away.
  useLayoutEffect(() => {
    const targets: Partial<Record<RevealField, FieldTargets>> = {};
    for (const field of fields) {
      const value = valueRefs.current[field];
      const copy = copyRefs.current[field];
      if (value && copy) targets[field] = { value, copy };
    }
    let copiedTimer: ReturnType<typeof setTimeout> | undefined;
    const mounted = mountIssuingElements({
      stripe,
      credentials,
      targets,
      style: issuingElementStyle,
      copyStyle: copyButtonStyle,
      onCopied: (field) => {
        setCopied(field);
        clearTimeout(copiedTimer);
        copiedTimer = setTimeout(() => setCopied(null), COPIED_MS);
      },
      onLoadError: (field, message) => setLoadError(`${FIELD_LABELS[field]}: ${message}`),
    });

    // Renew the key before it runs out: new nonce, new key (audited), then element.update().
    let cancelled = false;
    let refreshTimer: ReturnType<typeof setTimeout>;
    const scheduleRefresh = (expires: number) => {
      refreshTimer = setTimeout(() => {
        obtainRevealCredentials(stripe, credentials.issuingCard, reason, { account, expand }).then(
          (next) => {
            if (cancelled) return;
            mounted.update(next);
            scheduleRefresh(next.expires);
          },
          (error: unknown) => {
            if (!cancelled)
              onHideRef.current(
                {
                  kind: 'error',
                  message: `The card details were hidden because the key could not be renewed: ${errorMessage(error)}`,
                },
                focusWithin(panelRef.current),
              );
          },
        );
      }, refreshDelayMs(expires));
    };
    scheduleRefresh(credentials.expires);

    return () => {
      cancelled = true;
      clearTimeout(refreshTimer);
      clearTimeout(copiedTimer);
      mounted.destroy();
    };
  }, [stripe, credentials, fields, account, expand, reason]);

  // The countdown to hiding the details again.
  useEffect(() => {
    const tick = () => {
      const left = deadline - Date.now();
      setRemaining(left);
      if (left <= 0)
        onHideRef.current({ kind: 'timeout', seconds: displayTimeoutSeconds }, focusWithin(panelRef.current));
    };
    const timer = setInterval(tick, 250);
    return () => clearInterval(timer);
  }, [deadline, displayTimeoutSeconds]);

  return (
    <section className="reveal-panel" aria-labelledby="reveal-panel-title" ref={panelRef}>
      <h2 id="reveal-panel-title" tabIndex={-1} ref={headingRef}>
        Card details
      </h2>
      <p className="muted small">Shown by Stripe in secure frames; this page never receives them.</p>
      <dl className="reveal-fields">
        {fields.map((field) => (
          <div className="reveal-field" key={field} data-field={field}>
            <dt>{FIELD_LABELS[field]}</dt>
            <dd>
              <div
                className="reveal-value"
                ref={(node) => {
                  valueRefs.current[field] = node;
                }}
              />
              <div className="reveal-copy">
                {/* Stripe's copy button is a transparent frame over this label. */}
                <span className="reveal-copy-label" aria-hidden="true">
                  Copy
                </span>
                <div
                  className="reveal-copy-target"
                  ref={(node) => {
                    copyRefs.current[field] = node;
                  }}
                />
              </div>
              <span className="reveal-copied" role="status">
                {copied === field ? 'Copied' : ''}
              </span>
            </dd>
          </div>
        ))}
      </dl>
      {loadError && (
        <div className="status status-error" role="alert">
          <p>
            <strong>Stripe could not show a value.</strong> {loadError}
          </p>
        </div>
      )}
      <div className="reveal-footer">
        <p className="reveal-countdown">
          Hidden again in{' '}
          <span role="timer" aria-label="Time left before the details are hidden">
            {formatRemaining(remaining)}
          </span>
        </p>
        <button type="button" onClick={() => onHideRef.current({ kind: 'user' }, true)}>
          Hide now
        </button>
      </div>
    </section>
  );
}
