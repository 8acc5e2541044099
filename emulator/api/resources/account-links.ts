// Account Links (https://docs.stripe.com/api/account_links/create): "a single-use Stripe URL that
// the platform can redirect their user to in order to take them through the Connect Onboarding
// flow". The URL is the emulator's own hosted onboarding page (../hosted-onboarding.ts), at the
// path Stripe's links use (`https://connect.stripe.com/setup/c/acct_…/…` in Stripe's example).
//
// Stripe's rules, as its API reference and guides state them:
// - `account` and `type` are required; `refresh_url` and `return_url` are marked "Required" in the
//   API reference ("refresh_url stringRequired", "return_url stringRequired") and "A valid URL" in
//   https://docs.stripe.com/connect/marketplace/tasks/onboard (the SDK types them optional).
//   A relative or non-http(s) URL is refused as Stripe refuses them: "Not a valid URL". Live mode
//   needs https ("Livemode requests must always be redirected via HTTPS.", Subscribie/subscribie#1474);
//   the emulator is test mode, where http (localhost) is allowed.
// - `type=account_update`: "You can create Account Links of type account_update only for connected
//   accounts where your platform is responsible for collecting requirements, including Custom
//   accounts. You can't create them for accounts that have access to a Stripe-hosted Dashboard."
// - "URLs from the Account Links API are temporary and can only be used once"; `refresh_url` is
//   where "the user will be redirected to if the account link is expired, has been
//   previously-visited, or is otherwise invalid"; `return_url` "upon leaving or completing the
//   linked flow". The link expires 300 s after creation (Stripe's example object: created
//   1680577733, expires_at 1680578033).
// - `collection_options.fields` (`currently_due`, the default, or `eventually_due`) and
//   `future_requirements` (`omit`, the default, or `include`); `collect` is the deprecated form of
//   `fields`.
import { newSecret } from '../ids.ts';
import { StripeApiError, exclusiveParameters, invalidParam, missingParameter, resourceMissing } from '../errors.ts';
import { p } from '../params.ts';
import { defineResource } from '../router.ts';
import type { EmulatorStore } from '../store.ts';

/** Stripe's example link lives 300 s (created 1680577733, expires_at 1680578033). */
export const ACCOUNT_LINK_TTL_SECONDS = 300;
/** Links are kept a day after they expire, then forgotten (an unknown link is answered like an invalid one). */
const FORGET_AFTER_SECONDS = 24 * 60 * 60;

export type AccountLinkType = 'account_onboarding' | 'account_update';

export interface AccountLinkRecord {
  /** The secret part of the URL. */
  token: string;
  account: string;
  type: AccountLinkType;
  refreshUrl: string;
  returnUrl: string;
  /** `collection_options.fields` (or the deprecated `collect`). */
  fields: 'currently_due' | 'eventually_due';
  futureRequirements: 'include' | 'omit';
  created: number;
  expiresAt: number;
  /** The page was opened: the link is spent ("previously-visited" links go to refresh_url). */
  visited: boolean;
  /** The secret of the form the first visit rendered: its submission is accepted once, with it. */
  formToken: string | null;
  /** Until when that form may be submitted (seconds). */
  formExpiresAt: number | null;
  /** The form was submitted and applied. */
  completed: boolean;
}

export function accountLinks(store: EmulatorStore): Map<string, AccountLinkRecord> {
  return store.global('account_links.links', () => new Map<string, AccountLinkRecord>());
}

/** The page of a link: Stripe's path (`/setup/c/<account>/<secret>`) on the emulator's public origin. */
export function accountLinkUrl(publicUrl: string, record: Pick<AccountLinkRecord, 'account' | 'token'>): string {
  return `${publicUrl.replace(/\/$/, '')}/setup/c/${encodeURIComponent(record.account)}/${record.token}`;
}

/** An absolute http(s) URL, as Stripe requires ("Not a valid URL" otherwise). */
function validUrl(value: string, param: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidParam('Not a valid URL', param, 'url_invalid');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidParam('Not a valid URL', param, 'url_invalid');
  return value;
}

export default defineResource({
  name: 'account_links',
  routes: [
    {
      method: 'POST',
      path: '/v1/account_links',
      params: {
        account: p.string({ required: true }),
        type: p.enum(['account_onboarding', 'account_update'], { required: true }),
        refresh_url: p.string(),
        return_url: p.string(),
        collect: p.enum(['currently_due', 'eventually_due']),
        collection_options: p.object({
          fields: p.enum(['currently_due', 'eventually_due']),
          future_requirements: p.enum(['include', 'omit']),
        }),
      },
      handler: (ctx, params) => {
        // Links are the platform's to make for its connected accounts.
        if (ctx.account !== ctx.store.platformAccountId) {
          throw new StripeApiError(
            403,
            'Only the platform can create account links for its connected accounts; remove the Stripe-Account header.',
            { idempotent: false },
          );
        }
        const accountId = params.account as string;
        if (accountId === ctx.store.platformAccountId) {
          throw invalidParam(
            'You cannot create an account link for your own account: pass the id of one of your connected accounts.',
            'account',
          );
        }
        const account = ctx.store.accounts.get(accountId);
        if (!account) throw resourceMissing('account', accountId, 'account', 400);
        if (params.refresh_url === undefined) throw missingParameter('refresh_url');
        if (params.return_url === undefined) throw missingParameter('return_url');
        const refreshUrl = validUrl(params.refresh_url as string, 'refresh_url');
        const returnUrl = validUrl(params.return_url as string, 'return_url');
        if (params.collect !== undefined && params.collection_options !== undefined) {
          throw exclusiveParameters('collect', 'collection_options');
        }
        const type = params.type as AccountLinkType;
        if (
          type === 'account_update' &&
          (account.controller?.requirement_collection !== 'application' ||
            (account.controller?.stripe_dashboard?.type ?? 'none') !== 'none')
        ) {
          throw invalidParam(
            'You can create Account Links of type `account_update` only for connected accounts where your platform is responsible for collecting requirements and that have no access to a Stripe-hosted Dashboard.',
            'type',
          );
        }
        const options = (params.collection_options ?? {}) as { fields?: string; future_requirements?: string };
        const created = ctx.now();
        const links = accountLinks(ctx.store);
        for (const [token, old] of links) if (old.expiresAt + FORGET_AFTER_SECONDS < created) links.delete(token);
        const record: AccountLinkRecord = {
          token: newSecret('', 32),
          account: accountId,
          type,
          refreshUrl,
          returnUrl,
          fields: ((params.collect as string | undefined) ?? options.fields ?? 'currently_due') as
            'currently_due' | 'eventually_due',
          futureRequirements: (options.future_requirements ?? 'omit') as 'include' | 'omit',
          created,
          expiresAt: created + ACCOUNT_LINK_TTL_SECONDS,
          visited: false,
          formToken: null,
          formExpiresAt: null,
          completed: false,
        };
        links.set(record.token, record);
        return {
          object: 'account_link',
          created: record.created,
          expires_at: record.expiresAt,
          url: accountLinkUrl(ctx.runtime.publicUrl, record),
        };
      },
    },
  ],
});
