// The `Stripe-Version` header: an API version, optionally followed by beta flags.
//
// Stripe's samples and SDKs send betas after the version, separated by `;`, with or without a
// space: `2026-06-24.preview; embedded_connect_beta=v2` (docs.stripe.com Connect embedded
// components, "Update the beta header used from embedded_connect_beta=v1 to
// embedded_connect_beta=v2"), `2023-10-16;embedded_connect_beta=v2` (stripe-samples), and
// stripe-node's README: "Some preview features require a name and version to be set in the
// Stripe-Version header like `feature_beta=v3` … `apiVersion: '2022-08-01; feature_beta=v3'`"
// (https://github.com/stripe/stripe-node#using-preview-features). Stripe's component pages end
// the list with a `;`: `Stripe-Version: 2026-03-25.preview; embedded_connect_beta=v2;`
// (docs.stripe.com/connect/supported-embedded-components/app-viewport; likewise app-install,
// capital-financing-promotion, reporting-chart), so one trailing `;` after a beta is accepted.
// A well-formed beta is accepted and echoed, the version before it is the one used; the only beta
// behaviour is `embedded_connect_beta=v2`'s preview components of Account Sessions
// (./preview-components.ts).

const VERSION = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;
const BETA = /^([a-z][a-z0-9_]*)=(v\d+)$/;

export interface StripeVersion {
  /** The API version, e.g. `2026-10-28.endive`. */
  version: string;
  /** Beta flags by name, e.g. `{embedded_connect_beta: 'v2'}`. */
  betas: Record<string, string>;
  /** The header as the emulator echoes it: `version; name=vN; …`. */
  header: string;
}

/** Parses a `Stripe-Version` header; undefined when it is malformed. */
export function parseStripeVersion(value: string): StripeVersion | undefined {
  const [head = '', ...rest] = value.split(';').map((part) => part.trim());
  if (!VERSION.test(head)) return undefined;
  // One trailing `;` after the last beta, as Stripe's docs write it; `version;` or `;;` stay malformed.
  if (rest.length > 1 && rest.at(-1) === '') rest.pop();
  const betas: Record<string, string> = {};
  for (const part of rest) {
    const match = BETA.exec(part);
    if (!match) return undefined;
    betas[match[1]!] = match[2]!;
  }
  const header = [head, ...Object.entries(betas).map(([name, v]) => `${name}=${v}`)].join('; ');
  return { version: head, betas, header };
}
