/** Issuing PINs are 4 to 12 digits. */
export const PIN_PATTERN = /^\d{4,12}$/;

export interface PinErrors {
  pin?: string;
  confirm?: string;
}

/** What is wrong with the two fields, per field; empty when the PIN may be sent. */
export function checkNewPin(pin: string, confirm: string): PinErrors {
  const errors: PinErrors = {};
  if (!pin) errors.pin = 'Enter the new PIN.';
  else if (!PIN_PATTERN.test(pin)) errors.pin = 'A PIN is 4 to 12 digits, nothing else.';
  if (!errors.pin && confirm !== pin) errors.confirm = 'The two PINs differ. Type the same PIN twice.';
  return errors;
}
