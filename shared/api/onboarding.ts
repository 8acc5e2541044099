// Hosted onboarding (docs/decisions/157-hosted-onboarding.md): POST /api/accounts/:account/onboarding-link
// answers Stripe's single-use onboarding URL for the browser to go to; GET
// /api/accounts/:account/onboarding re-reads the account on Stripe when the user comes back.
import { Type, type Static } from 'typebox';
import { IssuingReadiness } from './accounts.ts';

export const OnboardingLinkResponse = Type.Object({
  /** Stripe's hosted onboarding page (connect.stripe.com; the emulator's page offline): single use. */
  url: Type.String(),
  expires_at: Type.Integer(),
});
export type OnboardingLinkResponse = Static<typeof OnboardingLinkResponse>;

export const OnboardingStatusResponse = Type.Object({ card_issuing: IssuingReadiness });
export type OnboardingStatusResponse = Static<typeof OnboardingStatusResponse>;
