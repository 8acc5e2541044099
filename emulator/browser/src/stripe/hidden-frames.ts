// stripe.js's hidden frames: the controller and the preloaded Issuing Element frames. They sit,
// hidden from sight, assistive technology and the tab order, in one holder at the end of <body>.
import type { HostFrames } from '../shared/origin.ts';
import type { FrameMessage } from '../shared/messages.ts';

/** How long retrieveIssuingCard waits for the controller frame before fetching by itself. */
const CONTROLLER_WAIT_MS = 3000;
// Preloaded Issuing Element frames: four displays and four copy buttons.
const POOL_SIZE = 8;
const POOL_REFILL_DELAY_MS = 2000;

function whenBody(callback: () => void): void {
  if (document.body) callback();
  else document.addEventListener('DOMContentLoaded', callback, { once: true });
}

export function makeIframe(
  frames: HostFrames,
  page: string,
  extra: Record<string, string>,
  title: string,
): HTMLIFrameElement {
  const iframe = document.createElement('iframe');
  iframe.src = frames.url(page, extra);
  iframe.title = title;
  iframe.setAttribute('frameborder', '0');
  iframe.setAttribute('allowtransparency', 'true');
  iframe.setAttribute('scrolling', 'no');
  iframe.allow = 'clipboard-write';
  iframe.style.cssText = 'border: 0; width: 100%; display: block; background: transparent; color-scheme: normal;';
  return iframe;
}

function hideFrame(iframe: HTMLIFrameElement): void {
  iframe.setAttribute('aria-hidden', 'true');
  iframe.tabIndex = -1;
}

type MovableElement = Element & { moveBefore(node: Node, child: Node | null): void };

export interface PooledFrame {
  iframe: HTMLIFrameElement;
  ready: boolean;
}

export class HiddenFrames {
  private holder: HTMLDivElement | null = null;
  /** The controller frame's window name: element frames find it among their siblings by it. */
  readonly controllerName = `stripe-emulator-controller-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  private controller: {
    iframe: HTMLIFrameElement | null;
    ready: boolean;
    whenReady: Promise<void>;
    pending: Map<string, (result: unknown) => void>;
    counter: number;
  } | null = null;
  private readonly pool: PooledFrame[] = [];
  private refillTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly canMoveFrames = typeof (Element.prototype as Partial<MovableElement>).moveBefore === 'function';

  constructor(private readonly frames: HostFrames) {}

  private hiddenHolder(): HTMLDivElement {
    if (!this.holder || !this.holder.isConnected) {
      this.holder = document.createElement('div');
      this.holder.setAttribute('aria-hidden', 'true');
      this.holder.style.cssText =
        'position: absolute; left: -10000px; top: 0; width: 360px; height: 0; overflow: hidden; visibility: hidden; pointer-events: none;';
      document.body.append(this.holder);
    }
    return this.holder;
  }

  /**
   * The controller frame (frames/controller.html), one per page, mounted as stripe.js loads:
   * retrieveIssuingCard goes through it (it keeps the PCI fields and hands each Issuing Element
   * frame of this page its field; the element frames reach it by its name, this page cannot).
   */
  ensureController(): NonNullable<HiddenFrames['controller']> {
    if (this.controller) return this.controller;
    let markReady!: () => void;
    const controller = {
      iframe: null as HTMLIFrameElement | null,
      ready: false,
      whenReady: new Promise<void>((resolve) => (markReady = resolve)),
      pending: new Map<string, (result: unknown) => void>(),
      counter: 0,
    };
    this.controller = controller;
    whenBody(() => {
      const iframe = makeIframe(this.frames, 'controller.html', {}, 'Stripe controller frame');
      iframe.name = this.controllerName;
      hideFrame(iframe);
      iframe.style.height = '0';
      this.frames.set(iframe, (data) => {
        if (data.type === 'ready') {
          controller.ready = true;
          markReady();
        } else if (typeof data.requestId === 'string' && controller.pending.has(data.requestId)) {
          const resolve = controller.pending.get(data.requestId)!;
          controller.pending.delete(data.requestId);
          resolve(data.result ?? { error: { type: 'api_error', message: 'No result.' } });
        }
      });
      controller.iframe = iframe;
      this.hiddenHolder().append(iframe);
    });
    return controller;
  }

  /** A request to the controller frame; null when it is not ready in time (the caller falls back). */
  async controllerRequest<T>(type: string, payload: Omit<FrameMessage, 'type'>): Promise<T | null> {
    const c = this.ensureController();
    if (!c.ready) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const ready = await Promise.race([
        c.whenReady.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CONTROLLER_WAIT_MS))),
      ]);
      clearTimeout(timer);
      if (!ready) return null;
    }
    const iframe = c.iframe;
    if (!iframe || !iframe.isConnected) return null; // the page removed it: no answer would come
    c.counter += 1;
    const requestId = `controller-${c.counter}`;
    return new Promise<T>((resolve) => {
      c.pending.set(requestId, resolve as (result: unknown) => void);
      this.frames.post(iframe, { ...payload, type, requestId });
    });
  }

  /** Tells the controller it may drop a card (no mounted display element uses that key any more). */
  forget(issuingCard: unknown, ephemeralKeySecret: unknown): void {
    const c = this.controller;
    if (!c?.ready || typeof issuingCard !== 'string' || typeof ephemeralKeySecret !== 'string') return;
    this.frames.post(c.iframe, { type: 'forget', issuingCard, ephemeralKeySecret });
  }

  // Preloaded Issuing Element frames: loading a frame (HTML, scripts, a renderer) is most of the
  // time between creating an element and seeing its value, so once a page is about to show
  // Issuing Elements (a Stripe instance with the issuing_elements_2 beta, or a nonce requested),
  // a few untyped frames load in the hidden holder. mount() moves one into place with
  // moveBefore(), which keeps a frame's document alive (appendChild would reload it); the
  // element's type and options then arrive by postMessage like any other frame's. Without
  // moveBefore (older browsers) there is no pool and every element loads its own frame.
  private fillPool(): void {
    if (!this.canMoveFrames) return;
    while (this.pool.length < POOL_SIZE) {
      const entry: PooledFrame = {
        iframe: makeIframe(this.frames, 'issuing-element.html', {}, 'Stripe preloaded frame'),
        ready: false,
      };
      hideFrame(entry.iframe);
      entry.iframe.style.height = '0';
      this.frames.set(entry.iframe, (data) => {
        if (data.type === 'ready') entry.ready = true;
      });
      this.hiddenHolder().append(entry.iframe);
      this.pool.push(entry);
    }
  }

  ensurePool(): void {
    if (this.canMoveFrames) whenBody(() => this.fillPool());
  }

  /** A preloaded frame moved into `container` (already in the document), or null. */
  adoptPooledFrame(container: Element): PooledFrame | null {
    while (this.pool.length > 0) {
      const entry = this.pool.shift()!;
      clearTimeout(this.refillTimer);
      this.refillTimer = setTimeout(() => this.fillPool(), POOL_REFILL_DELAY_MS);
      if (!entry.iframe.isConnected) continue;
      try {
        (container as MovableElement).moveBefore(entry.iframe, null);
      } catch {
        entry.iframe.remove(); // e.g. the container is in another document: load a new frame
        this.frames.delete(entry.iframe);
        return null;
      }
      entry.iframe.removeAttribute('aria-hidden');
      entry.iframe.removeAttribute('tabindex');
      return entry;
    }
    return null;
  }
}
