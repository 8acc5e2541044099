/*
 * One Issuing Element (stripe.js `elements().create(type)`): a number, CVC, expiry or PIN
 * display, or the copy button. The parent sends the options (type, card id, ephemeral key,
 * nonce, style; for the copy button `toCopy` and the credentials of its group's display
 * elements) by postMessage. The frame may have been loaded before its element existed (stripe.js
 * keeps a few preloaded, untyped frames); the type then comes with the options. The value comes
 * from the page's controller frame, which retrieved the card once for the whole group; when it
 * has none for this card and key, this frame fetches the card with the ephemeral key itself.
 * Copying happens here, with the Clipboard API; the parent only hears that a click happened.
 */
(function () {
  'use strict';
  const frame = window.EmulatorFrame;
  const content = document.getElementById('content');
  let elementType = frame.params.get('type') || '';
  const LABELS = {
    issuingCardNumberDisplay: 'Card number',
    issuingCardCvcDisplay: 'CVC',
    issuingCardExpiryDisplay: 'Expiry date',
    issuingCardPinDisplay: 'PIN',
  };
  const COPY_LABELS = { number: 'Copy card number', cvc: 'Copy CVC', expiry: 'Copy expiry date', pin: 'Copy PIN' };
  let options = {};
  let loadToken = 0;
  let copyValue = null;
  let readySent = false;

  function fieldFor(type, toCopy) {
    if (type === 'issuingCardNumberDisplay' || toCopy === 'number') return 'number';
    if (type === 'issuingCardCvcDisplay' || toCopy === 'cvc') return 'cvc';
    if (type === 'issuingCardPinDisplay' || toCopy === 'pin') return 'pin';
    return 'expiry';
  }

  async function fetchValue(field) {
    let card = await frame.askController(options.controllerName, {
      issuingCard: options.issuingCard,
      ephemeralKeySecret: options.ephemeralKeySecret,
      field: field,
    });
    if (!card) {
      const expand = field === 'number' ? '?expand[]=number' : field === 'cvc' ? '?expand[]=cvc' : field === 'pin' ? '?expand[]=pin.number' : '';
      const result = await frame.api('GET', '/v1/issuing/cards/' + encodeURIComponent(options.issuingCard) + expand, { key: options.ephemeralKeySecret });
      if (!result.ok || !result.body) {
        const message = (result.body && result.body.error && result.body.error.message) || 'The card could not be retrieved.';
        return { error: { type: (result.body && result.body.error && result.body.error.type) || 'api_error', message: message } };
      }
      card = result.body;
    }
    if (field === 'number') return card.number ? { display: frame.groupCardNumber(card.number), raw: card.number } : { error: { type: 'invalid_request_error', message: 'The card number is not available.' } };
    if (field === 'cvc') return card.cvc ? { display: card.cvc, raw: card.cvc } : { error: { type: 'invalid_request_error', message: 'The CVC is not available.' } };
    if (field === 'pin') {
      const pin = card.pin && card.pin.number;
      return pin ? { display: pin, raw: pin } : { error: { type: 'invalid_request_error', message: 'The PIN is not available.' } };
    }
    const expiry = frame.formatExpiry(card.exp_month, card.exp_year);
    return { display: expiry, raw: expiry };
  }

  function sendReadyOnce() {
    if (readySent) return;
    readySent = true;
    frame.send('element-ready');
  }

  async function render() {
    const token = ++loadToken;
    frame.applyElementStyle(options.style, elementType === 'issuingCardCopyButton' ? '.copy-button' : '.value');
    if (elementType === 'issuingCardCopyButton') {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'copy-button';
      button.setAttribute('aria-label', COPY_LABELS[options.toCopy] || 'Copy');
      button.textContent = COPY_LABELS[options.toCopy] || 'Copy';
      button.addEventListener('click', function () {
        if (copyValue === null) return;
        navigator.clipboard.writeText(copyValue).then(function () {
          frame.send('element-click');
        }, function () {
          frame.send('element-click', { copyFailed: true });
        });
      });
      content.replaceChildren(button);
      copyValue = null;
      if (options.issuingCard && options.ephemeralKeySecret) {
        const value = await fetchValue(fieldFor(elementType, options.toCopy));
        if (token !== loadToken) return;
        copyValue = value.raw === undefined ? null : String(value.raw);
        if (value.error) frame.send('element-loaderror', { error: value.error });
      }
      sendReadyOnce();
      return;
    }
    const span = document.createElement('span');
    span.className = 'value';
    span.setAttribute('aria-label', LABELS[elementType] || 'Card detail');
    content.replaceChildren(span);
    if (!options.issuingCard || !options.ephemeralKeySecret) {
      span.classList.add('unavailable');
      span.textContent = '';
      return;
    }
    const value = await fetchValue(fieldFor(elementType));
    if (token !== loadToken) return;
    if (value.error) {
      // Stripe documents nothing for an expired or refused key; the element shows a dash and
      // reports a loaderror event (an emulator assumption).
      span.classList.add('unavailable');
      span.textContent = '—';
      document.body.classList.add('invalid');
      frame.send('element-loaderror', { error: value.error });
    } else {
      document.body.classList.remove('invalid');
      span.textContent = value.display;
      // For measuring the reveal from outside (bench/, tests): when the value went in.
      if (typeof performance.mark === 'function') performance.mark('issuing-element-value');
    }
    frame.reportSize();
    sendReadyOnce();
  }

  frame.on('configure', function (message) {
    options = Object.assign({}, message.options || {});
    if (!elementType && typeof options.type === 'string') elementType = options.type;
    render();
  });
  frame.on('update', function (message) {
    options = Object.assign({}, options, message.options || {});
    render();
  });
  frame.on('focus', function () {
    const target = content.querySelector('button');
    if (target) target.focus();
  });
  frame.ready();
})();
