// Stripe's v1 API takes form-encoded bodies and query strings with bracket notation
// (`spending_controls[spending_limits][0][amount]=5000`, `expand[]=number`); `qs` parses both.
import qs from 'qs';

const OPTIONS: qs.IParseOptions = {
  // Deep enough for the deepest Stripe parameters, with room to spare.
  depth: 10,
  // stripe-node writes arrays with indexes (`expand[0]`); keep up to 1,000 items as arrays.
  arrayLimit: 1000,
  parameterLimit: 5000,
  // Never let `__proto__` and friends through.
  allowPrototypes: false,
};

export function parseForm(text: string): Record<string, unknown> {
  return qs.parse(text, OPTIONS);
}
