/*
 * Card details (number, CVC, expiry) for the Connect issuing components' "Show numbers".
 * The parent sends the card id and the ephemeral key by postMessage (never in the URL); this
 * frame fetches the card with the key and shows it. Only status messages go back.
 */
(function () {
  'use strict';
  const frame = window.EmulatorFrame;
  const content = document.getElementById('content');
  let loadToken = 0;

  function h(tag, attrs, children) {
    const el = document.createElement(tag);
    for (const key of Object.keys(attrs || {})) el.setAttribute(key, attrs[key]);
    for (const child of [].concat(children || [])) el.append(child);
    return el;
  }

  function copyButton(label, value) {
    const button = h('button', { type: 'button', 'aria-label': 'Copy ' + label.toLowerCase() }, 'Copy');
    button.addEventListener('click', function () {
      navigator.clipboard.writeText(value).then(function () {
        button.textContent = 'Copied';
        setTimeout(function () { button.textContent = 'Copy'; }, 1500);
      }, function () {
        button.textContent = 'Copy failed';
      });
    });
    return button;
  }

  async function show(message) {
    const token = ++loadToken;
    frame.applyAppearance(message.appearance);
    if (typeof message.issuingCard !== 'string' || typeof message.ephemeralKeySecret !== 'string') {
      content.replaceChildren(h('p', { role: 'alert', class: 'alert' }, 'Card details are unavailable.'));
      frame.send('error', { message: 'Card details are unavailable.' });
      return;
    }
    content.replaceChildren(h('p', { role: 'status' }, 'Loading card details…'));
    const result = await frame.api('GET', '/v1/issuing/cards/' + encodeURIComponent(message.issuingCard) + '?expand[]=number&expand[]=cvc', {
      key: message.ephemeralKeySecret,
    });
    if (token !== loadToken) return;
    if (!result.ok || !result.body || !result.body.number) {
      const text = "Couldn't load the card details: " + ((result.body && result.body.error && result.body.error.message) || 'the key was refused.');
      content.replaceChildren(h('p', { role: 'alert', class: 'alert' }, text));
      frame.send('error', { message: text });
      return;
    }
    const card = result.body;
    const expiry = frame.formatExpiry(card.exp_month, card.exp_year);
    content.replaceChildren(h('dl', {}, [
      h('dt', {}, 'Card number'),
      h('dd', {}, [h('span', { class: 'value' }, frame.groupCardNumber(card.number)), copyButton('Card number', card.number)]),
      h('dt', {}, 'Expiry'),
      h('dd', {}, [h('span', { class: 'value' }, expiry), copyButton('Expiry', expiry)]),
      h('dt', {}, 'CVC'),
      h('dd', {}, [h('span', { class: 'value' }, card.cvc), copyButton('CVC', card.cvc)]),
    ]));
    frame.send('loaded');
    frame.reportSize();
  }

  frame.on('show-card', show);
  frame.on('appearance', function (message) { frame.applyAppearance(message.appearance); });
  frame.ready();
})();
