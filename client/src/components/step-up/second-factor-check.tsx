import { useId, useState, type FormEvent } from 'react';
import type { SecondFactorMethodName, StepUpResponse } from '@shared/api.ts';
import { ApiError, errorMessage } from '../../lib/api-client.ts';
import { useStepUp } from './use-step-up.ts';
import './second-factor.css';

/**
 * One second-factor check: a code from the authenticator app, a recovery code, or the passkey,
 * whichever the user has. Used to finish signing in and, in place, before a step-up action
 * (a reveal, a PIN): the page around it keeps its own state (the reason typed) and continues
 * once `onVerified` runs.
 */
export function SecondFactorCheck({
  methods,
  onVerified,
  onCancel,
  intro,
}: {
  methods: readonly SecondFactorMethodName[];
  onVerified: (result: StepUpResponse) => void;
  onCancel?: () => void;
  intro?: string;
}) {
  const codeId = useId();
  const errorId = useId();
  const [useRecovery, setUseRecovery] = useState(!methods.includes('totp') && methods.includes('recovery_code'));
  const [code, setCode] = useState('');
  const check = useStepUp({ onSuccess: onVerified });
  const hasCodes = methods.includes('totp') || methods.includes('recovery_code');

  function submit(event: FormEvent) {
    event.preventDefault();
    check.mutate({ method: useRecovery ? 'recovery_code' : 'totp', code: code.trim() });
  }

  const error = check.error;
  const message =
    error instanceof ApiError && error.status === 401
      ? 'Your sign-in has expired. Sign in again.'
      : error
        ? errorMessage(error)
        : null;
  return (
    <div className="second-factor-check">
      {intro && <p>{intro}</p>}
      {hasCodes && (
        <form onSubmit={submit} noValidate aria-describedby={message ? errorId : undefined}>
          <div className="field">
            <label htmlFor={codeId}>{useRecovery ? 'Recovery code' : 'Authentication code'}</label>
            <input
              id={codeId}
              name="code"
              autoComplete="one-time-code"
              inputMode={useRecovery ? 'text' : 'numeric'}
              maxLength={useRecovery ? 20 : 6}
              autoFocus
              required
              value={code}
              aria-invalid={message ? true : undefined}
              onChange={(event) => setCode(event.target.value)}
            />
            <p className="muted small">
              {useRecovery
                ? 'One of the codes you saved when you set up your second factor; each works once.'
                : 'The 6-digit code your authenticator app shows now.'}
            </p>
          </div>
          <button type="submit" disabled={check.isPending || code.trim() === ''}>
            {check.isPending ? 'Checking…' : 'Verify'}
          </button>
          {methods.includes('recovery_code') && methods.includes('totp') && (
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setUseRecovery(!useRecovery);
                setCode('');
                check.reset();
              }}
            >
              {useRecovery ? 'Use the authenticator app instead' : 'Use a recovery code instead'}
            </button>
          )}
        </form>
      )}
      {methods.includes('webauthn') && (
        <p>
          <button
            type="button"
            className={hasCodes ? 'button-secondary' : undefined}
            disabled={check.isPending}
            onClick={() => check.mutate({ method: 'webauthn' })}
          >
            Use your passkey
          </button>
        </p>
      )}
      {message && (
        <p id={errorId} className="form-error" role="alert">
          {message}
        </p>
      )}
      {onCancel && (
        <button type="button" className="link-button" onClick={onCancel}>
          Cancel
        </button>
      )}
    </div>
  );
}
