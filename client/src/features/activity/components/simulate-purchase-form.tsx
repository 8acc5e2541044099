import { useId, useState, type FormEvent } from 'react';
import { errorMessage, ApiError } from '../../../lib/api-client.ts';
import { useSimulatePurchase } from '../api/simulate-purchase.ts';
import { COMMON_CATEGORIES, categoryName, formatAmount, parseAmount } from '../lib/words.ts';
import { ExplanationView } from './explanation-view.tsx';

/**
 * "Simulate a purchase": Stripe's Issuing test helper creates an authorization on this card (test
 * mode), decided by Stripe like a real one; the result and its explanation show here and in the list.
 */
export function SimulatePurchaseForm({
  card,
  currency,
  editControlsHref,
}: {
  card: string;
  currency: string;
  editControlsHref?: string | undefined;
}) {
  const headingId = useId();
  const [amountText, setAmountText] = useState('25.00');
  const [category, setCategory] = useState<string>(COMMON_CATEGORIES[0]);
  const [country, setCountry] = useState('US');
  const simulate = useSimulatePurchase(card);
  const amount = parseAmount(amountText);
  const fieldError = (field: string) =>
    simulate.error instanceof ApiError && simulate.error.field === field ? simulate.error.message : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (amount === undefined || amount < 1) return;
    simulate.mutate({ amount, category, ...(country ? { country: country.toUpperCase() } : {}) });
  };
  const result = simulate.data;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>Simulate a purchase</h2>
      <p className="muted small">
        Test mode: Stripe creates an authorization on this card as a merchant would, and decides it with the card’s
        controls.
      </p>
      <form className="simulate-form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={`${headingId}-amount`}>Purchase amount ({currency.toUpperCase()})</label>
          <input
            id={`${headingId}-amount`}
            inputMode="decimal"
            value={amountText}
            onChange={(e) => setAmountText(e.target.value)}
            aria-invalid={amount === undefined || Boolean(fieldError('amount'))}
          />
          {amount === undefined && <span className="form-error">Enter an amount such as 25.00.</span>}
          {fieldError('amount') && <span className="form-error">{fieldError('amount')}</span>}
        </div>
        <div className="field">
          <label htmlFor={`${headingId}-category`}>Merchant category</label>
          <select id={`${headingId}-category`} value={category} onChange={(e) => setCategory(e.target.value)}>
            {COMMON_CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {categoryName(c)}
              </option>
            ))}
          </select>
          {fieldError('category') && <span className="form-error">{fieldError('category')}</span>}
        </div>
        <div className="field">
          <label htmlFor={`${headingId}-country`}>Merchant country</label>
          <input
            id={`${headingId}-country`}
            value={country}
            maxLength={2}
            onChange={(e) => setCountry(e.target.value.toUpperCase())}
            aria-invalid={Boolean(fieldError('country'))}
          />
          {fieldError('country') && <span className="form-error">{fieldError('country')}</span>}
        </div>
        <button type="submit" disabled={simulate.isPending || amount === undefined}>
          {simulate.isPending
            ? 'Simulating…'
            : `Simulate ${amount !== undefined ? formatAmount(amount, currency) : ''}`.trim()}
        </button>
      </form>
      <div aria-live="polite">
        {simulate.isError && !(simulate.error instanceof ApiError && simulate.error.field) && (
          <p className="form-error" role="alert">
            The purchase could not be simulated: {errorMessage(simulate.error)}
          </p>
        )}
        {result && (
          <div className={`simulate-result ${result.approved ? 'approved' : 'declined'}`} role="status">
            <p>
              <strong>{result.approved ? 'Approved' : 'Declined'}:</strong>{' '}
              {formatAmount(result.amount, result.currency)} at {result.merchant.name ?? 'the merchant'}.
            </p>
            {result.explanation && (
              <ExplanationView explanation={result.explanation} editControlsHref={editControlsHref} />
            )}
          </div>
        )}
      </div>
    </section>
  );
}
