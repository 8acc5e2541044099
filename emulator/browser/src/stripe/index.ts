/*
 * The emulator's stand-in for Stripe.js (https://js.stripe.com/v3/), limited to what this project
 * uses: Issuing (ephemeral key nonces, retrieveIssuingCard, the Issuing display Elements and copy
 * button) and the Payment Element flow of "finalize payments on the server" (elements.submit,
 * createConfirmationToken, handleNextAction). Bundled by esbuild (emulator/browser/build.ts) and
 * served at GET /v3/ and /v3/stripe.js; included synchronously in <head>, so @stripe/stripe-js
 * finds window.Stripe already defined and uses it.
 *
 * Sensitive card data is fetched and shown only inside iframes on the emulator's origin
 * (frames/*.html); this script never receives a card number, CVC or PIN.
 */
import { encodeForm, type FormValue } from '../shared/form.ts';
import { CONNECTION_ERROR_MESSAGE, type StripeErrorLike } from '../shared/messages.ts';
import { HostFrames, scriptOrigin } from '../shared/origin.ts';
import { stripPciFields, type PciCard } from '../shared/pci.ts';
import { ElementsGroup, IntegrationError, type ElementsContext, type EmulatorElement } from './elements.ts';
import { HiddenFrames } from './hidden-frames.ts';
import { showThreeDsChallenge } from './three-ds.ts';

// @stripe/stripe-js warns unless Stripe.version names its release train (runtimeVersionToUrlVersion).
const RELEASE_TRAIN = 'endive';

interface StripeOptions {
  stripeAccount?: string;
  apiVersion?: string;
  betas?: unknown;
  locale?: string;
}

type RequestResult<T> = { body: T; error?: undefined } | { error: StripeErrorLike; body?: undefined };
interface PaymentIntentLike extends Record<string, unknown> {
  status: string;
  last_payment_error?: Record<string, unknown> | null;
}

function paymentIntentId(clientSecret: unknown): string | null {
  if (typeof clientSecret !== 'string') return null;
  const match = /^(pi_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/.exec(clientSecret);
  return match ? match[1]! : null;
}

function install(): void {
  const existing = (window as Window & { Stripe?: { __emulator?: boolean } }).Stripe;
  if (existing?.__emulator) return;
  const frames = new HostFrames(scriptOrigin(document.currentScript));
  const hidden = new HiddenFrames(frames);
  const liveIssuingDisplays = new Set<EmulatorElement>();

  class StripeInstance {
    private readonly wrappers: unknown[] = [];
    private readonly context: ElementsContext;
    private readonly stripeAccount: string | null;
    private readonly apiVersion: string | null;
    private readonly betas: string[];

    constructor(
      private readonly key: string,
      options: StripeOptions,
    ) {
      this.stripeAccount = options.stripeAccount || null;
      this.apiVersion = options.apiVersion || null;
      this.betas = Array.isArray(options.betas) ? options.betas.filter((b): b is string => typeof b === 'string') : [];
      this.context = { frames, hidden, betas: this.betas, retrievedCards: new Set(), liveIssuingDisplays };
      hidden.ensureController();
      if (this.betas.includes('issuing_elements_2')) hidden.ensurePool();
    }

    _registerWrapper(wrapper: unknown): void {
      if (wrapper && typeof wrapper === 'object') this.wrappers.push(wrapper);
    }

    registerAppInfo(): void {}

    private async request<T>(
      method: 'GET' | 'POST',
      path: string,
      options: { key?: string; form?: FormValue; query?: FormValue } = {},
    ): Promise<RequestResult<T>> {
      const headers: Record<string, string> = { Authorization: `Bearer ${options.key || this.key}` };
      if (this.stripeAccount && !options.key) headers['Stripe-Account'] = this.stripeAccount;
      if (this.apiVersion) headers['Stripe-Version'] = this.apiVersion;
      const init: RequestInit = { method, headers };
      let url = frames.emulatorOrigin + path;
      if (options.form !== undefined) {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        init.body = encodeForm(options.form);
      }
      if (options.query !== undefined) {
        const query = encodeForm(options.query);
        if (query) url += `?${query}`;
      }
      let response: Response;
      try {
        response = await fetch(url, init);
      } catch {
        return { error: { type: 'api_connection_error', message: CONNECTION_ERROR_MESSAGE } };
      }
      const body = (await response.json().catch(() => null)) as (T & { error?: StripeErrorLike }) | null;
      if (response.ok && body) return { body };
      return {
        error: body?.error ?? { type: 'api_error', message: `Stripe returned an error (HTTP ${response.status}).` },
      };
    }

    elements(options?: Record<string, unknown>): ElementsGroup {
      return new ElementsGroup(this.context, options);
    }

    async createEphemeralKeyNonce(
      options: { issuingCard?: unknown } | undefined,
    ): Promise<{ nonce?: string; error?: StripeErrorLike }> {
      if (!options || typeof options.issuingCard !== 'string' || !options.issuingCard) {
        throw new IntegrationError('Invalid value for createEphemeralKeyNonce: issuingCard should be a string.');
      }
      hidden.ensurePool(); // Issuing Elements are coming: have their frames loading meanwhile
      const result = await this.request<{ nonce?: string; id?: string }>('POST', '/v1/ephemeral_key_nonces', {
        form: { issuing_card: options.issuingCard },
      });
      if (result.error) return { error: result.error };
      return { nonce: result.body.nonce || result.body.id };
    }

    /**
     * Checks the key and nonce against the card and returns it without PCI fields. The controller
     * frame fetches it, with the PCI fields named in `expand` (number, cvc, pin.number), and keeps
     * those for the Issuing Elements of this page; this page never receives them. Without the
     * controller frame (not loaded in time) the card is fetched here, without PCI fields, and each
     * element fetches its own value.
     */
    async retrieveIssuingCard(
      cardId: unknown,
      options: { ephemeralKeySecret?: unknown; nonce?: unknown; expand?: unknown } | undefined,
    ): Promise<{ issuingCard?: PciCard; error?: StripeErrorLike }> {
      if (typeof cardId !== 'string' || !cardId)
        throw new IntegrationError('Invalid value for retrieveIssuingCard: issuingCard should be a string.');
      if (!options || typeof options.ephemeralKeySecret !== 'string') {
        throw new IntegrationError('Invalid value for retrieveIssuingCard: ephemeralKeySecret should be a string.');
      }
      const expand = Array.isArray(options.expand)
        ? options.expand.filter((field): field is string => typeof field === 'string')
        : [];
      const viaController = await hidden.controllerRequest<{ issuingCard?: PciCard; error?: StripeErrorLike }>(
        'retrieve-issuing-card',
        {
          issuingCard: cardId,
          ephemeralKeySecret: options.ephemeralKeySecret,
          expand,
        },
      );
      let card: PciCard;
      if (viaController) {
        if (viaController.error || !viaController.issuingCard)
          return { error: viaController.error ?? { type: 'api_error', message: 'No card.' } };
        card = viaController.issuingCard;
      } else {
        const result = await this.request<PciCard>('GET', `/v1/issuing/cards/${encodeURIComponent(cardId)}`, {
          key: options.ephemeralKeySecret,
        });
        if (result.error) return { error: result.error };
        card = result.body;
      }
      this.context.retrievedCards.add(cardId);
      return { issuingCard: stripPciFields(card) };
    }

    async retrievePaymentIntent(
      clientSecret: unknown,
    ): Promise<{ paymentIntent?: PaymentIntentLike; error?: StripeErrorLike }> {
      const id = paymentIntentId(clientSecret);
      if (!id)
        throw new IntegrationError(
          'Invalid value for retrievePaymentIntent: clientSecret should be a client secret of the form ${id}_secret_${secret}.',
        );
      const result = await this.request<PaymentIntentLike>('GET', `/v1/payment_intents/${encodeURIComponent(id)}`, {
        query: { client_secret: clientSecret as string },
      });
      return result.error ? { error: result.error } : { paymentIntent: result.body };
    }

    async createConfirmationToken(
      options: { elements?: unknown; params?: Record<string, unknown> } | undefined,
    ): Promise<Record<string, unknown>> {
      const group = options?.elements;
      if (!(group instanceof ElementsGroup))
        throw new IntegrationError('Invalid value for createConfirmationToken: elements should be an Elements group.');
      const payment = group.getElement('payment');
      if (!payment?._iframe)
        return {
          error: { type: 'invalid_request_error', message: 'createConfirmationToken needs a mounted Payment Element.' },
        };
      if (!group._submitted)
        return {
          error: {
            type: 'invalid_request_error',
            message: 'elements.submit() must be called before stripe.createConfirmationToken().',
          },
        };
      return payment._call('create-confirmation-token', {
        publishableKey: this.key,
        stripeAccount: this.stripeAccount,
        params: options?.params ?? {},
      });
    }

    async handleNextAction(options: { clientSecret?: unknown } | undefined): Promise<Record<string, unknown>> {
      const clientSecret = options?.clientSecret;
      const id = paymentIntentId(clientSecret);
      if (!id)
        throw new IntegrationError(
          'Invalid value for handleNextAction: clientSecret should be a PaymentIntent client secret.',
        );
      const before = await this.retrievePaymentIntent(clientSecret);
      if (!before.paymentIntent) return before;
      if (before.paymentIntent.status !== 'requires_action') {
        return {
          error: {
            type: 'invalid_request_error',
            code: 'payment_intent_unexpected_state',
            message: `handleNextAction: the PaymentIntent has status ${before.paymentIntent.status} and does not require an action.`,
            payment_intent: before.paymentIntent,
          },
        };
      }
      const outcome = await showThreeDsChallenge(frames, id, clientSecret as string, this.key);
      if ((outcome as { error?: unknown }).error) return outcome;
      const after = await this.retrievePaymentIntent(clientSecret);
      if (!after.paymentIntent) return after;
      const intent = after.paymentIntent;
      if (intent.status === 'requires_payment_method' && intent.last_payment_error) {
        return { error: { ...intent.last_payment_error, payment_intent: intent } };
      }
      return { paymentIntent: intent };
    }
  }

  function Stripe(publishableKey: unknown, options?: unknown): StripeInstance {
    if (typeof publishableKey !== 'string' || !publishableKey) {
      throw new IntegrationError('Please call Stripe() with your publishable key. You used an empty string.');
    }
    if (/^(sk|rk)_/.test(publishableKey)) {
      throw new IntegrationError(
        'You should not use your secret key with Stripe.js. Please pass a publishable key instead.',
      );
    }
    return new StripeInstance(publishableKey, options && typeof options === 'object' ? options : {});
  }
  Stripe.version = RELEASE_TRAIN;
  Stripe.__emulator = true;

  (window as unknown as { Stripe: typeof Stripe }).Stripe = Stripe;
  // The controller frame loads with the page (Stripe.js also mounts a hidden frame as it loads):
  // by the time the page asks for anything, the frames' process and scripts are warm.
  hidden.ensureController();
}

install();
