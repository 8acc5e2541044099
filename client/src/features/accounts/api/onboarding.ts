// Hosted onboarding (docs/decisions/157-hosted-onboarding.md): Stripe's single-use onboarding link
// for an account, and the account read again on Stripe when the user comes back from it.
import { api } from '../../../lib/api-client.ts';
import type { OnboardingLinkResponse, OnboardingStatusResponse } from '@shared/api.ts';

const base = (account: string) => `/api/accounts/${encodeURIComponent(account)}`;

export function createOnboardingLink(account: string): Promise<OnboardingLinkResponse> {
  return api.post<OnboardingLinkResponse>(`${base(account)}/onboarding-link`);
}

export function getOnboardingStatus(account: string): Promise<OnboardingStatusResponse> {
  return api.get<OnboardingStatusResponse>(`${base(account)}/onboarding`);
}
