import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { Stripe } from '@stripe/stripe-js';
import type { CardSummary } from '@shared/api.ts';
import { ApiError, errorMessage } from '../../../lib/api-client.ts';
import { StepUpPrompt } from '../../../components/step-up/step-up-prompt.tsx';
import { useStepUpDue } from '../../../components/step-up/step-up-due.ts';
import { issuingStripeFor } from '../lib/issuing-stripe.ts';
import { expansionsFor, type RevealField } from '../lib/mount-issuing-elements.ts';
import { STRIPE_UNREACHABLE } from '@shared/mirror-api.ts';
import {
  StripeRevealError,
  obtainRevealCredentials,
  prepareRevealNonce,
  type RevealCredentials,
} from '../lib/reveal-credentials.ts';
import { RevealedDetails, type HideCause } from './revealed-details.tsx';
import './reveal.css';

export interface RevealPolicyView {
  allowed: boolean;
  cardTypes: readonly string[];
  reasonRequired: boolean;
  displayTimeoutSeconds: number;
}

type Phase =
  | { kind: 'form'; notice?: string }
  | { kind: 'requesting' }
  // A fresh second-factor check is due (known from /api/me before asking, or the server's 403
  // step_up_required): asked for here, in place; the reason stays as typed and the reveal
  // continues once the check passes.
  | { kind: 'step-up' }
  | { kind: 'shown'; stripe: Stripe; credentials: RevealCredentials; reason: string | undefined };

interface Failure {
  title: string;
  message: string;
}

/** A refusal or failure of the reveal chain, in words a support agent can act on. */
function describeFailure(error: unknown): Failure {
  // Stripe cannot be reached, from the browser (Stripe.js's nonce) or from the server (503
  // stripe_unreachable): the same words either way (decision 152).
  if (error instanceof StripeRevealError && error.unreachable)
    return { title: 'Reveal unavailable', message: STRIPE_UNREACHABLE.message };
  if (error instanceof ApiError) {
    // Stripe's side, not the agent's: the platform lacks Issuing Elements on connected accounts.
    if (error.code === 'issuing_elements_not_enabled')
      return { title: 'Not enabled by Stripe', message: error.message };
    if (error.status === 403) return { title: 'Reveal refused', message: error.message };
    // The hour's bound on different cards (decision 062), not the per-minute rate: waiting a moment does not help.
    if (error.code === 'too_many_cards') return { title: 'Too many cards this hour', message: error.message };
    if (error.status === 429) return { title: 'Too many reveals', message: error.message };
    if (error.status === 503) return { title: 'Reveal unavailable', message: error.message };
    if (error.status === 404) return { title: 'Card not found', message: error.message };
    if (error.status === 400) return { title: 'Reveal refused', message: error.message };
    return { title: 'The reveal failed', message: error.message };
  }
  return { title: 'The reveal failed', message: errorMessage(error) };
}

/**
 * The support agent's reveal view: a reason (when the policy requires one), then Stripe's
 * Issuing Elements for the card, hidden again after the policy's timeout.
 */
export function CardReveal({
  card,
  publishableKey,
  policy,
}: {
  card: CardSummary;
  publishableKey: string;
  policy: RevealPolicyView;
}) {
  const reasonId = useId();
  const reasonHintId = useId();
  const reasonErrorId = useId();
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const revealButtonRef = useRef<HTMLButtonElement>(null);
  // Where focus goes once the form is back and enabled (after a refusal, a failure or hiding the
  // details): the control that comes next, never <body>, where a removed panel or a disabled
  // button would leave it.
  const pendingFocus = useRef<'reason' | 'button' | null>(null);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'form' });
  const stepUpDue = useStepUpDue('reveal');

  // Number, CVC and expiry for every card; the PIN only matters for physical cards (chip and PIN).
  const fields = useMemo<RevealField[]>(
    () => (card.type === 'physical' ? ['number', 'cvc', 'expiry', 'pin'] : ['number', 'cvc', 'expiry']),
    [card.type],
  );
  const expand = useMemo(() => expansionsFor(fields), [fields]);

  // After every render: a pending focus move happens once its target is on the page and enabled.
  useEffect(() => {
    const target = pendingFocus.current === 'reason' ? reasonRef.current : revealButtonRef.current;
    if (!pendingFocus.current || !target || target.disabled) return;
    pendingFocus.current = null;
    target.focus();
  });

  const mayReveal = policy.allowed && policy.cardTypes.includes(card.type) && card.status !== 'canceled';
  // The nonce for the next reveal, made ahead of the click (see prepareRevealNonce).
  const nextNonce = useRef<(() => Promise<string>) | null>(null);
  // As soon as the view opens: Stripe.js (whose Issuing instance starts loading its frames) and a
  // nonce, so that pressing "Reveal" waits only for the audited key and the card itself.
  useEffect(() => {
    if (!mayReveal) return;
    let current = true;
    issuingStripeFor(publishableKey, card.account).then(
      (stripe) => {
        if (current) nextNonce.current = prepareRevealNonce(stripe, card.id);
      },
      () => {
        /* reported when the agent presses Reveal */
      },
    );
    return () => {
      current = false;
      nextNonce.current = null;
    };
  }, [mayReveal, publishableKey, card.account, card.id]);

  if (!policy.allowed || !policy.cardTypes.includes(card.type)) {
    return <p className="status status-empty">Your role may not reveal the details of {card.type} cards.</p>;
  }
  if (card.status === 'canceled') {
    return <p className="status status-empty">This card is canceled; its details can no longer be revealed.</p>;
  }

  /** `checked`: a second-factor check has just passed, so the request goes out without asking again. */
  async function reveal(event?: FormEvent, checked = false) {
    event?.preventDefault();
    setFailure(null);
    const given = reason.trim();
    if (policy.reasonRequired && !given) {
      setReasonError('Give the reason for revealing this card; it is recorded in the audit log.');
      pendingFocus.current = 'reason';
      return;
    }
    setReasonError(null);
    if (!checked && stepUpDue()) {
      setPhase({ kind: 'step-up' });
      return;
    }
    setPhase({ kind: 'requesting' });
    try {
      const stripe = await issuingStripeFor(publishableKey, card.account);
      const nonce = nextNonce.current ?? undefined;
      nextNonce.current = null;
      const credentials = await obtainRevealCredentials(stripe, card.id, given || undefined, {
        account: card.account,
        expand,
        ...(nonce ? { nonce } : {}),
      });
      setPhase({ kind: 'shown', stripe, credentials, reason: given || undefined });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'step_up_required') {
        setPhase({ kind: 'step-up' });
        return;
      }
      if (error instanceof ApiError && error.field === 'reason') {
        setReasonError(error.message);
        setPhase({ kind: 'form' });
        pendingFocus.current = 'reason';
        return;
      }
      setFailure(describeFailure(error));
      setPhase({ kind: 'form' });
      // The alert speaks for itself; focus waits on the button to try again.
      pendingFocus.current = 'button';
    }
  }

  /** `hadFocus`: focus was inside the details (or nowhere), so it moves to the Reveal button. */
  function hide(cause: HideCause, hadFocus: boolean) {
    const notice =
      cause.kind === 'timeout'
        ? `The card details were hidden after ${cause.seconds} seconds.`
        : cause.kind === 'user'
          ? 'The card details are hidden.'
          : undefined;
    if (cause.kind === 'error') setFailure({ title: 'Card details hidden', message: cause.message });
    // For another reveal from the same view.
    if (phase.kind === 'shown') nextNonce.current = prepareRevealNonce(phase.stripe, card.id);
    setPhase({ kind: 'form', ...(notice ? { notice } : {}) });
    if (hadFocus) pendingFocus.current = 'button';
  }

  if (phase.kind === 'shown') {
    return (
      <RevealedDetails
        stripe={phase.stripe}
        credentials={phase.credentials}
        fields={fields}
        account={card.account}
        expand={expand}
        reason={phase.reason}
        displayTimeoutSeconds={policy.displayTimeoutSeconds}
        onHide={hide}
      />
    );
  }

  if (phase.kind === 'step-up') {
    return (
      <StepUpPrompt
        intro="Revealing card details needs a second-factor check within the last few minutes."
        action={`reveal card details for ···· ${card.last4}`}
        onVerified={() => void reveal(undefined, true)}
        onCancel={() => {
          setPhase({ kind: 'form' });
          pendingFocus.current = 'button';
        }}
      />
    );
  }

  const busy = phase.kind === 'requesting';
  const describedBy = [reasonHintId, reasonError ? reasonErrorId : ''].filter(Boolean).join(' ');
  return (
    <>
      {phase.kind === 'form' && phase.notice && (
        <p className="status status-empty" role="status">
          {phase.notice}
        </p>
      )}
      {failure && (
        <div className="status status-error" role="alert">
          <p>
            <strong>{failure.title}.</strong> {failure.message}
          </p>
        </div>
      )}
      <form className="reveal-form" onSubmit={(event) => void reveal(event)} noValidate aria-busy={busy}>
        <label htmlFor={reasonId}>Reason for revealing{policy.reasonRequired ? '' : ' (optional)'}</label>
        <textarea
          id={reasonId}
          ref={reasonRef}
          value={reason}
          rows={3}
          maxLength={500}
          required={policy.reasonRequired}
          aria-invalid={reasonError ? true : undefined}
          aria-describedby={describedBy}
          onChange={(event) => setReason(event.target.value)}
          disabled={busy}
        />
        <p id={reasonHintId} className="muted small">
          For example the support ticket you are working on. Every reveal is recorded with its reason. The details hide
          again after {policy.displayTimeoutSeconds} seconds.
        </p>
        {reasonError && (
          <p id={reasonErrorId} className="form-error">
            {reasonError}
          </p>
        )}
        <button type="submit" ref={revealButtonRef} disabled={busy}>
          {busy ? 'Revealing…' : 'Reveal card details'}
        </button>
      </form>
    </>
  );
}
