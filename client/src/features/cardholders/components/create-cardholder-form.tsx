import { useId, useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../../lib/api-client.ts';
import type { CardholderDetails, CreateCardholderBody } from '@shared/api.ts';
import { newRequestId } from '../../../lib/request-id.ts';
import { useCreateCardholder } from '../api/cardholders.ts';
import './cardholders.css';

type Kind = 'individual' | 'company';

const EMPTY = {
  name: '',
  firstName: '',
  lastName: '',
  email: '',
  phone: '',
  line1: '',
  line2: '',
  city: '',
  state: '',
  postalCode: '',
  country: 'US',
};
type Values = typeof EMPTY;

/** The form's input for each of the API's field names, so an error lands on its field. */
const FIELD_OF: Record<string, keyof Values> = {
  name: 'name',
  'individual.first_name': 'firstName',
  'individual.last_name': 'lastName',
  email: 'email',
  phone_number: 'phone',
  'billing.address.line1': 'line1',
  'billing.address.line2': 'line2',
  'billing.address.city': 'city',
  'billing.address.state': 'state',
  'billing.address.postal_code': 'postalCode',
  'billing.address.country': 'country',
};

/** The fields the form requires of each kind, with the labels the form shows. */
const REQUIRED: Record<Kind, readonly (readonly [keyof Values, string])[]> = {
  individual: [
    ['firstName', 'First name'],
    ['lastName', 'Last name'],
  ],
  company: [['name', 'Company name']],
};
const ADDRESS_REQUIRED: readonly (readonly [keyof Values, string])[] = [
  ['line1', 'Billing address'],
  ['city', 'City'],
  ['postalCode', 'Postal code'],
  ['country', 'Country'],
];

/** Each required field left empty, with its message ("First name is required."), in form order. */
function missingFields(kind: Kind, values: Values): Partial<Record<keyof Values, string>> {
  const missing: Partial<Record<keyof Values, string>> = {};
  for (const [key, label] of [...REQUIRED[kind], ...ADDRESS_REQUIRED]) {
    if (!values[key].trim()) missing[key] = `${label} is required.`;
  }
  return missing;
}

/**
 * Creates a cardholder (a person or a company) on the account. The required fields left empty
 * are marked before anything is sent (all of them at once, never the optional "Name on the card",
 * which defaults to the first and last name); what the server or Stripe refuses comes back naming
 * its field, and the message is shown under that field.
 */
export function CreateCardholderForm({
  account,
  onCreated,
}: {
  account: string;
  onCreated?: (holder: CardholderDetails) => void;
}) {
  const id = useId();
  const [kind, setKind] = useState<Kind>('individual');
  const [values, setValues] = useState<Values>(EMPTY);
  const [requestId, setRequestId] = useState(newRequestId);
  const [created, setCreated] = useState<CardholderDetails | null>(null);
  const create = useCreateCardholder({
    onSuccess: (holder) => {
      setCreated(holder);
      setValues(EMPTY);
      setRequestId(newRequestId());
      onCreated?.(holder);
    },
  });
  const [missing, setMissing] = useState<Partial<Record<keyof Values, string>>>({});
  const apiField = create.error instanceof ApiError ? create.error.field : undefined;
  const errorField = apiField ? FIELD_OF[apiField] : undefined;
  const errorOf = (key: keyof Values): string | undefined =>
    missing[key] ?? (errorField === key && create.isError ? errorMessage(create.error) : undefined);

  function submit(event: FormEvent) {
    event.preventDefault();
    setCreated(null);
    const v = values;
    const empty = missingFields(kind, v);
    setMissing(empty);
    const first = Object.keys(empty)[0];
    if (first) {
      create.reset();
      // To the first field to fill in: its message is read with it.
      document.getElementById(`${id}-${first}`)?.focus();
      return;
    }
    const body: CreateCardholderBody = {
      account,
      type: kind,
      name: kind === 'individual' && !v.name.trim() ? `${v.firstName} ${v.lastName}`.trim() : v.name.trim(),
      billing: {
        address: {
          line1: v.line1.trim(),
          city: v.city.trim(),
          postal_code: v.postalCode.trim(),
          country: v.country.trim().toUpperCase(),
          ...(v.line2.trim() ? { line2: v.line2.trim() } : {}),
          ...(v.state.trim() ? { state: v.state.trim() } : {}),
        },
      },
      ...(v.email.trim() ? { email: v.email.trim() } : {}),
      ...(v.phone.trim() ? { phone_number: v.phone.trim() } : {}),
      ...(kind === 'individual'
        ? { individual: { first_name: v.firstName.trim(), last_name: v.lastName.trim() } }
        : {}),
      request_id: requestId,
    };
    create.mutate(body);
  }

  const field = (
    key: keyof Values,
    label: string,
    options: { required?: boolean; type?: string; autoComplete?: string; hint?: string } = {},
  ) => {
    const inputId = `${id}-${key}`;
    const message = errorOf(key);
    const wrong = message !== undefined;
    return (
      <div className="field">
        <label htmlFor={inputId}>
          {label}
          {options.required ? '' : ' (optional)'}
        </label>
        <input
          id={inputId}
          type={options.type ?? 'text'}
          value={values[key]}
          required={options.required}
          autoComplete={options.autoComplete ?? 'off'}
          aria-invalid={wrong || undefined}
          aria-describedby={
            [options.hint ? `${inputId}-hint` : '', wrong ? `${inputId}-error` : ''].filter(Boolean).join(' ') ||
            undefined
          }
          onChange={(e) => {
            setValues({ ...values, [key]: e.target.value });
            if (missing[key]) setMissing({ ...missing, [key]: undefined });
          }}
        />
        {options.hint && (
          <p id={`${inputId}-hint`} className="muted small">
            {options.hint}
          </p>
        )}
        {wrong && (
          <p id={`${inputId}-error`} className="form-error field-error">
            {message}
          </p>
        )}
      </div>
    );
  };

  return (
    <form className="cardholder-form" onSubmit={submit} aria-label="Create a cardholder" noValidate>
      <fieldset className="choice-group">
        <legend>Cardholder is</legend>
        <label>
          <input
            type="radio"
            name={`${id}-kind`}
            checked={kind === 'individual'}
            onChange={() => {
              setKind('individual');
              setMissing({});
            }}
          />{' '}
          A person
        </label>
        <label>
          <input
            type="radio"
            name={`${id}-kind`}
            checked={kind === 'company'}
            onChange={() => {
              setKind('company');
              setMissing({});
            }}
          />{' '}
          A company
        </label>
      </fieldset>
      {kind === 'individual' ? (
        <>
          {field('firstName', 'First name', { required: true })}
          {field('lastName', 'Last name', { required: true })}
          {field('name', 'Name on the card', { hint: 'Leave empty to use the first and last name.' })}
        </>
      ) : (
        field('name', 'Company name', { required: true })
      )}
      {field('email', 'Email', { type: 'email' })}
      {field('phone', 'Phone number', { type: 'tel' })}
      {field('line1', 'Billing address', { required: true })}
      {field('line2', 'Address line 2')}
      {field('city', 'City', { required: true })}
      {field('state', 'State or region')}
      {field('postalCode', 'Postal code', { required: true })}
      {field('country', 'Country (2 letters)', { required: true })}
      <div className="form-actions">
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create cardholder'}
        </button>
        <div aria-live="polite">
          {created && (
            <p className="form-success" role="status">
              {created.name} was created.
            </p>
          )}
        </div>
      </div>
      {Object.values(missing).some(Boolean) && (
        <p className="form-error" role="alert">
          Fill in the marked fields: {Object.values(missing).filter(Boolean).join(' ')}
        </p>
      )}
      {create.isError && !errorField && (
        <p className="form-error" role="alert">
          The cardholder could not be created: {errorMessage(create.error)}
        </p>
      )}
      {create.isError && errorField && (
        <p className="form-error" role="alert">
          Check the marked field: {errorMessage(create.error)}
        </p>
      )}
    </form>
  );
}
