// Stripe's form encoding (application/x-www-form-urlencoded with bracket notation), the one copy
// used by connect.js, stripe.js and the frames. An empty array or null sends `key=`, which is how
// Stripe's API clears a list (e.g. `spending_controls[blocked_categories]=`); undefined is left out.

export type FormValue =
  string | number | boolean | null | undefined | readonly FormValue[] | { readonly [key: string]: FormValue };

export function encodeForm(params: FormValue): string {
  const parts: string[] = [];
  const walk = (prefix: string, value: FormValue): void => {
    if (value === undefined) return;
    if (value === null || (Array.isArray(value) && value.length === 0)) {
      if (prefix) parts.push(`${encodeURIComponent(prefix)}=`);
    } else if (Array.isArray(value)) {
      (value as readonly FormValue[]).forEach((item, index) => walk(`${prefix}[${index}]`, item));
    } else if (typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(prefix ? `${prefix}[${key}]` : key, item);
    } else {
      parts.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(String(value))}`);
    }
  };
  walk('', params);
  return parts.join('&');
}
