/*
 * The controller frame stripe.js mounts (hidden) as it loads, as Stripe.js mounts frames of its
 * own. It lives on the emulator's origin and does two things:
 *
 * - `retrieveIssuingCard`: fetches the card once with the ephemeral key and the requested
 *   `expand` (number, cvc, pin.number), keeps the full card here and answers the host page with
 *   the card *without* its PCI fields (the host never receives them).
 * - Serves that card to the Issuing Element frames of the same page: one card fetch per reveal
 *   instead of one per element. The element frames are on this origin too, so they reach this
 *   frame directly (`parent.frames[<this frame's name>].EmulatorController`), which the
 *   same-origin policy allows only to them: the host page, on another origin, cannot. An element
 *   asks with the card id and the key it was given; it gets an answer only when both match what
 *   was retrieved, and only the field it shows. Anything else is null, and the element fetches
 *   the card itself.
 */
(function () {
  'use strict';
  const frame = window.EmulatorFrame;
  const SENSITIVE = ['number', 'cvc', 'pin.number'];
  // Issuing Elements' ephemeral keys last 15 minutes; nothing is kept longer than that.
  const TTL_MS = 15 * 60 * 1000;
  const MAX_ENTRIES = 20;
  /** `${card}|${key}` -> { at, promise: Promise<{card}|{error}> } */
  const entries = new Map();

  function entryKey(card, key) { return card + '|' + key; }

  function prune() {
    const now = Date.now();
    entries.forEach(function (entry, key) { if (now - entry.at > TTL_MS) entries.delete(key); });
    while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value);
  }

  function stripPciFields(card) {
    const copy = Object.assign({}, card);
    delete copy.number;
    delete copy.cvc;
    if (copy.pin && typeof copy.pin === 'object') {
      copy.pin = Object.assign({}, copy.pin);
      delete copy.pin.number;
    }
    return copy;
  }

  async function fetchCard(cardId, key, expand) {
    const query = expand.map(function (field) { return 'expand[]=' + encodeURIComponent(field); }).join('&');
    const result = await frame.api('GET', '/v1/issuing/cards/' + encodeURIComponent(cardId) + (query ? '?' + query : ''), { key: key });
    if (!result.ok || !result.body) {
      return { error: (result.body && result.body.error) || { type: 'api_error', message: 'The card could not be retrieved.' } };
    }
    return { card: result.body };
  }

  frame.on('retrieve-issuing-card', function (message) {
    const cardId = message.issuingCard;
    const key = message.ephemeralKeySecret;
    const expand = (Array.isArray(message.expand) ? message.expand : []).filter(function (field) { return SENSITIVE.indexOf(field) >= 0; });
    prune();
    const promise = fetchCard(cardId, key, expand);
    if (typeof cardId === 'string' && typeof key === 'string') entries.set(entryKey(cardId, key), { at: Date.now(), promise: promise });
    promise.then(function (outcome) {
      if (outcome.error) entries.delete(entryKey(cardId, key));
      frame.send('retrieve-issuing-card-result', {
        requestId: message.requestId,
        result: outcome.error ? { error: outcome.error } : { issuingCard: stripPciFields(outcome.card) },
      });
    });
  });

  frame.on('forget', function (message) {
    entries.delete(entryKey(message.issuingCard, message.ephemeralKeySecret));
  });

  /** Only what one element shows: the raw field, never the whole card. */
  function pick(card, field) {
    if (field === 'number') return card.number ? { number: card.number } : null;
    if (field === 'cvc') return card.cvc ? { cvc: card.cvc } : null;
    if (field === 'pin') return card.pin && card.pin.number ? { pin: { number: card.pin.number } } : null;
    if (field === 'expiry') return { exp_month: card.exp_month, exp_year: card.exp_year };
    return null;
  }

  window.EmulatorController = {
    /** The part of the card an element shows, if this frame retrieved the card with that key; else null. */
    cardField: function (request) {
      const entry = request && entries.get(entryKey(request.issuingCard, request.ephemeralKeySecret));
      if (!entry || Date.now() - entry.at > TTL_MS) return Promise.resolve(null);
      return entry.promise.then(function (outcome) { return outcome.card ? pick(outcome.card, request.field) : null; });
    },
  };

  frame.ready();
})();
