/*
 * The emulator's stand-in for Stripe.js (https://js.stripe.com/v3/), limited to what this
 * project uses: Issuing (ephemeral key nonces, retrieveIssuingCard, the Issuing display
 * Elements and copy button) and the Payment Element flow of "finalize payments on the server"
 * (elements.submit, createConfirmationToken, handleNextAction). Plain browser JavaScript served
 * by the emulator at GET /v3/ and /v3/stripe.js; included synchronously in <head>, so
 * @stripe/stripe-js finds window.Stripe already defined and uses it.
 *
 * Sensitive card data is fetched and shown only inside iframes on the emulator's origin
 * (frames/*.html); this script never receives a card number, CVC or PIN.
 */
(function () {
  'use strict';

  if (window.Stripe && window.Stripe.__emulator) return;

  const EMULATOR_ORIGIN = (function () {
    const script = document.currentScript;
    try {
      return new URL(script && script.src ? script.src : location.href).origin;
    } catch (_error) {
      return location.origin;
    }
  })();
  const MESSAGE_NS = 'stripe-emulator';
  // @stripe/stripe-js warns unless Stripe.version names its release train (runtimeVersionToUrlVersion).
  const RELEASE_TRAIN = 'endive';

  const ISSUING_DISPLAY_TYPES = ['issuingCardNumberDisplay', 'issuingCardCvcDisplay', 'issuingCardExpiryDisplay', 'issuingCardPinDisplay'];
  const ISSUING_TYPES = ISSUING_DISPLAY_TYPES.concat(['issuingCardCopyButton']);
  const ISSUING_TITLES = {
    issuingCardNumberDisplay: 'Card number',
    issuingCardCvcDisplay: 'Card CVC',
    issuingCardExpiryDisplay: 'Card expiry date',
    issuingCardPinDisplay: 'Card PIN',
    issuingCardCopyButton: 'Copy button',
  };
  const COPY_TARGETS = ['expiry', 'cvc', 'number', 'pin'];

  class IntegrationError extends Error {
    constructor(message) {
      super(message);
      this.name = 'IntegrationError';
    }
  }

  // ---------------------------------------------------------------------------------------
  // Frames: accepted only from the emulator's origin and from the window of a frame we mounted.

  const frameHandlers = new Map();
  window.addEventListener('message', function (event) {
    if (event.origin !== EMULATOR_ORIGIN) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || data.ns !== MESSAGE_NS) return;
    frameHandlers.forEach(function (handler, iframe) {
      if (iframe.contentWindow && iframe.contentWindow === event.source) handler(data);
    });
  });
  function postToFrame(iframe, message) {
    if (iframe && iframe.contentWindow) iframe.contentWindow.postMessage(Object.assign({ ns: MESSAGE_NS }, message), EMULATOR_ORIGIN);
  }
  function frameUrl(page, extra) {
    let hash = 'parentOrigin=' + encodeURIComponent(location.origin);
    for (const key of Object.keys(extra || {})) hash += '&' + encodeURIComponent(key) + '=' + encodeURIComponent(extra[key]);
    return EMULATOR_ORIGIN + '/_emulator/frames/' + page + '#' + hash;
  }
  function makeIframe(page, extra, title) {
    const iframe = document.createElement('iframe');
    iframe.src = frameUrl(page, extra);
    iframe.title = title;
    iframe.setAttribute('frameborder', '0');
    iframe.setAttribute('allowtransparency', 'true');
    iframe.setAttribute('scrolling', 'no');
    iframe.allow = 'clipboard-write';
    iframe.style.cssText = 'border: 0; width: 100%; display: block; background: transparent; color-scheme: normal;';
    return iframe;
  }

  // ---------------------------------------------------------------------------------------
  // Hidden frames: the controller and preloaded element frames. They sit, hidden from sight,
  // assistive technology and the tab order, in one holder at the end of <body>.

  let holder = null;
  function whenBody(callback) {
    if (document.body) callback();
    else document.addEventListener('DOMContentLoaded', callback, { once: true });
  }
  function hiddenHolder() {
    if (!holder || !holder.isConnected) {
      holder = document.createElement('div');
      holder.setAttribute('aria-hidden', 'true');
      holder.style.cssText = 'position: absolute; left: -10000px; top: 0; width: 360px; height: 0; overflow: hidden; visibility: hidden; pointer-events: none;';
      document.body.append(holder);
    }
    return holder;
  }
  function hideFrame(iframe) {
    iframe.setAttribute('aria-hidden', 'true');
    iframe.tabIndex = -1;
  }

  // The controller frame (frames/controller.html), one per page, mounted as this script loads.
  // retrieveIssuingCard goes through it: it fetches the card once, with the PCI fields asked for
  // in `expand`, keeps them, and hands each Issuing Element frame of this page its field (the
  // element frames reach it by its name: same origin, so this page cannot).
  const CONTROLLER_NAME = 'stripe-emulator-controller-' + Math.random().toString(36).slice(2) + Date.now().toString(36);
  /** How long retrieveIssuingCard waits for the controller frame before fetching by itself. */
  const CONTROLLER_WAIT_MS = 3000;
  let controller = null;

  function ensureController() {
    if (controller) return controller;
    let markReady;
    controller = { iframe: null, ready: false, whenReady: new Promise(function (resolve) { markReady = resolve; }), pending: new Map(), counter: 0 };
    whenBody(function () {
      const iframe = makeIframe('controller.html', {}, 'Stripe controller frame');
      iframe.name = CONTROLLER_NAME;
      hideFrame(iframe);
      iframe.style.height = '0';
      frameHandlers.set(iframe, function (data) {
        if (data.type === 'ready') {
          controller.ready = true;
          markReady();
        } else if (typeof data.requestId === 'string' && controller.pending.has(data.requestId)) {
          const resolve = controller.pending.get(data.requestId);
          controller.pending.delete(data.requestId);
          resolve(data.result || { error: { type: 'api_error', message: 'No result.' } });
        }
      });
      controller.iframe = iframe;
      hiddenHolder().append(iframe);
    });
    return controller;
  }

  /** A request to the controller frame; null when it is not ready in time (the caller falls back). */
  async function controllerRequest(type, payload) {
    const c = ensureController();
    if (!c.ready) {
      let timer;
      const ready = await Promise.race([
        c.whenReady.then(function () { return true; }),
        new Promise(function (resolve) { timer = setTimeout(function () { resolve(false); }, CONTROLLER_WAIT_MS); }),
      ]);
      clearTimeout(timer);
      if (!ready) return null;
    }
    if (!c.iframe || !c.iframe.isConnected) return null; // the page removed it: no answer would come
    c.counter += 1;
    const requestId = 'controller-' + c.counter;
    return new Promise(function (resolve) {
      c.pending.set(requestId, resolve);
      postToFrame(c.iframe, Object.assign({ type: type, requestId: requestId }, payload));
    });
  }

  /** The controller may drop a card once no mounted display element uses that key any more. */
  const liveIssuingDisplays = new Set();
  function forgetIfUnused(issuingCard, ephemeralKeySecret) {
    if (!controller || !controller.ready || typeof issuingCard !== 'string' || typeof ephemeralKeySecret !== 'string') return;
    let used = false;
    liveIssuingDisplays.forEach(function (element) {
      if (element._options.issuingCard === issuingCard && element._options.ephemeralKeySecret === ephemeralKeySecret) used = true;
    });
    if (!used) postToFrame(controller.iframe, { type: 'forget', issuingCard: issuingCard, ephemeralKeySecret: ephemeralKeySecret });
  }

  // Preloaded Issuing Element frames: loading a frame (HTML, scripts, a renderer) is most of the
  // time between creating an element and seeing its value, so once a page is about to show
  // Issuing Elements (a Stripe instance with the issuing_elements_2 beta, or a nonce requested),
  // a few untyped frames load in the hidden holder. mount() moves one into place with
  // moveBefore(), which keeps a frame's document alive (appendChild would reload it); the
  // element's type and options then arrive by postMessage like any other frame's. Without
  // moveBefore (older browsers) there is no pool and every element loads its own frame.
  const POOL_SIZE = 8; // four displays and four copy buttons
  const POOL_REFILL_DELAY_MS = 2000;
  const pool = [];
  let refillTimer = null;
  const canMoveFrames = typeof Element.prototype.moveBefore === 'function';

  function fillPool() {
    if (!canMoveFrames) return;
    while (pool.length < POOL_SIZE) {
      const entry = { iframe: makeIframe('issuing-element.html', {}, 'Stripe preloaded frame'), ready: false };
      hideFrame(entry.iframe);
      entry.iframe.style.height = '0';
      frameHandlers.set(entry.iframe, function (data) { if (data.type === 'ready') entry.ready = true; });
      hiddenHolder().append(entry.iframe);
      pool.push(entry);
    }
  }
  function ensurePool() {
    if (canMoveFrames) whenBody(fillPool);
  }
  /** A preloaded frame moved into `container` (already in the document), or null. */
  function adoptPooledFrame(container) {
    while (pool.length > 0) {
      const entry = pool.shift();
      clearTimeout(refillTimer);
      refillTimer = setTimeout(fillPool, POOL_REFILL_DELAY_MS);
      if (!entry.iframe.isConnected) continue;
      try {
        container.moveBefore(entry.iframe, null);
      } catch (_error) {
        entry.iframe.remove(); // e.g. the container is in another document: load a new frame
        frameHandlers.delete(entry.iframe);
        return null;
      }
      entry.iframe.removeAttribute('aria-hidden');
      entry.iframe.removeAttribute('tabindex');
      return entry;
    }
    return null;
  }

  function encodeForm(params) {
    const parts = [];
    function walk(prefix, value) {
      if (value === undefined || value === null) return;
      if (Array.isArray(value)) value.forEach(function (item, index) { walk(prefix + '[' + index + ']', item); });
      else if (typeof value === 'object') Object.keys(value).forEach(function (key) { walk(prefix ? prefix + '[' + key + ']' : key, value[key]); });
      else parts.push(encodeURIComponent(prefix) + '=' + encodeURIComponent(String(value)));
    }
    walk('', params);
    return parts.join('&');
  }

  function stripPciFields(card) {
    if (!card || typeof card !== 'object') return card;
    const copy = Object.assign({}, card);
    delete copy.number;
    delete copy.cvc;
    if (copy.pin && typeof copy.pin === 'object') {
      copy.pin = Object.assign({}, copy.pin);
      delete copy.pin.number;
    }
    return copy;
  }

  // ---------------------------------------------------------------------------------------
  // Elements

  let elementCounter = 0;

  class EmulatorElement {
    constructor(group, type, options) {
      elementCounter += 1;
      this._id = 'emulator-element-' + elementCounter;
      this._group = group;
      this._type = type;
      this._options = Object.assign({}, options || {});
      this._listeners = {};
      this._iframe = null;
      this._container = null;
      this._frameReady = false;
      this._readyWaiters = [];
      this._pending = new Map();
      this._destroyed = false;
    }

    get _page() { return this._type === 'payment' ? 'payment-element.html' : 'issuing-element.html'; }

    mount(target) {
      if (this._destroyed) throw new IntegrationError('This Element has already been destroyed. Please create a new one.');
      const parent = typeof target === 'string' ? document.querySelector(target) : target;
      if (!parent || !(parent instanceof Element)) {
        throw new IntegrationError('The selector you specified (' + String(target) + ') applies to no DOM elements that are currently on the page.');
      }
      if (this._iframe) throw new IntegrationError('This Element is already mounted. Use `unmount` to unmount the Element before re-mounting.');
      const container = document.createElement('div');
      container.className = 'EmulatorStripeElement __PrivateStripeElement';
      container.style.cssText = this._type === 'issuingCardCopyButton'
        ? 'margin: 0; padding: 0; border: none; display: block; position: relative; width: 100%; height: 100%;'
        : 'margin: 0; padding: 0; border: none; display: block; position: relative;';
      const title = this._type === 'payment' ? 'Secure payment input frame' : ISSUING_TITLES[this._type];
      parent.append(container);
      const pooled = this._type === 'payment' ? null : adoptPooledFrame(container);
      const iframe = pooled ? pooled.iframe : makeIframe(this._page, { type: this._type }, title);
      iframe.title = title;
      if (this._type === 'issuingCardCopyButton') iframe.style.height = '100%';
      else iframe.style.height = this._type === 'payment' ? '220px' : '24px';
      this._iframe = iframe;
      this._container = container;
      this._frameReady = false;
      frameHandlers.set(iframe, (data) => this._onFrameMessage(data));
      if (ISSUING_DISPLAY_TYPES.indexOf(this._type) >= 0) liveIssuingDisplays.add(this);
      if (!pooled) container.append(iframe);
      else if (pooled.ready) this._onFrameMessage({ type: 'ready' });
    }

    unmount() {
      if (!this._iframe) return;
      frameHandlers.delete(this._iframe);
      if (liveIssuingDisplays.delete(this)) forgetIfUnused(this._options.issuingCard, this._options.ephemeralKeySecret);
      this._container.remove();
      this._iframe = null;
      this._container = null;
      this._frameReady = false;
      this._pending.forEach(function (resolve) { resolve({ error: { type: 'invalid_request_error', message: 'The Element was unmounted.' } }); });
      this._pending.clear();
    }

    destroy() {
      this.unmount();
      this._destroyed = true;
      this._group._remove(this);
    }

    update(options) {
      const previous = { issuingCard: this._options.issuingCard, ephemeralKeySecret: this._options.ephemeralKeySecret };
      Object.assign(this._options, options || {});
      if (liveIssuingDisplays.has(this)) forgetIfUnused(previous.issuingCard, previous.ephemeralKeySecret);
      if (this._type === 'issuingCardCopyButton' || ISSUING_DISPLAY_TYPES.indexOf(this._type) >= 0) this._group._issuingChanged(this);
      if (this._frameReady) postToFrame(this._iframe, { type: 'update', options: this._frameOptions() });
    }

    on(event, handler) {
      (this._listeners[event] = this._listeners[event] || []).push({ handler: handler, once: false });
      return this;
    }
    once(event, handler) {
      (this._listeners[event] = this._listeners[event] || []).push({ handler: handler, once: true });
      return this;
    }
    off(event, handler) {
      if (!this._listeners[event]) return this;
      this._listeners[event] = handler ? this._listeners[event].filter(function (l) { return l.handler !== handler; }) : [];
      return this;
    }
    _emit(event, payload) {
      const listeners = this._listeners[event] || [];
      this._listeners[event] = listeners.filter(function (l) { return !l.once; });
      for (const listener of listeners) {
        try {
          listener.handler(Object.assign({ elementType: this._type }, payload || {}));
        } catch (error) {
          setTimeout(function () { throw error; }, 0); // a listener's error must not break the element
        }
      }
    }

    focus() { if (this._iframe) { this._iframe.focus(); postToFrame(this._iframe, { type: 'focus' }); } }
    blur() { if (this._iframe) this._iframe.blur(); }
    clear() { if (this._frameReady) postToFrame(this._iframe, { type: 'clear' }); }

    _frameOptions() {
      if (this._type === 'payment') {
        return Object.assign({}, this._options, { appearance: this._group._options.appearance || {} });
      }
      // Preloaded frames learn their type here; every Issuing frame learns the controller's name.
      const common = { type: this._type, controllerName: CONTROLLER_NAME };
      if (this._type === 'issuingCardCopyButton') {
        return Object.assign({}, this._group._issuingCredentials(), { toCopy: this._options.toCopy, style: this._options.style }, common);
      }
      return Object.assign({}, this._options, common);
    }

    _whenReady() {
      if (this._frameReady) return Promise.resolve();
      return new Promise((resolve) => this._readyWaiters.push(resolve));
    }

    /** A request to the frame, answered by `<type>-result` with the same requestId. */
    async _call(type, payload) {
      await this._whenReady();
      if (!this._iframe) return { error: { type: 'invalid_request_error', message: 'The Element is not mounted.' } };
      const requestId = this._id + '-' + Math.random().toString(36).slice(2);
      return new Promise((resolve) => {
        this._pending.set(requestId, resolve);
        postToFrame(this._iframe, Object.assign({ type: type, requestId: requestId }, payload));
      });
    }

    _onFrameMessage(data) {
      if (data.type === 'ready') {
        this._frameReady = true;
        postToFrame(this._iframe, { type: 'configure', options: this._frameOptions() });
        const waiters = this._readyWaiters;
        this._readyWaiters = [];
        waiters.forEach(function (resolve) { resolve(); });
        if (this._type === 'payment') this._emit('ready');
      } else if (data.type === 'resize' && typeof data.height === 'number' && this._type !== 'issuingCardCopyButton') {
        this._iframe.style.height = Math.max(16, Math.ceil(data.height)) + 'px';
      } else if (data.type === 'element-ready') {
        this._emit('ready');
      } else if (data.type === 'element-click') {
        this._emit('click');
      } else if (data.type === 'element-loaderror') {
        this._emit('loaderror', { error: data.error });
      } else if (data.type === 'element-change') {
        this._group._submitted = false;
        this._emit('change', { empty: !!data.empty, complete: !!data.complete, value: { type: 'card' } });
      } else if (data.type === 'element-focus') {
        this._emit('focus');
      } else if (data.type === 'element-blur') {
        this._emit('blur');
      } else if (typeof data.requestId === 'string' && this._pending.has(data.requestId)) {
        const resolve = this._pending.get(data.requestId);
        this._pending.delete(data.requestId);
        resolve(data.result || { error: { type: 'api_error', message: 'No result.' } });
      }
    }
  }

  class ElementsGroup {
    constructor(stripe, options) {
      this._stripe = stripe;
      this._options = Object.assign({}, options || {});
      this._elements = [];
      this._submitted = false;
      this._listeners = {};
    }

    create(type, options) {
      if (ISSUING_TYPES.indexOf(type) < 0 && type !== 'payment') {
        throw new IntegrationError('The emulator\'s Stripe.js does not support the Element type "' + type + '".');
      }
      if (this._elements.some(function (e) { return e._type === type; }) && type === 'payment') {
        throw new IntegrationError('Can only create one Element of type payment.');
      }
      if (ISSUING_DISPLAY_TYPES.indexOf(type) >= 0) {
        if (!options || typeof options.issuingCard !== 'string') throw new IntegrationError('Missing value for ' + type + ': issuingCard should be a string.');
        if (this._stripe._betas.indexOf('issuing_elements_2') >= 0 && !this._stripe._retrievedCards.has(options.issuingCard)) {
          throw new IntegrationError('Issuing card has not been retrieved.');
        }
      }
      if (type === 'issuingCardCopyButton' && (!options || COPY_TARGETS.indexOf(options.toCopy) < 0)) {
        throw new IntegrationError('Invalid value for issuingCardCopyButton: toCopy should be one of expiry, cvc, number, pin.');
      }
      const element = new EmulatorElement(this, type, options);
      this._elements.push(element);
      if (ISSUING_TYPES.indexOf(type) >= 0) this._issuingChanged(element);
      return element;
    }

    getElement(type) {
      return this._elements.find(function (e) { return e._type === type; }) || null;
    }

    update(options) {
      Object.assign(this._options, options || {});
      const payment = this.getElement('payment');
      if (payment && payment._frameReady) postToFrame(payment._iframe, { type: 'update', options: payment._frameOptions() });
      return Promise.resolve();
    }

    fetchUpdates() { return Promise.resolve({}); }

    on(event, handler) { (this._listeners[event] = this._listeners[event] || []).push(handler); }

    async submit() {
      const payment = this.getElement('payment');
      if (!payment || !payment._iframe) {
        return { error: { type: 'invalid_request_error', message: 'elements.submit() needs a mounted Payment Element.' } };
      }
      const result = await payment._call('submit', {});
      this._submitted = !result.error;
      return result;
    }

    _remove(element) {
      this._elements = this._elements.filter(function (e) { return e !== element; });
    }

    /** The card and key of the group's display elements: the copy button copies from the same card. */
    _issuingCredentials() {
      const source = this._elements.find(function (e) { return ISSUING_DISPLAY_TYPES.indexOf(e._type) >= 0 && e._options.ephemeralKeySecret; });
      if (!source) return {};
      return { issuingCard: source._options.issuingCard, ephemeralKeySecret: source._options.ephemeralKeySecret, nonce: source._options.nonce };
    }

    _issuingChanged(changed) {
      if (changed._type === 'issuingCardCopyButton') return;
      for (const element of this._elements) {
        if (element._type === 'issuingCardCopyButton' && element._frameReady) {
          postToFrame(element._iframe, { type: 'update', options: element._frameOptions() });
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // The Stripe object

  class StripeInstance {
    constructor(publishableKey, options) {
      this._key = publishableKey;
      this._stripeAccount = options.stripeAccount || null;
      this._apiVersion = options.apiVersion || null;
      this._betas = Array.isArray(options.betas) ? options.betas.slice() : [];
      this._locale = options.locale || 'auto';
      this._wrappers = [];
      this._retrievedCards = new Set();
      ensureController();
      if (this._betas.indexOf('issuing_elements_2') >= 0) ensurePool();
    }

    _registerWrapper(wrapper) {
      if (wrapper && typeof wrapper === 'object') this._wrappers.push(wrapper);
    }
    registerAppInfo() {}

    async _request(method, path, options) {
      const headers = { Authorization: 'Bearer ' + ((options && options.key) || this._key) };
      if (this._stripeAccount && !(options && options.key)) headers['Stripe-Account'] = this._stripeAccount;
      if (this._apiVersion) headers['Stripe-Version'] = this._apiVersion;
      const init = { method: method, headers: headers };
      let url = EMULATOR_ORIGIN + path;
      if (options && options.form) {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        init.body = encodeForm(options.form);
      }
      if (options && options.query) {
        const query = encodeForm(options.query);
        if (query) url += '?' + query;
      }
      let response;
      try {
        response = await fetch(url, init);
      } catch (_error) {
        return { error: { type: 'api_connection_error', message: "Couldn't reach Stripe. Check your connection and try again." } };
      }
      const body = await response.json().catch(function () { return null; });
      if (response.ok && body) return { body: body };
      const error = (body && body.error) || { type: 'api_error', message: 'Stripe returned an error (HTTP ' + response.status + ').' };
      return { error: error };
    }

    elements(options) {
      return new ElementsGroup(this, options);
    }

    async createEphemeralKeyNonce(options) {
      if (!options || typeof options.issuingCard !== 'string' || !options.issuingCard) {
        throw new IntegrationError('Invalid value for createEphemeralKeyNonce: issuingCard should be a string.');
      }
      ensurePool(); // Issuing Elements are coming: have their frames loading meanwhile
      const result = await this._request('POST', '/v1/ephemeral_key_nonces', { form: { issuing_card: options.issuingCard } });
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
    async retrieveIssuingCard(cardId, options) {
      if (typeof cardId !== 'string' || !cardId) throw new IntegrationError('Invalid value for retrieveIssuingCard: issuingCard should be a string.');
      if (!options || typeof options.ephemeralKeySecret !== 'string') {
        throw new IntegrationError('Invalid value for retrieveIssuingCard: ephemeralKeySecret should be a string.');
      }
      const expand = Array.isArray(options.expand) ? options.expand.filter(function (field) { return typeof field === 'string'; }) : [];
      const viaController = await controllerRequest('retrieve-issuing-card', { issuingCard: cardId, ephemeralKeySecret: options.ephemeralKeySecret, expand: expand });
      let card;
      if (viaController) {
        if (viaController.error) return { error: viaController.error };
        card = viaController.issuingCard;
      } else {
        const result = await this._request('GET', '/v1/issuing/cards/' + encodeURIComponent(cardId), { key: options.ephemeralKeySecret });
        if (result.error) return { error: result.error };
        card = result.body;
      }
      this._retrievedCards.add(cardId);
      return { issuingCard: stripPciFields(card) };
    }

    async retrievePaymentIntent(clientSecret) {
      const id = paymentIntentId(clientSecret);
      if (!id) throw new IntegrationError('Invalid value for retrievePaymentIntent: clientSecret should be a client secret of the form ${id}_secret_${secret}.');
      const result = await this._request('GET', '/v1/payment_intents/' + encodeURIComponent(id), { query: { client_secret: clientSecret } });
      return result.error ? { error: result.error } : { paymentIntent: result.body };
    }

    async createConfirmationToken(options) {
      const group = options && options.elements;
      if (!(group instanceof ElementsGroup)) {
        throw new IntegrationError('Invalid value for createConfirmationToken: elements should be an Elements group.');
      }
      const payment = group.getElement('payment');
      if (!payment || !payment._iframe) {
        return { error: { type: 'invalid_request_error', message: 'createConfirmationToken needs a mounted Payment Element.' } };
      }
      if (!group._submitted) {
        return { error: { type: 'invalid_request_error', message: 'elements.submit() must be called before stripe.createConfirmationToken().' } };
      }
      return payment._call('create-confirmation-token', {
        publishableKey: this._key,
        stripeAccount: this._stripeAccount,
        params: (options && options.params) || {},
      });
    }

    async handleNextAction(options) {
      const clientSecret = options && options.clientSecret;
      const id = paymentIntentId(clientSecret);
      if (!id) throw new IntegrationError('Invalid value for handleNextAction: clientSecret should be a PaymentIntent client secret.');
      const before = await this.retrievePaymentIntent(clientSecret);
      if (before.error) return before;
      if (before.paymentIntent.status !== 'requires_action') {
        return { error: { type: 'invalid_request_error', code: 'payment_intent_unexpected_state', message: 'handleNextAction: the PaymentIntent has status ' + before.paymentIntent.status + ' and does not require an action.', payment_intent: before.paymentIntent } };
      }
      const outcome = await showThreeDsChallenge(id, clientSecret, this._key);
      if (outcome.error) return outcome;
      const after = await this.retrievePaymentIntent(clientSecret);
      if (after.error) return after;
      const intent = after.paymentIntent;
      if (intent.status === 'requires_payment_method' && intent.last_payment_error) {
        return { error: Object.assign({}, intent.last_payment_error, { payment_intent: intent }) };
      }
      return { paymentIntent: intent };
    }
  }

  function paymentIntentId(clientSecret) {
    if (typeof clientSecret !== 'string') return null;
    const match = /^(pi_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/.exec(clientSecret);
    return match ? match[1] : null;
  }

  /** A modal on the host page holding the emulator's 3DS frame; resolves when it reports. */
  function showThreeDsChallenge(paymentIntent, clientSecret, publishableKey) {
    return new Promise(function (resolve) {
      const previousFocus = document.activeElement;
      const overlay = document.createElement('div');
      overlay.setAttribute('role', 'dialog');
      overlay.setAttribute('aria-modal', 'true');
      overlay.setAttribute('aria-label', '3D Secure authentication');
      overlay.style.cssText = 'position: fixed; inset: 0; z-index: 2147483000; display: flex; align-items: center; justify-content: center; background: rgba(0, 0, 0, 0.45);';
      const iframe = makeIframe('three-ds.html', {}, '3D Secure authentication challenge');
      iframe.style.width = 'min(420px, 92vw)';
      iframe.style.height = '240px';
      iframe.style.borderRadius = '8px';
      iframe.style.background = '#ffffff';
      overlay.append(iframe);
      function close(result) {
        frameHandlers.delete(iframe);
        overlay.remove();
        if (previousFocus && typeof previousFocus.focus === 'function' && previousFocus.isConnected) previousFocus.focus();
        resolve(result);
      }
      frameHandlers.set(iframe, function (data) {
        if (data.type === 'ready') {
          iframe.focus();
          postToFrame(iframe, { type: 'init', paymentIntent: paymentIntent, clientSecret: clientSecret, publishableKey: publishableKey });
        } else if (data.type === 'resize' && typeof data.height === 'number') {
          iframe.style.height = Math.min(window.innerHeight - 40, Math.ceil(data.height)) + 'px';
        } else if (data.type === 'three-ds-done') {
          close({ outcome: data.outcome });
        }
      });
      document.body.append(overlay);
    });
  }

  function Stripe(publishableKey, options) {
    if (typeof publishableKey !== 'string' || !publishableKey) {
      throw new IntegrationError('Please call Stripe() with your publishable key. You used an empty string.');
    }
    if (/^(sk|rk)_/.test(publishableKey)) {
      throw new IntegrationError('You should not use your secret key with Stripe.js. Please pass a publishable key instead.');
    }
    return new StripeInstance(publishableKey, options && typeof options === 'object' ? options : {});
  }
  Stripe.version = RELEASE_TRAIN;
  Stripe.__emulator = true;

  window.Stripe = Stripe;
  // The controller frame loads with the page (Stripe.js also mounts a hidden frame as it loads):
  // by the time the page asks for anything, the frames' process and scripts are warm.
  ensureController();
})();
