// The card's numbers (PAN, expiry, CVC) in the emulator's iframe, and the ephemeral key they need.
//
// Timing as Stripe documents it: "Stripe generates a nonce from the Card ID in the Issuing Card or
// Issuing Cards List component when a card is selected or loaded. Stripe then calls your callback
// function which returns an ephemeral key, and then renders a Show numbers button if the ephemeral
// key is valid." (https://docs.stripe.com/issuing/connect/embedded-components#sensitive-data-display)
// So the key is fetched as soon as a card is shown (each card the list opens, each card the card
// component selects), and no key means no button. "Show numbers" then only mounts the frame,
// which fetches the card with that key. The number exists only in that frame.
import { h } from '../shared/dom.ts';
import type { HostFrames } from '../shared/origin.ts';
import type { Connector } from './connector.ts';
import { ConnectError, errorMessage } from './errors.ts';
import type { Card, FetchEphemeralKey } from './types.ts';
import type { AppearanceVariables } from '../shared/appearance.ts';

/** Issuing ephemeral keys last 15 minutes (docs.stripe.com/issuing/elements); a key older than this is replaced before use. */
const KEY_REUSE_MS = 14 * 60 * 1000;

export interface NumbersHost {
  readonly connector: Connector | null;
  readonly fetchEphemeralKey: FetchEphemeralKey | null;
  readonly locale: string | undefined;
  readonly appearance: AppearanceVariables;
  readonly frames: HostFrames;
}

interface CardKey {
  issuingCard: string;
  nonce: string;
  ephemeralKeySecret: string;
  fetchedAt: number;
}

type State = 'none' | 'key-loading' | 'ready' | 'frame-loading' | 'shown';

export class CardNumbers {
  readonly el: HTMLDivElement = h('div', { class: 'reveal' });
  private card: Card;
  private state: State = 'none';
  private key: CardKey | null = null;
  private attempt: object = {};
  private iframe: HTMLIFrameElement | null = null;

  constructor(
    private readonly host: NumbersHost,
    card: Card,
  ) {
    this.card = card;
    this.refresh();
  }

  /**
   * The components display sensitive data "for virtual cards" (docs.stripe.com/issuing/connect/embedded-components#sensitive-data-display):
   * a physical or canceled card gets no key and no button.
   */
  private canReveal(): boolean {
    return (
      typeof this.host.fetchEphemeralKey === 'function' &&
      this.card.type === 'virtual' &&
      this.card.status !== 'canceled'
    );
  }

  /** A new card or a changed one (status): a new card gets its own key; a canceled one none. */
  setCard(card: Card): void {
    const changed = card.id !== this.card.id;
    this.card = card;
    if (changed) this.clear();
    this.refresh();
  }

  /** Fetches the key when there should be one and is none (card loaded, callback set); drops everything when there should be none. */
  refresh(): void {
    if (!this.canReveal()) {
      this.clear();
      this.render();
      return;
    }
    if (this.state === 'none') void this.loadKey();
    else this.render();
  }

  private clear(): void {
    if (this.iframe) this.host.frames.delete(this.iframe);
    this.iframe = null;
    this.key = null;
    this.state = 'none';
    this.attempt = {};
  }

  private async fetchKey(): Promise<CardKey> {
    const connector = this.host.connector;
    const fetchEphemeralKey = this.host.fetchEphemeralKey;
    if (!connector || !fetchEphemeralKey) throw new ConnectError('invalid_request_error', 'No ephemeral key callback.');
    const card = this.card;
    const nonceResponse = await connector.api<{ nonce?: string; id?: string }>('POST', '/v1/ephemeral_key_nonces', {
      issuing_card: card.id,
    });
    const nonce = nonceResponse.nonce || nonceResponse.id;
    if (!nonce) throw new ConnectError('api_error', 'Stripe did not return an ephemeral key nonce.');
    const result = await fetchEphemeralKey({ issuingCard: card.id, nonce });
    if (!result || typeof result.ephemeralKeySecret !== 'string' || !result.ephemeralKeySecret) {
      throw new Error('fetchEphemeralKey must resolve to { issuingCard, nonce, ephemeralKeySecret }.');
    }
    if (result.issuingCard && result.issuingCard !== card.id)
      throw new Error('The ephemeral key is for a different card.');
    return {
      issuingCard: card.id,
      nonce: result.nonce || nonce,
      ephemeralKeySecret: result.ephemeralKeySecret,
      fetchedAt: Date.now(),
    };
  }

  private async loadKey(): Promise<void> {
    const attempt = {};
    this.attempt = attempt;
    this.state = 'key-loading';
    this.render();
    try {
      const key = await this.fetchKey();
      if (this.attempt !== attempt) return;
      this.key = key;
      this.state = 'ready';
    } catch (error) {
      if (this.attempt !== attempt) return;
      // No key, no button. Stripe documents no message for a refused key; the integrator's
      // callback knows why (its own server said so) and can tell the user.
      this.key = null;
      this.state = 'none';
      this.el.dataset.keyError = errorMessage(error, 'refused');
      this.el.replaceChildren();
      return;
    }
    this.render();
  }

  private render(): void {
    delete this.el.dataset.keyError;
    if (!this.canReveal() || this.state === 'none' || this.state === 'key-loading') {
      this.el.replaceChildren();
      return;
    }
    if (this.state === 'shown' || this.state === 'frame-loading') return; // the iframe stays (moving it reloads it)
    this.el.replaceChildren(
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', 'data-reveal': 'show', onclick: () => void this.show() }, 'Show numbers'),
      ),
    );
  }

  private async show(): Promise<void> {
    if (!this.key) return;
    if (Date.now() - this.key.fetchedAt > KEY_REUSE_MS) {
      // An expired key would only show an error in the frame: get a fresh one first.
      this.clear();
      await this.loadKey();
      if (!this.key) return;
    }
    this.mountFrame(this.key);
  }

  private mountFrame(key: CardKey): void {
    const frames = this.host.frames;
    const iframe = h('iframe', {
      class: 'card-details',
      title: `Card details for card ending in ${this.card.last4}`,
      src: frames.url('card-details.html'),
      allow: 'clipboard-write',
    });
    const status = h('p', { role: 'status', class: 'status' }, 'Loading card details…');
    const button = h('button', { type: 'button', 'data-reveal': 'hide', onclick: () => this.hide() }, 'Hide numbers');
    this.state = 'frame-loading';
    this.iframe = iframe;
    frames.set(iframe, (data) => {
      if (data.type === 'ready') {
        frames.post(iframe, {
          type: 'show-card',
          issuingCard: key.issuingCard,
          nonce: key.nonce,
          ephemeralKeySecret: key.ephemeralKeySecret,
          appearance: this.host.appearance,
          locale: this.host.locale,
        });
      } else if (data.type === 'resize' && typeof data.height === 'number') {
        iframe.style.height = `${Math.max(40, Math.ceil(data.height))}px`;
      } else if (data.type === 'loaded') {
        this.state = 'shown';
        status.textContent = 'Card details shown.';
      } else if (data.type === 'error') {
        status.setAttribute('role', 'alert');
        status.className = 'alert';
        status.textContent = typeof data.message === 'string' ? data.message : "Couldn't load the card details.";
      }
    });
    this.el.replaceChildren(h('div', { class: 'actions' }, button), status, iframe);
    button.focus();
  }

  private hide(): void {
    if (this.iframe) this.host.frames.delete(this.iframe);
    this.iframe = null;
    this.state = this.key ? 'ready' : 'none';
    this.render();
    this.el.querySelector<HTMLButtonElement>('button[data-reveal]')?.focus();
  }

  onAppearanceChange(): void {
    if (this.iframe) this.host.frames.post(this.iframe, { type: 'appearance', appearance: this.host.appearance });
  }

  destroy(): void {
    this.clear();
  }
}
