// The platform's Issuing settings, as far as the emulator needs them: the real-time authorization
// endpoint. On Stripe it is not a webhook endpoint of the API: "Your webhook endpoint can be
// configured in your settings (dashboard.stripe.com/account/issuing)" and "Your synchronous
// webhook is only used for authorization requests. All other notifications are sent to your
// regular webhook endpoint." (https://docs.stripe.com/issuing/controls/real-time-authorizations).
// Test mode has its own ("make sure that you've set the test endpoint in your Issuing settings",
// https://docs.stripe.com/issuing/testing). Stripe has no API for this setting, so the emulator
// takes it in an emulator-only way: `POST /_emulator/issuing/settings` (JSON), the start option
// `authorizationWebhookUrl` / `authorizationWebhookSecret`, or EMULATOR_AUTHORIZATION_WEBHOOK_URL /
// EMULATOR_AUTHORIZATION_WEBHOOK_SECRET. One setting serves the platform and every connected
// account (the event carries `account`), as the platform's Dashboard setting does.
import type { FastifyInstance } from 'fastify';
import type { EmulatorStore } from '../store.ts';
import { newWebhookSecret } from '../webhooks/signature.ts';

export interface AuthorizationEndpoint {
  url: string;
  /** The `whsec_…` the requests are signed with (Stripe-Signature), as for any webhook. */
  secret: string;
}

interface IssuingSettings {
  authorizationEndpoint: AuthorizationEndpoint | null;
}

const SETTINGS_KEY = 'issuing.settings';

function settings(store: EmulatorStore): IssuingSettings {
  return store.global<IssuingSettings>(SETTINGS_KEY, () => ({ authorizationEndpoint: null }));
}

export function authorizationEndpoint(store: EmulatorStore): AuthorizationEndpoint | null {
  return settings(store).authorizationEndpoint;
}

export class SettingsError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

function checkUrl(url: unknown, field: string): string {
  if (typeof url !== 'string') throw new SettingsError(`${field} must be an http(s) URL`, field);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SettingsError(`${field} must be an http(s) URL`, field);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new SettingsError(`${field} must be an http(s) URL`, field);
  return url;
}

function checkSecret(secret: unknown, field: string): string | undefined {
  if (secret === undefined) return undefined;
  if (typeof secret !== 'string' || !/^whsec_[A-Za-z0-9_]{1,200}$/.test(secret))
    throw new SettingsError(`${field} must look like whsec_…`, field);
  return secret;
}

/** Sets (or, with null, removes) the real-time authorization endpoint; a secret is generated when omitted. */
export function setAuthorizationEndpoint(
  store: EmulatorStore,
  input: { url: string; secret?: string } | null,
): AuthorizationEndpoint | null {
  const current = settings(store);
  if (input === null) {
    current.authorizationEndpoint = null;
    return null;
  }
  const url = checkUrl(input.url, 'url');
  const secret = checkSecret(input.secret, 'secret') ?? newWebhookSecret();
  current.authorizationEndpoint = { url, secret };
  return current.authorizationEndpoint;
}

function render(store: EmulatorStore) {
  const endpoint = authorizationEndpoint(store);
  return {
    object: 'emulator.issuing_settings',
    authorization_webhook: endpoint ? { url: endpoint.url, secret: endpoint.secret } : null,
  };
}

/**
 * Emulator only: `GET /_emulator/issuing/settings`; `POST` with JSON
 * `{authorization_webhook: {url, secret?} | null}` (the Dashboard's Issuing settings page).
 */
export function registerIssuingSettings(
  app: FastifyInstance,
  store: EmulatorStore,
  onChange: () => void = () => {},
): void {
  app.get('/_emulator/issuing/settings', async () => render(store));
  app.post('/_emulator/issuing/settings', async (request, reply) => {
    const body = request.body as Record<string, unknown> | null;
    try {
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new SettingsError('the body must be a JSON object', 'body');
      for (const key of Object.keys(body))
        if (key !== 'authorization_webhook') throw new SettingsError(`unknown field "${key}"`, key);
      const hook = body.authorization_webhook;
      if (hook === null) setAuthorizationEndpoint(store, null);
      else if (typeof hook === 'object' && hook !== undefined && !Array.isArray(hook)) {
        const { url, secret, ...rest } = hook as Record<string, unknown>;
        const unknown = Object.keys(rest)[0];
        if (unknown)
          throw new SettingsError(
            `unknown field "authorization_webhook.${unknown}"`,
            `authorization_webhook.${unknown}`,
          );
        setAuthorizationEndpoint(store, {
          url: checkUrl(url, 'authorization_webhook.url'),
          secret: checkSecret(secret, 'authorization_webhook.secret'),
        });
      } else throw new SettingsError('authorization_webhook must be {url, secret?} or null', 'authorization_webhook');
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      return reply.code(400).send({
        error: {
          type: 'invalid_request_error',
          message: `Invalid Issuing settings: ${error.message}`,
          param: error.field,
        },
      });
    }
    onChange();
    return render(store);
  });
}
