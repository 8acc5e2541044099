// One Connect.js instance per connected account: an Account Session belongs to one account, so
// switching accounts means a new instance (and the old one is logged out, which ends its
// session at Stripe). Kept outside React so that re-renders and StrictMode's double effects
// never create a second instance for the same account.
// The pure entry loads Connect.js on first use, not on import (the layout imports this file).
import { loadConnectAndInitialize, type StripeConnectInstance } from '@stripe/connect-js/dist/pure.esm.js';
import { connectAppearanceVariables } from '../../../app/appearance.ts';
import { onSessionReplaced } from '../../../lib/session-events.ts';
import { fetchClientSecret } from '../api/create-account-session.ts';

// The URL @stripe/connect-js injects; in emulator mode the page already defines
// window.StripeConnect (the server adds the emulator's script) and nothing is fetched.
const CONNECT_JS_URL = 'https://connect-js.stripe.com/v1.0/connect.js';

type SessionErrorListener = (error: unknown) => void;

interface Entry {
  account: string;
  publishableKey: string;
  instance: StripeConnectInstance;
  sessionError?: unknown;
  listeners: Set<SessionErrorListener>;
}

let current: Entry | undefined;
let connectJs: Promise<void> | undefined;

function connectJsDefined(): boolean {
  const candidate = (window as { StripeConnect?: { init?: unknown } }).StripeConnect;
  return typeof candidate?.init === 'function';
}

/**
 * Resolves once window.StripeConnect exists. The official loader reports a failed script
 * (offline, blocked by an extension) only as an unhandled rejection, leaving the components
 * blank; loading it here first lets the page say what went wrong. The loader then finds the
 * script already defined and uses it.
 */
export function connectJsReady(): Promise<void> {
  connectJs ??= new Promise<void>((resolve, reject) => {
    if (connectJsDefined()) return resolve();
    let script = document.querySelector<HTMLScriptElement>(`script[src="${CONNECT_JS_URL}"]`);
    if (!script) {
      script = document.createElement('script');
      script.src = CONNECT_JS_URL;
      document.head.append(script);
    }
    script.addEventListener('load', () =>
      connectJsDefined() ? resolve() : reject(new Error('Stripe’s Connect.js loaded but did not start.')),
    );
    script.addEventListener('error', () => {
      script.remove(); // so that a retry adds a fresh tag instead of waiting on this dead one
      reject(
        new Error('Could not load Stripe’s Connect.js. Check the connection or any content blocker, then try again.'),
      );
    });
  }).catch((error: unknown) => {
    connectJs = undefined; // a later attempt (Try again) may succeed
    throw error;
  });
  return connectJs;
}

// What @stripe/connect-js's loader logs when it finds window.StripeConnect already defined.
const EXISTING_SCRIPT_NOTICE = 'loadConnect was called but an existing Connect.js script already exists';

/**
 * Runs the loader without its notice that Connect.js is already on the page: it always is here,
 * by design (connectJsReady() loads it first so that a failed load can be shown and retried; in
 * emulator mode the page includes the stand-in). Connect.js is loaded once; the loader only says
 * it found it, on every page with a component, where it read as "loaded twice" (issue 12). Only
 * that message, only during the loader's synchronous call (the pure entry checks the script
 * there); every other warning goes through.
 */
function withoutExistingScriptNotice<T>(load: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith(EXISTING_SCRIPT_NOTICE)) return;
    warn.apply(console, args);
  };
  try {
    return load();
  } finally {
    console.warn = warn;
  }
}

export function connectInstanceFor(account: string, publishableKey: string): StripeConnectInstance {
  if (current && current.account === account && current.publishableKey === publishableKey) return current.instance;
  endConnectSession();
  const entry: Entry = { account, publishableKey, instance: undefined as never, listeners: new Set() };
  entry.instance = withoutExistingScriptNotice(() =>
    loadConnectAndInitialize({
      publishableKey,
      // Connect.js calls this at start and again whenever its session expires. A refusal (no
      // access to the account, server down) is reported to the page, not only to Connect.
      fetchClientSecret: async () => {
        try {
          const secret = await fetchClientSecret(account);
          entry.sessionError = undefined;
          return secret;
        } catch (error) {
          entry.sessionError = error;
          for (const listener of entry.listeners) listener(error);
          throw error;
        }
      },
      appearance: { overlays: 'dialog', variables: connectAppearanceVariables },
    }),
  );
  current = entry;
  return entry.instance;
}

/** Calls `listener` when the account's session cannot be created (also for a past failure). */
export function onSessionError(instance: StripeConnectInstance, listener: SessionErrorListener): () => void {
  const entry = current?.instance === instance ? current : undefined;
  if (!entry) return () => undefined;
  entry.listeners.add(listener);
  if (entry.sessionError !== undefined) listener(entry.sessionError);
  return () => entry.listeners.delete(listener);
}

/** Ends the current account's embedded session (on sign-out, when switching accounts, on retry). */
export function endConnectSession(): void {
  const previous = current;
  current = undefined;
  // A session that never started has nothing to end; logout() then rejects, harmlessly.
  previous?.instance.logout().catch(() => undefined);
}

// A second-factor check replaced the app session: the embedded components start a new Account
// Session when they mount next, instead of being refused (lib/session-events.ts).
onSessionReplaced(endConnectSession);
