/*
 * The emulator's stand-in for https://connect-js.stripe.com/v1.0/connect.js (Connect embedded
 * components), limited to what this project embeds: <stripe-connect-issuing-cards-list> and
 * <stripe-connect-issuing-card>. Bundled by esbuild (emulator/browser/build.ts) and served at
 * GET /v1.0/connect.js; included synchronously in <head>, so that @stripe/connect-js finds
 * window.StripeConnect.init already defined and uses it instead of injecting Stripe's script.
 *
 * Contract (docs/architecture.md): the Account Session client secret is exchanged once for an
 * `emcs_` token (connector.ts). Card numbers are shown only inside an iframe on the emulator's
 * origin (frames/card-details.html), never in this page's DOM or JavaScript.
 */
import { HostFrames, scriptOrigin } from '../shared/origin.ts';
import { defineCardsList } from './cards-list.ts';
import { Connector, type InitParams, type UpdateOptions } from './connector.ts';
import type { ConnectElement } from './element.ts';
import { defineIssuingCard } from './issuing-card.ts';

interface StripeConnectGlobal {
  init?: (params: InitParams) => unknown;
  __emulator?: boolean;
  [key: string]: unknown;
}

declare global {
  interface Window {
    StripeConnect?: StripeConnectGlobal;
  }
}

function install(): void {
  if (window.StripeConnect?.__emulator) return; // loaded twice
  const frames = new HostFrames(scriptOrigin(document.currentScript));
  if (!customElements.get('stripe-connect-issuing-cards-list'))
    customElements.define('stripe-connect-issuing-cards-list', defineCardsList(frames));
  if (!customElements.get('stripe-connect-issuing-card'))
    customElements.define('stripe-connect-issuing-card', defineIssuingCard(frames));

  function init(params: InitParams) {
    if (!params || typeof params !== 'object') throw new Error('StripeConnect.init expects an options object.');
    if (typeof params.publishableKey !== 'string' || !/^pk_/.test(params.publishableKey)) {
      throw new Error('StripeConnect.init: publishableKey must be a publishable key (pk_…).');
    }
    if (typeof params.fetchClientSecret !== 'function') {
      throw new Error(
        'StripeConnect.init: fetchClientSecret must be a function returning the Account Session client secret.',
      );
    }
    const connector = new Connector(frames.emulatorOrigin, params);
    return {
      connect: connector,
      update: (options: UpdateOptions) => connector.update(options),
      logout: () => connector.logout(),
      // Plain script use (without @stripe/connect-js): create an element already connected.
      create: (tagName: string) => {
        const element = document.createElement(
          tagName.startsWith('stripe-connect-') ? tagName : `stripe-connect-${tagName}`,
        );
        if (typeof (element as Partial<ConnectElement>).setConnector === 'function')
          (element as ConnectElement).setConnector(connector);
        return element;
      },
    };
  }

  const existing = window.StripeConnect && typeof window.StripeConnect === 'object' ? window.StripeConnect : {};
  window.StripeConnect = Object.assign(existing, { init, __emulator: true });
}

install();
