// The controller frame stripe.js mounts (hidden) as it loads, as Stripe.js mounts frames of its
// own. It lives on the emulator's origin and does two things:
//
// - `retrieveIssuingCard`: fetches the card once with the ephemeral key and the requested
//   `expand` (number, cvc, pin.number), keeps the full card here and answers the host page with
//   the card *without* its PCI fields (the host never receives them).
// - Serves that card to the Issuing Element frames of the same page: one card fetch per reveal
//   instead of one per element. The element frames are on this origin too, so they reach this
//   frame directly (`parent.frames[<this frame's name>].EmulatorController`), which the
//   same-origin policy allows only to them: the host page, on another origin, cannot. An element
//   asks with the card id and the key it was given; it gets an answer only when both match what
//   was retrieved, and only the field it shows. Anything else is null, and the element fetches
//   the card itself.
import type { StripeErrorLike } from '../shared/messages.ts';
import { stripPciFields, type PciCard } from '../shared/pci.ts';
import * as frame from './channel.ts';
import type { CardField, ControllerApi } from './channel.ts';

const SENSITIVE = ['number', 'cvc', 'pin.number'];
// Issuing Elements' ephemeral keys last 15 minutes; nothing is kept longer than that.
const TTL_MS = 15 * 60 * 1000;
const MAX_ENTRIES = 20;

interface FullCard extends PciCard {
  exp_month?: number;
  exp_year?: number;
}
type Outcome = { card: FullCard } | { error: StripeErrorLike };

/** `${card}|${key}` → the retrieval. */
const entries = new Map<string, { at: number; promise: Promise<Outcome> }>();

const entryKey = (card: unknown, key: unknown) => `${String(card)}|${String(key)}`;

function prune(): void {
  const now = Date.now();
  entries.forEach((entry, key) => {
    if (now - entry.at > TTL_MS) entries.delete(key);
  });
  while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
}

async function fetchCard(cardId: string, key: string, expand: string[]): Promise<Outcome> {
  const query = expand.map((field) => `expand[]=${encodeURIComponent(field)}`).join('&');
  const result = await frame.api<FullCard>(
    'GET',
    `/v1/issuing/cards/${encodeURIComponent(cardId)}${query ? `?${query}` : ''}`,
    { key },
  );
  if (!result.ok || !result.body) return { error: frame.resultError(result, 'The card could not be retrieved.') };
  return { card: result.body };
}

frame.on('retrieve-issuing-card', (message) => {
  const cardId = message.issuingCard;
  const key = message.ephemeralKeySecret;
  const expand = (Array.isArray(message.expand) ? (message.expand as unknown[]) : []).filter(
    (field): field is string => typeof field === 'string' && SENSITIVE.includes(field),
  );
  prune();
  const promise =
    typeof cardId === 'string' && typeof key === 'string'
      ? fetchCard(cardId, key, expand)
      : Promise.resolve<Outcome>({ error: { type: 'invalid_request_error', message: 'No card or key.' } });
  if (typeof cardId === 'string' && typeof key === 'string')
    entries.set(entryKey(cardId, key), { at: Date.now(), promise });
  void promise.then((outcome) => {
    if ('error' in outcome) entries.delete(entryKey(cardId, key));
    frame.send('retrieve-issuing-card-result', {
      requestId: message.requestId,
      result: 'error' in outcome ? { error: outcome.error } : { issuingCard: stripPciFields(outcome.card) },
    });
  });
});

frame.on('forget', (message) => {
  entries.delete(entryKey(message.issuingCard, message.ephemeralKeySecret));
});

/** Only what one element shows: the raw field, never the whole card. */
function pick(card: FullCard, field: string): CardField | null {
  if (field === 'number') return card.number ? { number: card.number } : null;
  if (field === 'cvc') return card.cvc ? { cvc: card.cvc } : null;
  if (field === 'pin') return card.pin?.number ? { pin: { number: card.pin.number } } : null;
  if (field === 'expiry') return { exp_month: card.exp_month, exp_year: card.exp_year };
  return null;
}

const controller: ControllerApi = {
  /** The part of the card an element shows, if this frame retrieved the card with that key; else null. */
  cardField: (request) => {
    const entry = entries.get(entryKey(request.issuingCard, request.ephemeralKeySecret));
    if (!entry || Date.now() - entry.at > TTL_MS) return Promise.resolve(null);
    return entry.promise.then((outcome) => ('card' in outcome ? pick(outcome.card, request.field) : null));
  },
};
(window as Window & { EmulatorController?: ControllerApi }).EmulatorController = controller;

frame.ready();
