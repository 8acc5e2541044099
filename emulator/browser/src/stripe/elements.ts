// Elements: the four Issuing displays and `issuingCardCopyButton` (frames/issuing-element.html) and
// `payment` (frames/payment-element.html), each with mount, unmount, destroy, update, on/once/off,
// focus, blur, clear; and the group (`stripe.elements()`): create, getElement, update, submit,
// fetchUpdates.
import type { FrameMessage, StripeErrorLike } from '../shared/messages.ts';
import type { HostFrames } from '../shared/origin.ts';
import { makeIframe, type HiddenFrames } from './hidden-frames.ts';

export const ISSUING_DISPLAY_TYPES = [
  'issuingCardNumberDisplay',
  'issuingCardCvcDisplay',
  'issuingCardExpiryDisplay',
  'issuingCardPinDisplay',
];
const ISSUING_TYPES = [...ISSUING_DISPLAY_TYPES, 'issuingCardCopyButton'];
const ISSUING_TITLES: Record<string, string> = {
  issuingCardNumberDisplay: 'Card number',
  issuingCardCvcDisplay: 'Card CVC',
  issuingCardExpiryDisplay: 'Card expiry date',
  issuingCardPinDisplay: 'Card PIN',
  issuingCardCopyButton: 'Copy button',
};
const COPY_TARGETS = ['expiry', 'cvc', 'number', 'pin'];

export class IntegrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrationError';
  }
}

/** What the elements need of the page's stripe.js. */
export interface ElementsContext {
  frames: HostFrames;
  hidden: HiddenFrames;
  betas: readonly string[];
  retrievedCards: Set<string>;
  /** Display elements now mounted: the controller may drop a card no one of them uses. */
  liveIssuingDisplays: Set<EmulatorElement>;
}

export type ElementOptions = Record<string, unknown> & {
  issuingCard?: unknown;
  ephemeralKeySecret?: unknown;
  nonce?: unknown;
  toCopy?: unknown;
  style?: unknown;
};
type Listener = { handler: (event: Record<string, unknown>) => void; once: boolean };
export type FrameResult = Record<string, unknown> & { error?: StripeErrorLike };

let elementCounter = 0;

export class EmulatorElement {
  readonly _id: string;
  _options: ElementOptions;
  _iframe: HTMLIFrameElement | null = null;
  _frameReady = false;
  private container: HTMLDivElement | null = null;
  private listeners: Record<string, Listener[]> = {};
  private readyWaiters: (() => void)[] = [];
  private readonly pending = new Map<string, (result: FrameResult) => void>();
  private destroyed = false;

  constructor(
    readonly _group: ElementsGroup,
    readonly _type: string,
    options: ElementOptions | undefined,
    private readonly context: ElementsContext,
  ) {
    elementCounter += 1;
    this._id = `emulator-element-${elementCounter}`;
    this._options = { ...(options ?? {}) };
  }

  private get page(): string {
    return this._type === 'payment' ? 'payment-element.html' : 'issuing-element.html';
  }

  mount(target: string | Element): void {
    if (this.destroyed) throw new IntegrationError('This Element has already been destroyed. Please create a new one.');
    const parent = typeof target === 'string' ? document.querySelector(target) : target;
    if (!parent || !(parent instanceof Element)) {
      throw new IntegrationError(
        `The selector you specified (${String(target)}) applies to no DOM elements that are currently on the page.`,
      );
    }
    if (this._iframe)
      throw new IntegrationError(
        'This Element is already mounted. Use `unmount` to unmount the Element before re-mounting.',
      );
    const container = document.createElement('div');
    container.className = 'EmulatorStripeElement __PrivateStripeElement';
    container.style.cssText =
      this._type === 'issuingCardCopyButton'
        ? 'margin: 0; padding: 0; border: none; display: block; position: relative; width: 100%; height: 100%;'
        : 'margin: 0; padding: 0; border: none; display: block; position: relative;';
    const title =
      this._type === 'payment' ? 'Secure payment input frame' : (ISSUING_TITLES[this._type] ?? 'Stripe frame');
    parent.append(container);
    const pooled = this._type === 'payment' ? null : this.context.hidden.adoptPooledFrame(container);
    const iframe = pooled ? pooled.iframe : makeIframe(this.context.frames, this.page, { type: this._type }, title);
    iframe.title = title;
    if (this._type === 'issuingCardCopyButton') iframe.style.height = '100%';
    else iframe.style.height = this._type === 'payment' ? '220px' : '24px';
    this._iframe = iframe;
    this.container = container;
    this._frameReady = false;
    this.context.frames.set(iframe, (data) => this.onFrameMessage(data));
    if (ISSUING_DISPLAY_TYPES.includes(this._type)) this.context.liveIssuingDisplays.add(this);
    if (!pooled) container.append(iframe);
    else if (pooled.ready) this.onFrameMessage({ type: 'ready' });
  }

  unmount(): void {
    if (!this._iframe) return;
    this.context.frames.delete(this._iframe);
    if (this.context.liveIssuingDisplays.delete(this))
      this.forgetIfUnused(this._options.issuingCard, this._options.ephemeralKeySecret);
    this.container?.remove();
    this._iframe = null;
    this.container = null;
    this._frameReady = false;
    this.pending.forEach((resolve) =>
      resolve({ error: { type: 'invalid_request_error', message: 'The Element was unmounted.' } }),
    );
    this.pending.clear();
  }

  destroy(): void {
    this.unmount();
    this.destroyed = true;
    this._group._remove(this);
  }

  update(options: ElementOptions | undefined): void {
    const previous = { issuingCard: this._options.issuingCard, ephemeralKeySecret: this._options.ephemeralKeySecret };
    Object.assign(this._options, options ?? {});
    if (this.context.liveIssuingDisplays.has(this))
      this.forgetIfUnused(previous.issuingCard, previous.ephemeralKeySecret);
    if (ISSUING_TYPES.includes(this._type)) this._group._issuingChanged(this);
    if (this._frameReady) this.context.frames.post(this._iframe, { type: 'update', options: this._frameOptions() });
  }

  private forgetIfUnused(issuingCard: unknown, ephemeralKeySecret: unknown): void {
    let used = false;
    this.context.liveIssuingDisplays.forEach((element) => {
      if (element._options.issuingCard === issuingCard && element._options.ephemeralKeySecret === ephemeralKeySecret)
        used = true;
    });
    if (!used) this.context.hidden.forget(issuingCard, ephemeralKeySecret);
  }

  on(event: string, handler: Listener['handler']): this {
    (this.listeners[event] ??= []).push({ handler, once: false });
    return this;
  }

  once(event: string, handler: Listener['handler']): this {
    (this.listeners[event] ??= []).push({ handler, once: true });
    return this;
  }

  off(event: string, handler?: Listener['handler']): this {
    if (!this.listeners[event]) return this;
    this.listeners[event] = handler ? this.listeners[event].filter((l) => l.handler !== handler) : [];
    return this;
  }

  private emit(event: string, payload: Record<string, unknown> = {}): void {
    const listeners = this.listeners[event] ?? [];
    this.listeners[event] = listeners.filter((l) => !l.once);
    for (const listener of listeners) {
      try {
        listener.handler({ elementType: this._type, ...payload });
      } catch (error) {
        setTimeout(() => {
          throw error; // a listener's error must not break the element
        }, 0);
      }
    }
  }

  focus(): void {
    if (!this._iframe) return;
    this._iframe.focus();
    this.context.frames.post(this._iframe, { type: 'focus' });
  }

  blur(): void {
    this._iframe?.blur();
  }

  clear(): void {
    if (this._frameReady) this.context.frames.post(this._iframe, { type: 'clear' });
  }

  _frameOptions(): Record<string, unknown> {
    if (this._type === 'payment') return { ...this._options, appearance: this._group._options.appearance ?? {} };
    // Preloaded frames learn their type here; every Issuing frame learns the controller's name.
    const common = { type: this._type, controllerName: this.context.hidden.controllerName };
    if (this._type === 'issuingCardCopyButton') {
      return {
        ...this._group._issuingCredentials(),
        toCopy: this._options.toCopy,
        style: this._options.style,
        ...common,
      };
    }
    return { ...this._options, ...common };
  }

  private whenReady(): Promise<void> {
    if (this._frameReady) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** A request to the frame, answered by `<type>-result` with the same requestId. */
  async _call(type: string, payload: Record<string, unknown>): Promise<FrameResult> {
    await this.whenReady();
    if (!this._iframe) return { error: { type: 'invalid_request_error', message: 'The Element is not mounted.' } };
    const requestId = `${this._id}-${Math.random().toString(36).slice(2)}`;
    const iframe = this._iframe;
    return new Promise((resolve) => {
      this.pending.set(requestId, resolve);
      this.context.frames.post(iframe, { ...payload, type, requestId });
    });
  }

  private onFrameMessage(data: FrameMessage): void {
    if (data.type === 'ready') {
      this._frameReady = true;
      this.context.frames.post(this._iframe, { type: 'configure', options: this._frameOptions() });
      const waiters = this.readyWaiters;
      this.readyWaiters = [];
      waiters.forEach((resolve) => resolve());
      if (this._type === 'payment') this.emit('ready');
    } else if (data.type === 'resize' && typeof data.height === 'number' && this._type !== 'issuingCardCopyButton') {
      if (this._iframe) this._iframe.style.height = `${Math.max(16, Math.ceil(data.height))}px`;
    } else if (data.type === 'element-ready') {
      this.emit('ready');
    } else if (data.type === 'element-click') {
      this.emit('click');
    } else if (data.type === 'element-loaderror') {
      this.emit('loaderror', { error: data.error });
    } else if (data.type === 'element-change') {
      this._group._submitted = false;
      this.emit('change', { empty: !!data.empty, complete: !!data.complete, value: { type: 'card' } });
    } else if (data.type === 'element-focus') {
      this.emit('focus');
    } else if (data.type === 'element-blur') {
      this.emit('blur');
    } else if (typeof data.requestId === 'string' && this.pending.has(data.requestId)) {
      const resolve = this.pending.get(data.requestId)!;
      this.pending.delete(data.requestId);
      resolve((data.result as FrameResult | undefined) ?? { error: { type: 'api_error', message: 'No result.' } });
    }
  }
}

export class ElementsGroup {
  _options: Record<string, unknown>;
  _submitted = false;
  private elements: EmulatorElement[] = [];
  private readonly listeners: Record<string, ((event: unknown) => void)[]> = {};

  constructor(
    private readonly context: ElementsContext,
    options: Record<string, unknown> | undefined,
  ) {
    this._options = { ...(options ?? {}) };
  }

  create(type: string, options?: ElementOptions): EmulatorElement {
    if (!ISSUING_TYPES.includes(type) && type !== 'payment') {
      throw new IntegrationError(`The emulator's Stripe.js does not support the Element type "${type}".`);
    }
    if (type === 'payment' && this.elements.some((e) => e._type === type))
      throw new IntegrationError('Can only create one Element of type payment.');
    if (ISSUING_DISPLAY_TYPES.includes(type)) {
      if (!options || typeof options.issuingCard !== 'string')
        throw new IntegrationError(`Missing value for ${type}: issuingCard should be a string.`);
      if (this.context.betas.includes('issuing_elements_2') && !this.context.retrievedCards.has(options.issuingCard)) {
        throw new IntegrationError('Issuing card has not been retrieved.');
      }
    }
    if (type === 'issuingCardCopyButton' && (!options || !COPY_TARGETS.includes(String(options.toCopy)))) {
      throw new IntegrationError(
        'Invalid value for issuingCardCopyButton: toCopy should be one of expiry, cvc, number, pin.',
      );
    }
    const element = new EmulatorElement(this, type, options, this.context);
    this.elements.push(element);
    if (ISSUING_TYPES.includes(type)) this._issuingChanged(element);
    return element;
  }

  getElement(type: string): EmulatorElement | null {
    return this.elements.find((e) => e._type === type) ?? null;
  }

  update(options: Record<string, unknown> | undefined): Promise<void> {
    Object.assign(this._options, options ?? {});
    const payment = this.getElement('payment');
    if (payment?._frameReady)
      this.context.frames.post(payment._iframe, { type: 'update', options: payment._frameOptions() });
    return Promise.resolve();
  }

  fetchUpdates(): Promise<Record<string, never>> {
    return Promise.resolve({});
  }

  on(event: string, handler: (event: unknown) => void): void {
    (this.listeners[event] ??= []).push(handler);
  }

  async submit(): Promise<FrameResult> {
    const payment = this.getElement('payment');
    if (!payment?._iframe)
      return {
        error: { type: 'invalid_request_error', message: 'elements.submit() needs a mounted Payment Element.' },
      };
    const result = await payment._call('submit', {});
    this._submitted = !result.error;
    return result;
  }

  _remove(element: EmulatorElement): void {
    this.elements = this.elements.filter((e) => e !== element);
  }

  /** The card and key of the group's display elements: the copy button copies from the same card. */
  _issuingCredentials(): Record<string, unknown> {
    const source = this.elements.find((e) => ISSUING_DISPLAY_TYPES.includes(e._type) && e._options.ephemeralKeySecret);
    if (!source) return {};
    return {
      issuingCard: source._options.issuingCard,
      ephemeralKeySecret: source._options.ephemeralKeySecret,
      nonce: source._options.nonce,
    };
  }

  _issuingChanged(changed: EmulatorElement): void {
    if (changed._type === 'issuingCardCopyButton') return;
    for (const element of this.elements) {
      if (element._type === 'issuingCardCopyButton' && element._frameReady)
        this.context.frames.post(element._iframe, { type: 'update', options: element._frameOptions() });
    }
  }
}
