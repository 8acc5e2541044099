-- The overview (issue 20, docs/decisions/160-overview-from-the-mirror.md): what the platform's
-- first screen and the accounts list need that the mirror did not hold or could not find fast.

-- Each connected account's Issuing balance as Stripe last reported it: the `balance.available`
-- event a connected account sends carries its whole Balance object, `issuing.available` included
-- (docs.stripe.com/api/balance/balance_object). Only events write it; the reconciler does not
-- fetch balances, so this is the last known balance, shown with the time Stripe reported it.
-- `available` is Stripe's list as sent ([{amount, currency}]); `version` as the mirror's (ms).
CREATE TABLE mirror_issuing_balances (
  account_id text PRIMARY KEY,
  available jsonb NOT NULL,
  version bigint NOT NULL,
  reported_at timestamptz NOT NULL DEFAULT now()
);

-- Active and frozen cards per account (the accounts list, the overview's limits): an index-only
-- count per account instead of reading every card row of the account.
CREATE INDEX card_index_account_status_idx ON card_index (account_id, status);

-- "Reported lost, not replaced yet": whether a card has a replacement (replacement_for names the
-- card it replaces), one probe per lost card.
CREATE INDEX card_index_replacement_for_idx ON card_index (replacement_for) WHERE replacement_for IS NOT NULL;
