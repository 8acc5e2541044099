// Connect embedded components in preview: the Account Session `components[...]` that Stripe
// accepts only under a beta `Stripe-Version`, with each entry's source.
//
// Stripe: "When using private preview components, use beta versions of the Stripe SDK … Update the
// beta header used from embedded_connect_beta=v1 to embedded_connect_beta=v2"
// (https://docs.stripe.com/connect/supported-embedded-components, "Preview components"); every
// component page's example sends `Stripe-Version: <version>; embedded_connect_beta=v2;`. The pinned
// SDK's types (api/sdk-params.json) do not list these components, so without the beta they are
// unknown parameters, as on Stripe. Stripe's furever demo sends the capital and tax ones only with
// `${latestApiVersion}; embedded_connect_beta=v2` when NEXT_PUBLIC_ENABLE_PREVIEW_COMPONENTS is set
// (stripe/stripe-connect-furever-demo, app/api/account_session/route.ts at a39d4994).
//
// Features: those Stripe's pages and beta SDK types name for the component; a component they
// describe as having none ("An empty list, because this embedded component has no features",
// stripe-node beta types) takes none. An unnamed feature is refused as an unknown parameter, as
// for every other component (docs/decisions/159).

/** The beta flag, and its version, under which Stripe accepts the preview components. */
export const PREVIEW_COMPONENTS_BETA = { name: 'embedded_connect_beta', version: 'v2' } as const;

/** A feature's parameter type: a boolean, or a list of strings (`allowed_apps[]`). */
export type PreviewFeatureKind = 'boolean' | 'string_list';

export interface PreviewComponent {
  name: string;
  features: Readonly<Record<string, PreviewFeatureKind>>;
  /** Where Stripe documents the component's Account Session parameters. */
  sources: readonly string[];
}

const FUREVER =
  'https://github.com/stripe/stripe-connect-furever-demo/blob/a39d49945127f5c76394978640ab2d44b3566177/app/api/account_session/route.ts';
const PAGE = 'https://docs.stripe.com/connect/supported-embedded-components/';

export const PREVIEW_COMPONENTS: readonly PreviewComponent[] = [
  {
    name: 'app_install',
    // "You must enable the app you want to install by specifying the features parameter under
    // allowed_apps": `-d "components[app_install][features][allowed_apps][]"=APP_ID`.
    features: { allowed_apps: 'string_list' },
    sources: [`${PAGE}app-install`],
  },
  {
    name: 'app_viewport',
    // `-d "components[app_viewport][features][allowed_apps][]=APP_ID"`.
    features: { allowed_apps: 'string_list' },
    sources: [`${PAGE}app-viewport`],
  },
  { name: 'capital_financing', features: {}, sources: [`${PAGE}capital-financing`, FUREVER] },
  {
    name: 'capital_financing_application',
    features: {},
    sources: [`${PAGE}capital-financing-application`, FUREVER],
  },
  {
    name: 'capital_financing_promotion',
    // `-H "Stripe-Version: 2024-10-28.acacia; embedded_connect_beta=v2;"
    //  -d "components[capital_financing_promotion][enabled]"=true`.
    features: {},
    sources: [`${PAGE}capital-financing-promotion`, FUREVER],
  },
  { name: 'export_tax_transactions', features: {}, sources: [`${PAGE}export-tax-transactions`, FUREVER] },
  {
    name: 'product_tax_code_selector',
    features: {},
    sources: [
      `${PAGE}product-tax-code-selector`,
      'https://docs.stripe.com/changelog/endive/2026-11-18/documents-account-session-parameters-and-responses-for-additional-connect-embedded-components',
    ],
  },
  { name: 'tax_threshold_monitoring', features: {}, sources: [`${PAGE}tax-threshold-monitoring`, FUREVER] },
];

/** Whether a request's `Stripe-Version` beta flags unlock the preview components. */
export function previewComponentsUnlocked(betas: Readonly<Record<string, string>>): boolean {
  return betas[PREVIEW_COMPONENTS_BETA.name] === PREVIEW_COMPONENTS_BETA.version;
}
