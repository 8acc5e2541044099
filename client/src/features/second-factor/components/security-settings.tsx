import { lazy, Suspense, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { FactorAddedResponse, MeResponse, TotpBeginResponse } from '@shared/api.ts';
import { RECOVERY_CODES_FEW } from '@shared/enrolment.ts';
import { ErrorMessage, Loading } from '../../../components/status.tsx';
import { ApiError, errorMessage } from '../../../lib/api-client.ts';
import {
  beginTotp,
  confirmTotp,
  deleteFactor,
  newRecoveryCodes,
  registerPasskey,
  useSecurity,
  useSecurityChange,
} from '../api/security.ts';
import { useOwnerCheckDue, useStepUpDue, type OwnerCheck } from '../../../components/step-up/step-up-due.ts';
import { ChangePasswordForm, PasswordPrompt, SignOutEverywhere } from './password-and-sessions.tsx';
import { StepUpPrompt } from '../../../components/step-up/step-up-prompt.tsx';
import { recoveryCodesFileName, recoveryCodesText } from '../lib/recovery-codes.ts';
import './security.css';

// The QR library loads only when an enrolment starts.
const TotpQr = lazy(() => import('./totp-qr.tsx'));

const KIND_LABEL = { totp: 'Authenticator app', webauthn: 'Passkey' } as const;
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

/** The base32 secret in groups of four, as authenticator apps show typed keys. */
const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

/**
 * The Security page: the user's second factors (authenticator app, passkeys), recovery codes
 * (shown once, when made), the password and the other sessions. The check the server asks for
 * before a factor change is answered here, then the change goes through: the factor once one
 * exists (`step_up_required`), the password before the first (`reauthentication_required`),
 * asked before sending when /api/me already says it is due. `onFactorAdded`: called once a new
 * factor is in place and its recovery codes (if any) are saved: the page that sent the user here
 * to enrol (Set a PIN) takes them back.
 */
export function SecuritySettings({ me, onFactorAdded }: { me: MeResponse; onFactorAdded?: (() => void) | undefined }) {
  const security = useSecurity();
  const [totp, setTotp] = useState<TotpBeginResponse | null>(null);
  const [codes, setCodes] = useState<readonly string[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // A change the server refused for want of a fresh check: run again once the check passes.
  const [retry, setRetry] = useState<(() => void) | null>(null);
  // The same, refused for want of the password (no factor yet to check with).
  const [passwordRetry, setPasswordRetry] = useState<(() => void) | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const ask = (check: Exclude<OwnerCheck, null>, again: () => void) =>
    check === 'step-up' ? setRetry(() => again) : setPasswordRetry(() => again);
  /** True when the refusal asks for a check, which is then asked for here. */
  const needsCheck = (error: unknown, again: () => void) => {
    if (!(error instanceof ApiError)) return false;
    if (error.code === 'step_up_required') ask('step-up', again);
    else if (error.code === 'reauthentication_required') ask('password', again);
    else return false;
    return true;
  };
  const onError = (error: unknown, again: () => void) => {
    if (!needsCheck(error, again)) setFailure(errorMessage(error));
  };

  const begin = useSecurityChange(beginTotp);
  const addPasskey = useSecurityChange(registerPasskey);
  const remove = useSecurityChange(deleteFactor);
  const renew = useSecurityChange(newRecoveryCodes);

  // After the codes are put away (or a factor is added without any), focus goes to what changed,
  // not to <body>.
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const [focusNotice, setFocusNotice] = useState(false);
  useEffect(() => {
    if (focusNotice && noticeRef.current) {
      noticeRef.current.focus();
      setFocusNotice(false);
    }
  }, [focusNotice, notice, codes]);

  const added = (result: FactorAddedResponse) => {
    setTotp(null);
    setNotice(`${KIND_LABEL[result.factor.kind]} added.`);
    if (result.recoveryCodes) setCodes(result.recoveryCodes);
    else if (onFactorAdded) onFactorAdded();
    else setFocusNotice(true);
  };
  const codesSaved = () => {
    setCodes(null);
    if (onFactorAdded) onFactorAdded();
    else setFocusNotice(true);
  };

  // Known stale from /api/me: the check first, not a request the server would refuse. `send` is
  // the request itself, run once the check passes (and again after a refusal by the server).
  const stepUpDue = useStepUpDue('changeFactors');
  const change = (send: () => void) => {
    setFailure(null);
    if (stepUpDue()) return setRetry(() => send);
    send();
  };
  // Enrolling needs the owner's check even for the first factor: the password, when there is no
  // factor yet to check with.
  const ownerCheckDue = useOwnerCheckDue();
  const checkFirst = (send: () => void) => {
    const due = ownerCheckDue();
    if (due) return ask(due, send);
    send();
  };
  const enrol = (send: () => void) => {
    setFailure(null);
    checkFirst(send);
  };
  const startTotp = () =>
    enrol(function send() {
      begin.mutate(undefined, { onSuccess: setTotp, onError: (e) => onError(e, send) });
    });
  const startPasskey = (label: string) =>
    enrol(function send() {
      addPasskey.mutate(label, { onSuccess: added, onError: (e) => onError(e, send) });
    });
  const removeFactor = (id: string) =>
    change(function send() {
      remove.mutate(id, { onSuccess: () => setNotice('Second factor removed.'), onError: (e) => onError(e, send) });
    });
  const renewCodes = () =>
    change(function send() {
      renew.mutate(undefined, { onSuccess: (r) => setCodes(r.recoveryCodes), onError: (e) => onError(e, send) });
    });

  if (security.isPending) return <Loading label="Loading your second factors…" />;
  if (security.isError)
    return (
      <ErrorMessage
        error={security.error}
        title="Your second factors could not be loaded"
        onRetry={() => void security.refetch()}
      />
    );
  const { factors, recoveryCodesLeft, required } = security.data;

  if (codes) return <RecoveryCodes codes={codes} email={me.user.email} onDone={codesSaved} />;

  return (
    <div className="security-settings">
      {me.secondFactor.pending === 'enrolment' && (
        <p className="status status-error" role="alert">
          Your role requires a second factor. Set up an authenticator app or a passkey to continue.
        </p>
      )}
      {notice && (
        <p className="status status-empty" role="status" ref={noticeRef} tabIndex={-1}>
          {notice}
        </p>
      )}
      {failure && (
        <p className="form-error" role="alert">
          {failure}
        </p>
      )}
      {retry && (
        <StepUpPrompt
          action="change your second factors"
          intro="Changing your second factors needs a fresh check."
          onVerified={() => {
            const again = retry;
            setRetry(null);
            again();
          }}
          onCancel={() => setRetry(null)}
        />
      )}
      {passwordRetry && (
        <PasswordPrompt
          intro="Setting up a second factor needs your password."
          onVerified={() => {
            const again = passwordRetry;
            setPasswordRetry(null);
            again();
          }}
          onCancel={() => setPasswordRetry(null)}
        />
      )}

      <section aria-labelledby="factors-heading">
        <h2 id="factors-heading">Second factors</h2>
        {factors.length === 0 ? (
          <p className="muted">
            {required
              ? 'None yet: your role requires one.'
              : 'None yet. A second factor is optional for your role, and needed to set PINs.'}
          </p>
        ) : (
          <table className="factors table stack-on-phone">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Added</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {factors.map((f) => (
                <tr key={f.id}>
                  <td data-label="Name">{f.label}</td>
                  <td data-label="Kind">{KIND_LABEL[f.kind]}</td>
                  <td data-label="Added">{when(f.created_at)}</td>
                  <td data-label="Last used">{when(f.last_used_at)}</td>
                  <td data-label="Actions">
                    <button
                      type="button"
                      className="button-secondary"
                      disabled={remove.isPending}
                      onClick={() => removeFactor(f.id)}
                      aria-label={`Remove ${f.label}`}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {factors.length > 0 && (
          <RecoveryCodesLeft left={recoveryCodesLeft} busy={renew.isPending} onRenew={renewCodes} />
        )}
      </section>

      <section aria-labelledby="totp-heading">
        <h2 id="totp-heading">Authenticator app</h2>
        {totp ? (
          <TotpEnrolment
            totp={totp}
            onAdded={added}
            onCancel={() => setTotp(null)}
            checkFirst={checkFirst}
            needsCheck={needsCheck}
          />
        ) : (
          <button type="button" disabled={begin.isPending} onClick={startTotp}>
            Set up an authenticator app
          </button>
        )}
      </section>

      <PasskeySection busy={addPasskey.isPending} onAdd={startPasskey} />

      {me.secondFactor.pending === null && (
        <>
          <ChangePasswordForm />
          <SignOutEverywhere />
        </>
      )}
    </div>
  );
}

function TotpEnrolment({
  totp,
  onAdded,
  onCancel,
  checkFirst,
  needsCheck,
}: {
  totp: TotpBeginResponse;
  onAdded: (r: FactorAddedResponse) => void;
  onCancel: () => void;
  /** Sends once the owner's check is fresh (asked first when /api/me says it is not). */
  checkFirst: (send: () => void) => void;
  /** A refusal for want of a check (the password's age ran out while the app was set up): asked, then sent again. */
  needsCheck: (error: unknown, again: () => void) => boolean;
}) {
  const codeId = useId();
  const [code, setCode] = useState('');
  const confirm = useSecurityChange(confirmTotp);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const send = () =>
      confirm.mutate(code.trim(), { onSuccess: onAdded, onError: (e) => needsCheck(e, send) && confirm.reset() });
    checkFirst(send);
  };
  return (
    <form onSubmit={submit} noValidate className="totp-enrolment">
      <p>Scan this QR code with your authenticator app (time-based, 6 digits, every 30 seconds):</p>
      <div className="totp-qr-frame">
        <Suspense fallback={<span className="muted">Drawing the QR code…</span>}>
          <TotpQr uri={totp.uri} />
        </Suspense>
      </div>
      <p>
        Or type this key into the app (spaces do not matter), or open the <a href={totp.uri}>otpauth link</a> on the
        device that has the app:
      </p>
      <p>
        <code className="totp-secret" aria-label="Secret key">
          {grouped(totp.secret)}
        </code>
      </p>
      <div className="field">
        <label htmlFor={codeId}>Code from the app</label>
        <input
          id={codeId}
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          required
        />
      </div>
      {confirm.isError && (
        <p className="form-error" role="alert">
          {errorMessage(confirm.error)}
        </p>
      )}
      <button type="submit" disabled={confirm.isPending || code.trim() === ''}>
        {confirm.isPending ? 'Checking…' : 'Confirm'}
      </button>{' '}
      <button type="button" className="link-button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

function PasskeySection({ busy, onAdd }: { busy: boolean; onAdd: (label: string) => void }) {
  const labelId = useId();
  const [label, setLabel] = useState('');
  const supported = typeof window !== 'undefined' && typeof window.PublicKeyCredential === 'function';
  return (
    <section aria-labelledby="passkey-heading">
      <h2 id="passkey-heading">Passkeys</h2>
      {!supported ? (
        <p className="muted">This browser cannot use passkeys.</p>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            onAdd(label.trim());
          }}
        >
          <div className="field">
            <label htmlFor={labelId}>Passkey name (optional)</label>
            <input
              id={labelId}
              maxLength={60}
              value={label}
              onChange={(e) => setLabel(e.target.value)}
              placeholder="e.g. Work laptop"
            />
          </div>
          <button type="submit" disabled={busy}>
            {busy ? 'Waiting for your device…' : 'Add a passkey'}
          </button>
        </form>
      )}
    </section>
  );
}

/**
 * How many recovery codes are left, with a warning when none or few are: without a code, a lost
 * authenticator locks the user out until an administrator resets the factor.
 */
function RecoveryCodesLeft({ left, busy, onRenew }: { left: number; busy: boolean; onRenew: () => void }) {
  const action = (
    <button type="button" className="link-button" disabled={busy} onClick={onRenew}>
      Make new recovery codes
    </button>
  );
  if (left === 0) {
    return (
      <div className="status status-error recovery-codes-warning">
        <p>
          <strong>You have no recovery codes left.</strong> If you lose your authenticator app or passkey, you cannot
          sign in until an administrator resets it.
        </p>
        <p>{action}</p>
      </div>
    );
  }
  if (left <= RECOVERY_CODES_FEW) {
    return (
      <div className="status status-warning recovery-codes-warning">
        <p>
          <strong>
            Only {left} recovery code{left === 1 ? '' : 's'} left.
          </strong>{' '}
          Make new ones before they run out (the old ones stop working).
        </p>
        <p>{action}</p>
      </div>
    );
  }
  return (
    <p>
      Recovery codes left: {left}. {action}
    </p>
  );
}

/** Shown once, right after they are made: copy, download or print them, then go on. */
function RecoveryCodes({ codes, email, onDone }: { codes: readonly string[]; email: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  // The codes replace the form the user was in: focus goes to their heading, not to <body>.
  useEffect(() => headingRef.current?.focus(), []);
  const site = window.location.origin;
  const text = () => recoveryCodesText(codes, { email, site, made: new Date() });

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      setCopied('The codes are copied. Paste them into your password manager.');
    } catch {
      setCopied('The browser did not allow copying: select the codes, or download them instead.');
    }
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([text()], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = recoveryCodesFileName(site);
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <section aria-labelledby="codes-heading" className="recovery-codes">
      <h2 id="codes-heading" ref={headingRef} tabIndex={-1}>
        Your recovery codes
      </h2>
      <p>
        Each code signs you in once if you lose your authenticator. Save them somewhere safe now: they are{' '}
        <strong>shown only this once</strong>.
      </p>
      <ul aria-label="Recovery codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <div className="recovery-codes-actions">
        <button type="button" className="button-secondary" onClick={() => void copy()}>
          Copy codes
        </button>
        <button type="button" className="button-secondary" onClick={download}>
          Download (.txt)
        </button>
        <button type="button" className="button-secondary" onClick={() => window.print()}>
          Print
        </button>
      </div>
      <p role="status" className="muted">
        {copied}
      </p>
      <p className="recovery-codes-print-only">
        {email} at {site}
      </p>
      <button type="button" onClick={onDone}>
        I have saved these codes
      </button>
    </section>
  );
}
