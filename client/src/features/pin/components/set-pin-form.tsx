import { useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../../lib/api-client.ts';
import { StepUpPrompt } from '../../../components/step-up/step-up-prompt.tsx';
import { useStepUpDue } from '../../../components/step-up/step-up-due.ts';
import { fetchIssuingKey } from '../api/get-issuing-key.ts';
import { setCardPin } from '../api/set-pin.ts';
import { encryptPin } from '../lib/encrypt-pin.ts';
import { checkNewPin, type PinErrors } from '../lib/pin-rules.ts';
import './pin.css';

export interface PinCardOption {
  id: string;
  label: string;
}

type Outcome = { kind: 'done'; label: string } | { kind: 'failed'; message: string } | null;

/**
 * Sets a card's PIN. The browser fetches Stripe's Issuing key for this one operation, encrypts
 * the PIN into a JWE, and sends only the JWE to the app server. The PIN stays in this form's
 * state until it is sent, and is cleared once it is set.
 */
export function SetPinForm({
  cards,
  initialCard,
  issuingKeyUrl,
}: {
  cards: readonly PinCardOption[];
  initialCard?: string | undefined;
  issuingKeyUrl: string;
}) {
  const ids = {
    card: useId(),
    pin: useId(),
    confirm: useId(),
    pinError: useId(),
    confirmError: useId(),
    hint: useId(),
  };
  const pinRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLInputElement>(null);
  const [cardId, setCardId] = useState(() =>
    initialCard && cards.some((c) => c.id === initialCard) ? initialCard : (cards[0]?.id ?? ''),
  );
  const [pin, setPin] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<PinErrors>({});
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  // A fresh second-factor check is due (known from /api/me before sending, or the server's 403
  // step_up_required): asked in place; the PIN stays in the form and is sent once the check passes.
  const [stepUp, setStepUp] = useState(false);
  const stepUpDue = useStepUpDue('setPin');

  /** `checked`: a second-factor check has just passed, so the PIN goes out without asking again. */
  async function submit(event?: FormEvent, checked = false) {
    event?.preventDefault();
    setOutcome(null);
    const found = checkNewPin(pin, confirm);
    setErrors(found);
    if (found.pin) return pinRef.current?.focus();
    if (found.confirm) return confirmRef.current?.focus();
    const card = cards.find((c) => c.id === cardId);
    if (!card) return;
    if (!checked && stepUpDue()) return setStepUp(true);

    setBusy(true);
    try {
      const key = await fetchIssuingKey(issuingKeyUrl);
      const jwe = await encryptPin(pin, key);
      await setCardPin(card.id, { encrypted_number: jwe });
      setPin('');
      setConfirm('');
      setOutcome({ kind: 'done', label: card.label });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'step_up_required') setStepUp(true);
      else setOutcome({ kind: 'failed', message: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  }

  if (stepUp) {
    return (
      <StepUpPrompt
        action={`set the PIN of ${cards.find((c) => c.id === cardId)?.label ?? 'this card'}`}
        intro="Setting a PIN needs a second-factor check within the last few minutes."
        onVerified={() => {
          setStepUp(false);
          void submit(undefined, true);
        }}
        onCancel={() => setStepUp(false)}
      />
    );
  }

  return (
    <form className="pin-form" onSubmit={(event) => void submit(event)} noValidate aria-busy={busy}>
      <div className="field">
        <label htmlFor={ids.card}>Card</label>
        <select id={ids.card} value={cardId} onChange={(event) => setCardId(event.target.value)} disabled={busy}>
          {cards.map((card) => (
            <option key={card.id} value={card.id}>
              {card.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.pin}>New PIN</label>
        <input
          id={ids.pin}
          ref={pinRef}
          type="password"
          inputMode="numeric"
          autoComplete="off"
          maxLength={12}
          value={pin}
          disabled={busy}
          aria-invalid={errors.pin ? true : undefined}
          aria-describedby={[ids.hint, errors.pin ? ids.pinError : ''].filter(Boolean).join(' ')}
          onChange={(event) => setPin(event.target.value)}
        />
        <p id={ids.hint} className="muted small">
          4 to 12 digits. It is encrypted in your browser for Stripe; this dashboard never sees it.
        </p>
        {errors.pin && (
          <p id={ids.pinError} className="form-error">
            {errors.pin}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor={ids.confirm}>Confirm new PIN</label>
        <input
          id={ids.confirm}
          ref={confirmRef}
          type="password"
          inputMode="numeric"
          autoComplete="off"
          maxLength={12}
          value={confirm}
          disabled={busy}
          aria-invalid={errors.confirm ? true : undefined}
          aria-describedby={errors.confirm ? ids.confirmError : undefined}
          onChange={(event) => setConfirm(event.target.value)}
        />
        {errors.confirm && (
          <p id={ids.confirmError} className="form-error">
            {errors.confirm}
          </p>
        )}
      </div>
      <button type="submit" disabled={busy || !cardId}>
        {busy ? 'Setting the PIN…' : 'Set PIN'}
      </button>
      <div role="status" className="pin-outcome">
        {outcome?.kind === 'done' && <p className="pin-done">The PIN of {outcome.label} is set.</p>}
      </div>
      {outcome?.kind === 'failed' && (
        <div className="status status-error" role="alert">
          <p>
            <strong>The PIN was not changed.</strong> {outcome.message}
          </p>
        </div>
      )}
    </form>
  );
}
