// Hosted onboarding on the account page (docs/decisions/157-hosted-onboarding.md): "Finish
// onboarding" asks the server for Stripe's single-use onboarding link and goes there; Stripe sends
// the user back to this page with `?onboarding=return` (left or completed: the account is read
// again on Stripe, since coming back does not mean done) or `?onboarding=refresh` (the link had
// expired or was used: a new one is made and followed, as Stripe asks of refresh_url, once a
// minute at most so that a link that keeps failing cannot loop).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { errorMessage } from '../../../lib/api-client.ts';
import type { IssuingReadiness } from '@shared/api.ts';
import { createOnboardingLink, getOnboardingStatus } from '../api/onboarding.ts';
import './finish-onboarding.css';

const REFRESH_STORAGE = 'cid-onboarding-refreshed';
/** A refresh_url visit follows a new link by itself at most this often per account. */
const AUTO_REFRESH_MS = 60_000;

function refreshedRecently(account: string): boolean {
  try {
    const at = (JSON.parse(sessionStorage.getItem(REFRESH_STORAGE) ?? '{}') as Record<string, number>)[account];
    return typeof at === 'number' && Date.now() - at < AUTO_REFRESH_MS;
  } catch {
    return false;
  }
}

function noteRefresh(account: string): void {
  try {
    const all = JSON.parse(sessionStorage.getItem(REFRESH_STORAGE) ?? '{}') as Record<string, number>;
    sessionStorage.setItem(REFRESH_STORAGE, JSON.stringify({ ...all, [account]: Date.now() }));
  } catch {
    // Without storage the page still works: the user clicks the button instead.
  }
}

export interface HostedOnboarding {
  /** Asks for a link and goes to it. */
  start: () => void;
  pending: boolean;
  error: unknown;
  /** What happened on coming back, for the page to say. */
  outcome: { kind: 'checking' } | { kind: 'done'; readiness: IssuingReadiness } | { kind: 'expired' } | null;
  checkError: unknown;
}

/** The page's side of hosted onboarding: the link, and what `?onboarding=` says on coming back. */
export function useHostedOnboarding(account: string, allowed: boolean): HostedOnboarding {
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [outcome, setOutcome] = useState<HostedOnboarding['outcome']>(null);
  const handled = useRef<string | null>(null);

  const link = useMutation({
    mutationFn: () => createOnboardingLink(account),
    onSuccess: ({ url }) => {
      // Only a web address: the server has checked it is Stripe's onboarding (the emulator's offline).
      if (!/^https?:\/\//.test(url)) throw new Error('The server answered with an address the page will not open.');
      window.location.assign(url);
    },
  });
  const check = useMutation({
    mutationFn: () => getOnboardingStatus(account),
    onSuccess: async ({ card_issuing }) => {
      setOutcome({ kind: 'done', readiness: card_issuing });
      // The server mirrored what it read: the page's account list shows it.
      await queryClient.invalidateQueries({ queryKey: ['accounts'] });
    },
    onError: () => setOutcome(null),
  });

  const back = params.get('onboarding');
  const { mutate: follow } = link;
  const { mutate: checkNow } = check;
  useEffect(() => {
    if (!allowed || (back !== 'return' && back !== 'refresh')) return;
    const key = `${account}:${back}`;
    if (handled.current === key) return;
    handled.current = key;
    // Once handled, the address no longer says so: a reload does not repeat it.
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        next.delete('onboarding');
        return next;
      },
      { replace: true },
    );
    if (back === 'return') {
      setOutcome({ kind: 'checking' });
      checkNow();
    } else if (refreshedRecently(account)) {
      setOutcome({ kind: 'expired' });
    } else {
      noteRefresh(account);
      follow();
    }
  }, [account, allowed, back, checkNow, follow, setParams]);

  // Back from Stripe with the browser's back button, the page may be restored as it was left
  // (bfcache), button busy: ready again.
  const { reset } = link;
  useEffect(() => {
    const restored = (event: PageTransitionEvent) => {
      if (event.persisted) reset();
    };
    window.addEventListener('pageshow', restored);
    return () => window.removeEventListener('pageshow', restored);
  }, [reset]);

  return {
    start: () => follow(),
    // A link followed leaves the page: the button stays busy until then.
    pending: link.isPending || link.isSuccess,
    error: link.error,
    outcome,
    checkError: check.error,
  };
}

/** What the page says after coming back from Stripe's onboarding. */
export function OnboardingOutcome({ onboarding }: { onboarding: HostedOnboarding }) {
  const { outcome, checkError } = onboarding;
  return (
    <div aria-live="polite">
      {outcome?.kind === 'checking' && (
        <p className="status status-loading" role="status">
          <span className="spinner" aria-hidden="true" />
          Checking with Stripe what the onboarding changed…
        </p>
      )}
      {outcome?.kind === 'done' && outcome.readiness.status === 'active' && (
        <p className="status onboarding-done" role="status">
          Onboarding finished: Stripe has activated card issuing for this account.
        </p>
      )}
      {outcome?.kind === 'done' && outcome.readiness.status !== 'active' && (
        <p className="status status-empty" role="status">
          Back from Stripe’s onboarding, but card issuing is not active yet
          {outcome.readiness.status === 'pending' ? ': Stripe is checking the information.' : ' (see below).'}
        </p>
      )}
      {outcome?.kind === 'expired' && (
        <p className="status status-empty" role="status">
          The onboarding link had expired or was already used. Finish onboarding opens a new one.
        </p>
      )}
      {checkError !== null && (
        <p className="form-error" role="alert">
          Could not check the account with Stripe: {errorMessage(checkError)}
        </p>
      )}
    </div>
  );
}

/** The button, inside the notice that says why the account cannot issue cards. */
export function FinishOnboardingButton({ onboarding }: { onboarding: HostedOnboarding }) {
  const errorId = useId();
  const failed = onboarding.error !== null && !onboarding.pending;
  return (
    <div className="finish-onboarding">
      <button
        type="button"
        onClick={() => onboarding.start()}
        disabled={onboarding.pending}
        aria-busy={onboarding.pending || undefined}
        aria-describedby={failed ? errorId : undefined}
      >
        {onboarding.pending ? 'Opening Stripe’s onboarding…' : 'Finish onboarding'}
      </button>
      <p className="muted small">Stripe’s onboarding page asks for what is missing, then brings you back here.</p>
      {failed && (
        <p className="form-error" role="alert" id={errorId}>
          Could not open Stripe’s onboarding: {errorMessage(onboarding.error)}
        </p>
      )}
    </div>
  );
}
