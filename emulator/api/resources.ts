// Every /v1 resource the emulator serves. Adding a resource = one file in ./resources/ plus one
// line here.
import accountLinks from './resources/account-links.ts';
import accountSessions from './resources/account-sessions.ts';
import accounts from './resources/accounts.ts';
import accountCapabilities from './resources/account-capabilities.ts';
import externalAccounts from './resources/external-accounts.ts';
import balance from './resources/balance.ts';
import balanceTransactions from './resources/balance-transactions.ts';
import ephemeralKeyNonces from './resources/ephemeral-key-nonces.ts';
import ephemeralKeys from './resources/ephemeral-keys.ts';
import events from './resources/events.ts';
import issuingCardholders from './resources/issuing-cardholders.ts';
import issuingCards from './resources/issuing-cards.ts';
import issuingAuthorizations from './resources/issuing-authorizations.ts';
import issuingFundingInstructions from './resources/issuing-funding-instructions.ts';
import testHelpersIssuing from './resources/test-helpers-issuing.ts';
import confirmationTokens from './resources/confirmation-tokens.ts';
import paymentIntents from './resources/payment-intents.ts';
import topups from './resources/topups.ts';
import webhookEndpoints from './resources/webhook-endpoints.ts';
import type { Resource } from './router.ts';

export const resources: readonly Resource[] = [
  accounts,
  accountCapabilities,
  externalAccounts,
  accountSessions,
  accountLinks,
  issuingCardholders,
  issuingCards,
  ephemeralKeyNonces,
  ephemeralKeys,
  issuingAuthorizations,
  testHelpersIssuing,
  confirmationTokens,
  paymentIntents,
  events,
  webhookEndpoints,
  balance,
  topups,
  balanceTransactions,
  issuingFundingInstructions,
];
