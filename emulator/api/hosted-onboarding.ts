// The page an Account Link's URL opens (./resources/account-links.ts): the emulator's stand-in for
// Stripe's hosted onboarding at connect.stripe.com, at Stripe's path `/setup/c/<account>/<secret>`.
// Served like the other browser stand-ins (./browser-static.ts), outside the /v1 pipeline: no key,
// an HTML page for a person's browser.
//
// As Stripe describes its links (https://docs.stripe.com/api/account_links/create):
// - single use: "URLs from the Account Links API are temporary and can only be used once"
//   (https://docs.stripe.com/connect/marketplace/tasks/onboard). The first visit spends the link
//   and renders the form with a secret of its own; a link "expired, has been previously-visited, or
//   is otherwise invalid" sends the browser to `refresh_url`, where the platform makes a new one.
// - `return_url`: where the user goes "upon leaving or completing the linked flow": after the form
//   is submitted (whether or not everything is now satisfied: the platform must look at the
//   account again), or by the page's own link without submitting.
// - What the form submits is applied to the account as the Accounts API applies it
//   (./account-onboarding.ts `applyOnboarding`), with `account.updated` to the platform's Connect
//   endpoints (https://docs.stripe.com/connect/webhooks), as a change made on Stripe's page rather
//   than by an API request (`request.id` null).
//
// The form is posted back to the same URL (same origin; a cross-site post is refused) and carries
// its secret; it is accepted once, within FORM_TTL_SECONDS of the visit. The page is never cached,
// framed or sent as a Referer to another origin (its URL is a credential), and is not CORS-readable.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Stripe from 'stripe';
import { applyOnboarding } from './account-onboarding.ts';
import { planForm, readSubmission, renderMessage, renderPage, type Submission } from './hosted-onboarding-form.ts';
import { newSecret } from './ids.ts';
import { accountLinks, type AccountLinkRecord } from './resources/account-links.ts';
import type { EmulatorRuntime } from './router.ts';
import { webhooksOf } from './webhooks/service.ts';

/** How long the form of a visited link may be submitted (Stripe documents no figure; the emulator's choice). */
export const FORM_TTL_SECONDS = 30 * 60;

const PAGE_HEADERS = {
  'cache-control': 'no-store',
  // The URL is a credential: never a Referer for another origin (return_url, refresh_url, links).
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
};

function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  // A page for top-level navigation only: no other page may read it (app.ts opens CORS for the API).
  reply.removeHeader('access-control-allow-origin');
  reply.removeHeader('access-control-expose-headers');
  return reply.code(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
}

function redirect(reply: FastifyReply, location: string): FastifyReply {
  reply.removeHeader('access-control-allow-origin');
  reply.removeHeader('access-control-expose-headers');
  return reply
    .code(303)
    .headers({ ...PAGE_HEADERS, location })
    .send();
}

/**
 * A form posted from another site: an `Origin` that is not this host's, or fetch metadata saying
 * so (a browser sends `Origin: null` where a referrer policy withholds it; fetch metadata still tells).
 */
function crossSite(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    try {
      return new URL(origin).host !== request.headers.host;
    } catch {
      return true;
    }
  }
  const site = request.headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site';
}

/** A path as the logs show it: an account link's secret (a credential for the account) masked. */
export function withoutLinkSecret(path: string): string {
  return path.replace(/^(\/setup\/c\/[^/]+\/)[^/]+/, '$1****');
}

const INVALID = renderMessage(
  'This link is not valid',
  'Ask the platform that sent you here for a new onboarding link.',
);

export function registerHostedOnboarding(
  app: FastifyInstance,
  runtime: EmulatorRuntime,
  onChange: () => void = () => {},
): void {
  const { store } = runtime;
  const nowSeconds = () => Math.floor(runtime.clock.now() / 1000);
  const platformName = () => store.platformAccount?.business_profile?.name ?? 'The platform';

  /** The link of this URL, when the URL names its account. */
  const linkOf = (request: FastifyRequest): { link: AccountLinkRecord; account: Stripe.Account } | undefined => {
    const { account: accountId, token } = request.params as { account: string; token: string };
    const link = accountLinks(store).get(token);
    const account = link && link.account === accountId ? store.accounts.get(accountId) : undefined;
    return link && account ? { link, account } : undefined;
  };

  const page = (request: FastifyRequest, link: AccountLinkRecord, account: Stripe.Account, submission?: Submission) =>
    renderPage({
      account,
      platformName: platformName(),
      plan: planForm(account, link),
      action: request.url.split('?')[0] ?? request.url,
      formToken: link.formToken!,
      returnUrl: link.returnUrl,
      ...(submission ? { submission } : {}),
    });

  app.get('/setup/c/:account/:token', async (request, reply) => {
    const found = linkOf(request);
    if (!found) return sendHtml(reply, 404, INVALID);
    const { link, account } = found;
    if (link.visited || nowSeconds() >= link.expiresAt) return redirect(reply, link.refreshUrl);
    link.visited = true;
    link.formToken = newSecret('', 32);
    link.formExpiresAt = nowSeconds() + FORM_TTL_SECONDS;
    onChange();
    return sendHtml(reply, 200, page(request, link, account));
  });

  app.post('/setup/c/:account/:token', async (request, reply) => {
    if (crossSite(request)) {
      return sendHtml(reply, 403, renderMessage('Refused', 'This form can only be submitted from its own page.'));
    }
    const found = linkOf(request);
    if (!found) return sendHtml(reply, 404, INVALID);
    const { link, account } = found;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const now = nowSeconds();
    if (
      link.completed ||
      link.formToken === null ||
      body.form_token !== link.formToken ||
      now >= (link.formExpiresAt ?? 0)
    ) {
      return redirect(reply, link.refreshUrl);
    }
    const plan = planForm(account, link);
    const ua = request.headers['user-agent'];
    const submission = readSubmission(plan, body, {
      date: now,
      ip: request.ip,
      userAgent: typeof ua === 'string' ? ua.slice(0, 500) : undefined,
    });
    if (!submission.input) return sendHtml(reply, 400, page(request, link, account, submission));

    // As POST /v1/accounts/:id applies it (./resources/accounts.ts), on a copy that replaces the account.
    const before = structuredClone(account);
    const updated = structuredClone(account);
    applyOnboarding(store, updated, submission.input, now, undefined, runtime.clock.now());
    store.accounts.replace(updated);
    link.completed = true;
    const previous: Record<string, unknown> = {};
    for (const key of Object.keys(updated) as Array<keyof Stripe.Account>) {
      if (JSON.stringify(before[key]) !== JSON.stringify(updated[key])) previous[key] = before[key];
    }
    if (Object.keys(previous).length > 0) {
      webhooksOf(runtime).record({
        type: 'account.updated',
        account: updated.id,
        object: structuredClone(updated),
        previousAttributes: previous,
      });
    }
    onChange();
    return redirect(reply, link.returnUrl);
  });
}
