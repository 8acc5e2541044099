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

/**
 * Creates a cardholder (a person or a company) on the account. What Stripe refuses comes back
 * naming its field, and the message is shown under that field.
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
  const apiField = create.error instanceof ApiError ? create.error.field : undefined;
  const errorField = apiField ? FIELD_OF[apiField] : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    setCreated(null);
    const v = values;
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
    options: { required?: boolean; type?: string; autoComplete?: string } = {},
  ) => {
    const inputId = `${id}-${key}`;
    const wrong = errorField === key;
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
          aria-describedby={wrong ? `${inputId}-error` : undefined}
          onChange={(e) => setValues({ ...values, [key]: e.target.value })}
        />
        {wrong && (
          <p id={`${inputId}-error`} className="form-error field-error">
            {errorMessage(create.error)}
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
            onChange={() => setKind('individual')}
          />{' '}
          A person
        </label>
        <label>
          <input type="radio" name={`${id}-kind`} checked={kind === 'company'} onChange={() => setKind('company')} /> A
          company
        </label>
      </fieldset>
      {kind === 'individual' ? (
        <>
          {field('firstName', 'First name', { required: true })}
          {field('lastName', 'Last name', { required: true })}
          {field('name', 'Name on the card')}
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
