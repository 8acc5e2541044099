import type { Stripe, StripeElements } from '@stripe/stripe-js';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { elementsAppearanceVariables } from '../../../app/appearance.ts';
import { ErrorMessage, Loading } from '../../../components/status.tsx';
import { errorMessage } from '../../../lib/api-client.ts';
import type { Decline } from '@shared/api.ts';
import { TEST_PURCHASE } from '@shared/policy.ts';
import { useConfig } from '../../../lib/config.ts';
import { createPayment } from '../api/create-payment.ts';
import { amountProblem, formatAmount, parseAmount } from '../lib/amount.ts';
import { paymentsStripe } from '../lib/payments-stripe.ts';
import './test-purchase.css';

type Outcome =
  | { kind: 'succeeded'; paymentIntent: string | null; amount: number; currency: string }
  | { kind: 'pending'; status: string; paymentIntent: string | null }
  | { kind: 'declined'; decline: Decline }
  | { kind: 'failed'; message: string };

/** Loads Stripe.js for the connected account taking the payment, then shows the form. */
export function TestPurchase({ account }: { account: string }) {
  const config = useConfig();
  const stripe = useQuery({
    queryKey: ['stripe-js', 'payments', config.data?.publishableKey, account],
    queryFn: () => paymentsStripe(config.data!.publishableKey, account),
    enabled: Boolean(config.data),
    staleTime: Infinity,
    retry: false,
  });
  if (config.isPending || (config.isSuccess && stripe.isPending)) return <Loading label="Loading Stripe…" />;
  if (config.isError)
    return <ErrorMessage error={config.error} title="Stripe is not available" onRetry={() => void config.refetch()} />;
  if (stripe.isError)
    return (
      <ErrorMessage error={stripe.error} title="Stripe.js could not be loaded" onRetry={() => void stripe.refetch()} />
    );
  return <TestPurchaseForm key={account} stripe={stripe.data!} account={account} />;
}

/**
 * A purchase in the deferred-intent flow of "finalize payments on the server": the Payment
 * Element collects the card in Stripe's frame, Stripe.js turns it into a ConfirmationToken, and
 * the server creates and confirms the PaymentIntent, deciding the amount itself.
 * (docs.stripe.com/payments/finalize-payments-on-the-server)
 */
function TestPurchaseForm({ stripe, account }: { stripe: Stripe; account: string }) {
  const ids = { amount: useId(), amountHint: useId(), amountError: useId(), currency: useId(), card: useId() };
  const [amountText, setAmountText] = useState((TEST_PURCHASE.defaultAmount / 100).toFixed(2));
  const [currency, setCurrency] = useState<string>(TEST_PURCHASE.currencies[0]);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const [elementState, setElementState] = useState<'loading' | 'ready' | 'error'>('loading');
  const [elementError, setElementError] = useState('');
  const mountRef = useRef<HTMLDivElement>(null);
  const elementsRef = useRef<StripeElements | null>(null);

  const amount = parseAmount(amountText);
  const problem = amountProblem(amount, currency);
  // The Payment Element needs an amount > 0 even while the field holds something invalid.
  const elementAmount = amount && !problem ? amount : TEST_PURCHASE.defaultAmount;

  useEffect(() => {
    const elements = stripe.elements({
      mode: 'payment',
      amount: elementAmount,
      currency,
      paymentMethodCreation: 'manual',
      appearance: { variables: elementsAppearanceVariables },
    });
    const payment = elements.create('payment');
    payment.on('ready', () => setElementState('ready'));
    payment.on('loaderror', (event) => {
      setElementState('error');
      setElementError(event.error?.message ?? 'The card form could not be loaded.');
    });
    if (mountRef.current) payment.mount(mountRef.current);
    elementsRef.current = elements;
    return () => {
      payment.destroy();
      elementsRef.current = null;
    };
    // Created once per Stripe instance; amount and currency changes go through update() below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [stripe]);

  useEffect(() => {
    void elementsRef.current?.update({ amount: elementAmount, currency });
  }, [elementAmount, currency]);

  async function pay(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    const elements = elementsRef.current;
    if (problem || amount === undefined || !elements || busy) return;
    setBusy(true);
    setOutcome(undefined);
    try {
      setOutcome(await payOnce(stripe, elements, account, amount, currency));
    } catch (error) {
      setOutcome({ kind: 'failed', message: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  }

  const showAmountError = touched && problem;
  return (
    <form className="purchase-form" onSubmit={(event) => void pay(event)} aria-label="Test purchase" noValidate>
      <div className="purchase-amount">
        <div className="field">
          <label htmlFor={ids.amount}>Amount</label>
          <input
            id={ids.amount}
            inputMode="decimal"
            autoComplete="off"
            value={amountText}
            aria-invalid={showAmountError ? true : undefined}
            aria-describedby={`${ids.amountHint}${showAmountError ? ` ${ids.amountError}` : ''}`}
            onChange={(event) => setAmountText(event.target.value)}
            onBlur={() => setTouched(true)}
          />
          <span id={ids.amountHint} className="muted small">
            Between {formatAmount(TEST_PURCHASE.minAmount, currency)} and{' '}
            {formatAmount(TEST_PURCHASE.maxAmount, currency)}.
          </span>
          {showAmountError && (
            <span id={ids.amountError} className="form-error">
              {problem}
            </span>
          )}
        </div>
        <div className="field">
          <label htmlFor={ids.currency}>Currency</label>
          <select id={ids.currency} value={currency} onChange={(event) => setCurrency(event.target.value)}>
            {TEST_PURCHASE.currencies.map((c) => (
              <option key={c} value={c}>
                {c.toUpperCase()}
              </option>
            ))}
          </select>
        </div>
      </div>

      <fieldset className="purchase-card" aria-describedby={ids.card}>
        <legend>Card</legend>
        <p id={ids.card} className="muted small">
          Type the number of one of this account's issued cards (or a Stripe test card): an issued test card works only
          on its own account. It goes straight to Stripe, never to this dashboard.
        </p>
        {elementState === 'loading' && <Loading label="Loading the card form…" />}
        {elementState === 'error' && (
          <p className="form-error" role="alert">
            The card form could not be loaded: {elementError}
          </p>
        )}
        <div ref={mountRef} className="payment-element" />
      </fieldset>

      <button type="submit" disabled={busy || elementState !== 'ready'}>
        {busy ? 'Paying…' : `Pay ${amount !== undefined && !problem ? formatAmount(amount, currency) : ''}`.trim()}
      </button>

      <div aria-live="polite">{outcome && <OutcomeMessage outcome={outcome} />}</div>
    </form>
  );
}

async function payOnce(
  stripe: Stripe,
  elements: StripeElements,
  account: string,
  amount: number,
  currency: string,
): Promise<Outcome> {
  // Validates the card fields in Stripe's frame (and shows their errors there).
  const submitted = await elements.submit();
  if (submitted.error) return { kind: 'failed', message: submitted.error.message ?? 'Check the card details.' };

  const created = await stripe.createConfirmationToken({ elements, params: { return_url: window.location.href } });
  if (created.error) return { kind: 'failed', message: created.error.message ?? 'The card could not be used.' };

  const payment = await createPayment({ account, confirmation_token: created.confirmationToken.id, amount, currency });
  if (payment.decline) return { kind: 'declined', decline: payment.decline };

  let status = payment.status;
  if (status === 'requires_action' && payment.client_secret) {
    // 3-D Secure and similar: Stripe.js shows the challenge, then reports the outcome.
    const next = await stripe.handleNextAction({ clientSecret: payment.client_secret });
    if (next.error) return { kind: 'failed', message: next.error.message ?? 'The card was not authenticated.' };
    status = next.paymentIntent?.status ?? status;
  }
  if (status === 'succeeded' || status === 'requires_capture') {
    return { kind: 'succeeded', paymentIntent: payment.payment_intent, amount, currency };
  }
  return { kind: 'pending', status, paymentIntent: payment.payment_intent };
}

function OutcomeMessage({ outcome }: { outcome: Outcome }) {
  switch (outcome.kind) {
    case 'succeeded':
      return (
        <div className="status purchase-succeeded" role="status">
          <p>
            <strong>Payment succeeded.</strong> {formatAmount(outcome.amount, outcome.currency)} paid
            {outcome.paymentIntent ? (
              <>
                {' '}
                (<code>{outcome.paymentIntent}</code>)
              </>
            ) : null}
            .
          </p>
        </div>
      );
    case 'declined':
      return (
        <div className="status status-error" role="alert">
          <p>
            <strong>Payment declined.</strong> {outcome.decline.message}
          </p>
        </div>
      );
    case 'pending':
      return (
        <p className="status" role="status">
          The payment is {outcome.status.replaceAll('_', ' ')}.
        </p>
      );
    case 'failed':
      return (
        <div className="status status-error" role="alert">
          <p>
            <strong>The payment did not go through.</strong> {outcome.message}
          </p>
        </div>
      );
  }
}
