// Creates and mounts the standalone Issuing Elements for one reveal, and takes them down again.
// Framework-free, so that the React component only decides when.
import type { Stripe, StripeElementStyle } from '@stripe/stripe-js';
import type { RevealCredentials } from './reveal-credentials.ts';

export type RevealField = 'number' | 'cvc' | 'expiry' | 'pin';

const DISPLAY_TYPE = {
  number: 'issuingCardNumberDisplay',
  cvc: 'issuingCardCvcDisplay',
  expiry: 'issuingCardExpiryDisplay',
  pin: 'issuingCardPinDisplay',
} as const;

/** The card's PCI fields each display shows: what `retrieveIssuingCard` should `expand`. */
const EXPANSION: Record<RevealField, string | null> = { number: 'number', cvc: 'cvc', expiry: null, pin: 'pin.number' };

export function expansionsFor(fields: readonly RevealField[]): string[] {
  return fields.map((field) => EXPANSION[field]).filter((expansion): expansion is string => expansion !== null);
}

export interface FieldTargets {
  value: HTMLElement;
  copy: HTMLElement;
}

export interface MountOptions {
  stripe: Stripe;
  credentials: RevealCredentials;
  targets: Partial<Record<RevealField, FieldTargets>>;
  style: StripeElementStyle;
  copyStyle: StripeElementStyle;
  /** The copy button's `click` event: the value was copied inside Stripe's iframe. */
  onCopied: (field: RevealField) => void;
  /** An element could not load its value (the emulator reports `loaderror`; Stripe documents none). */
  onLoadError?: (field: RevealField, message: string) => void;
}

/** What every Element has in common (the per-type typings differ only in their options). */
interface MountedElement {
  mount(target: HTMLElement): void;
  destroy(): void;
  update(options: object): void;
  on(event: string, handler: (event: { error?: { message?: string } }) => void): unknown;
}

export interface MountedIssuingElements {
  /** Pushes a refreshed key and nonce into the display elements (`element.update`). */
  update(credentials: RevealCredentials): void;
  /** Unmounts and destroys every element: the values leave the page. */
  destroy(): void;
}

export function mountIssuingElements(options: MountOptions): MountedIssuingElements {
  const { stripe, credentials, targets, style, copyStyle } = options;
  const elements = stripe.elements();
  const displays: MountedElement[] = [];
  const all: MountedElement[] = [];

  for (const field of Object.keys(DISPLAY_TYPE) as RevealField[]) {
    const target = targets[field];
    if (!target) continue;
    // The typings give each Issuing type its own overload; the options are the same for all four.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(elements) below
    const create = elements.create as unknown as (type: string, options: object) => MountedElement;
    const display = create.call(elements, DISPLAY_TYPE[field], {
      issuingCard: credentials.issuingCard,
      nonce: credentials.nonce,
      ephemeralKeySecret: credentials.ephemeralKeySecret,
      style,
    });
    try {
      display.on('loaderror', (event) =>
        options.onLoadError?.(field, event.error?.message ?? 'The value could not be loaded.'),
      );
    } catch {
      // Stripe documents no events for the display elements; a Stripe.js that rejects this
      // event name must not stop the reveal.
    }
    display.mount(target.value);
    displays.push(display);
    all.push(display);

    const copy = create.call(elements, 'issuingCardCopyButton', { toCopy: field, style: copyStyle });
    copy.on('click', () => options.onCopied(field));
    copy.mount(target.copy);
    all.push(copy);
  }

  let destroyed = false;
  return {
    update(next) {
      if (destroyed) return;
      for (const display of displays)
        display.update({ nonce: next.nonce, ephemeralKeySecret: next.ephemeralKeySecret });
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const element of all) element.destroy();
    },
  };
}
