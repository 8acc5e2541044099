// The Payment Element (card only) of the emulator's stripe.js. Card data is typed, validated and
// sent to the emulator (POST /v1/confirmation_tokens, with the publishable key) from this frame;
// the parent receives only validation results and the ConfirmationToken.
import { applyAppearance, type AppearanceVariables } from '../shared/appearance.ts';
import { encodeForm, type FormValue } from '../shared/form.ts';
import * as frame from './channel.ts';

type InputName = 'number' | 'expiry' | 'cvc' | 'postal';
const NAMES: InputName[] = ['number', 'expiry', 'cvc', 'postal'];
const inputs = Object.fromEntries(
  NAMES.map((name) => [name, document.getElementById(name) as HTMLInputElement]),
) as Record<InputName, HTMLInputElement>;
/** Stripe's validation code and message per field. */
type Errors = Partial<Record<InputName, [code: string, message: string]>>;

const digits = (text: string) => String(text).replace(/\D/g, '');
function luhn(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return number.length > 0 && sum % 10 === 0;
}
const isAmex = (number: string) => /^3[47]/.test(number);

inputs.number.addEventListener('input', () => {
  inputs.number.value = digits(inputs.number.value)
    .slice(0, 19)
    .replace(/(\d{4})(?=\d)/g, '$1 ');
  changed();
});
inputs.expiry.addEventListener('input', (event) => {
  let value = digits(inputs.expiry.value).slice(0, 4);
  if (value.length === 1 && Number(value) > 1) value = `0${value}`;
  const deleting = event.inputType?.startsWith('delete');
  inputs.expiry.value =
    value.length > 2 || (value.length === 2 && !deleting) ? `${value.slice(0, 2)} / ${value.slice(2)}` : value;
  changed();
});
inputs.cvc.addEventListener('input', () => {
  inputs.cvc.value = digits(inputs.cvc.value).slice(0, 4);
  changed();
});
inputs.postal.addEventListener('input', changed);
for (const name of NAMES) {
  inputs[name].addEventListener('focus', () => frame.send('element-focus'));
  inputs[name].addEventListener('blur', () => frame.send('element-blur'));
}
document.getElementById('form')!.addEventListener('submit', (event) => event.preventDefault());

function validate(): Errors {
  const errors: Errors = {};
  const number = digits(inputs.number.value);
  if (!number || number.length < (isAmex(number) ? 15 : 16))
    errors.number = ['incomplete_number', 'Your card number is incomplete.'];
  else if (!luhn(number)) errors.number = ['invalid_number', 'Your card number is invalid.'];
  const expiry = digits(inputs.expiry.value);
  if (expiry.length < 4) errors.expiry = ['incomplete_expiry', "Your card's expiration date is incomplete."];
  else {
    const month = Number(expiry.slice(0, 2));
    const year = 2000 + Number(expiry.slice(2, 4));
    const now = new Date();
    if (month < 1 || month > 12) errors.expiry = ['invalid_expiry_month', "Your card's expiration month is invalid."];
    else if (year < now.getFullYear())
      errors.expiry = ['invalid_expiry_year_past', "Your card's expiration year is in the past."];
    else if (year === now.getFullYear() && month < now.getMonth() + 1)
      errors.expiry = ['invalid_expiry_month_past', "Your card's expiration date is in the past."];
  }
  if (digits(inputs.cvc.value).length < (isAmex(number) ? 4 : 3))
    errors.cvc = ['incomplete_cvc', "Your card's security code is incomplete."];
  if (!inputs.postal.value.trim()) errors.postal = ['incomplete_zip', 'Your postal code is incomplete.'];
  return errors;
}

function showErrors(errors: Errors): { type: string; code: string; message: string } | null {
  let first: InputName | null = null;
  for (const name of NAMES) {
    const error = errors[name];
    inputs[name].setAttribute('aria-invalid', error ? 'true' : 'false');
    document.getElementById(`${name}-error`)!.textContent = error ? error[1] : '';
    if (error && !first) first = name;
  }
  if (first) inputs[first].focus();
  frame.reportSize();
  const error = first ? errors[first] : undefined;
  return error ? { type: 'validation_error', code: error[0], message: error[1] } : null;
}

const isEmpty = () => NAMES.every((name) => !inputs[name].value);
function changed(): void {
  frame.send('element-change', { empty: isEmpty(), complete: Object.keys(validate()).length === 0 });
}

function configure(options: { appearance?: { variables?: AppearanceVariables }; readOnly?: boolean }): void {
  applyAppearance(document.documentElement, options.appearance?.variables, 'pe');
  if (options.readOnly !== undefined) for (const name of NAMES) inputs[name].disabled = !!options.readOnly;
}
frame.on('configure', (message) => configure((message.options as Parameters<typeof configure>[0] | undefined) ?? {}));
frame.on('update', (message) => configure((message.options as Parameters<typeof configure>[0] | undefined) ?? {}));

frame.on('submit', (message) => {
  const error = showErrors(validate());
  frame.send('submit-result', {
    requestId: message.requestId,
    result: error ? { error } : { selectedPaymentMethod: 'card' },
  });
});

type Params = {
  payment_method_data?: {
    billing_details?: { address?: Record<string, FormValue> } & Record<string, FormValue>;
  } & Record<string, FormValue>;
} & Record<string, FormValue>;

// eslint-disable-next-line @typescript-eslint/no-misused-promises -- the handler answers through the channel; frame.api() turns a failed request into a result, not a rejection
frame.on('create-confirmation-token', async (message) => {
  const error = showErrors(validate());
  if (error) {
    frame.send('create-confirmation-token-result', { requestId: message.requestId, result: { error } });
    return;
  }
  const expiry = digits(inputs.expiry.value);
  const extra = (message.params as Params | undefined) ?? {};
  const extraMethodData = extra.payment_method_data ?? {};
  const billing = { ...(extraMethodData.billing_details ?? {}) };
  billing.address = { ...(billing.address ?? {}), postal_code: inputs.postal.value.trim() };
  const body: Record<string, FormValue> = {
    ...extra,
    payment_method_data: {
      ...extraMethodData,
      type: 'card',
      card: {
        number: digits(inputs.number.value),
        exp_month: Number(expiry.slice(0, 2)),
        exp_year: 2000 + Number(expiry.slice(2, 4)),
        cvc: digits(inputs.cvc.value),
      },
      billing_details: billing,
    },
  };
  const result = await frame.api('POST', '/v1/confirmation_tokens', {
    key: typeof message.publishableKey === 'string' ? message.publishableKey : '',
    stripeAccount: typeof message.stripeAccount === 'string' ? message.stripeAccount : null,
    form: encodeForm(body),
  });
  frame.send('create-confirmation-token-result', {
    requestId: message.requestId,
    result: result.ok
      ? { confirmationToken: result.body }
      : { error: frame.resultError(result, 'The payment details could not be used.') },
  });
});

frame.on('focus', () => inputs.number.focus());
frame.on('clear', () => {
  for (const name of NAMES) inputs[name].value = '';
  showErrors({});
  changed();
});
frame.ready();
