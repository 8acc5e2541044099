import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';
import type { Config } from '../../config.ts';

/**
 * The Content-Security-Policy: our own origin plus exactly the Stripe origins Stripe documents
 * for Connect embedded components and Stripe.js
 * (docs.stripe.com/connect/get-started-connect-embedded-components#csp-and-http-header-requirements,
 * docs.stripe.com/security/guide#content-security-policy), or, in emulator mode, the
 * emulator's origin in their place.
 */
export function cspDirectives(config: Config): Record<string, string[] | null> {
  const stripe = config.emulator
    ? {
        script: [config.emulator.publicUrl],
        frame: [config.emulator.publicUrl],
        connect: [config.emulator.publicUrl],
        img: [config.emulator.publicUrl],
      }
    : {
        script: ['https://connect-js.stripe.com', 'https://js.stripe.com', 'https://*.js.stripe.com'],
        frame: [
          'https://connect-js.stripe.com',
          'https://js.stripe.com',
          'https://*.js.stripe.com',
          'https://hooks.stripe.com',
        ],
        // issuing-key.stripe.com: the browser fetches the Issuing PIN key itself to encrypt a PIN
        // (docs.stripe.com/issuing/cards/pin-management).
        connect: ['https://api.stripe.com', 'https://issuing-key.stripe.com'],
        img: ['https://*.stripe.com'],
      };
  const https = config.publicUrl.startsWith('https://');
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'", ...stripe.script],
    'frame-src': stripe.frame,
    'connect-src': ["'self'", ...stripe.connect],
    'img-src': ["'self'", 'data:', ...stripe.img],
    // Connect.js and the React app set inline styles; scripts stay strict. See docs/decisions/003-csp.md.
    'style-src': ["'self'", "'unsafe-inline'"],
    'font-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    ...(https ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

export default fp(
  async (app) => {
    const https = app.config.publicUrl.startsWith('https://');
    await app.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(app.config) },
      // Connect embedded components need Cross-Origin-Opener-Policy: unsafe-none (the browser
      // default) for their authentication popups; helmet would set same-origin.
      crossOriginOpenerPolicy: false,
      // The emulator's scripts and frames are cross-origin resources the page must load.
      crossOriginEmbedderPolicy: false,
      crossOriginResourcePolicy: { policy: 'same-origin' },
      hsts: https ? { maxAge: 15552000, includeSubDomains: true } : false,
      referrerPolicy: { policy: 'same-origin' },
    });
  },
  { name: 'helmet', dependencies: ['config'] },
);
