// One Issuing Element (stripe.js `elements().create(type)`): a number, CVC, expiry or PIN display,
// or the copy button. The parent sends the options (type, card id, ephemeral key, nonce, style;
// for the copy button `toCopy` and the credentials of its group's display elements) by
// postMessage. The frame may have been loaded before its element existed (stripe.js keeps a few
// preloaded, untyped frames); the type then comes with the options. The value comes from the
// page's controller frame, which retrieved the card once for the whole group; when it has none
// for this card and key, this frame fetches the card with the ephemeral key itself. Copying
// happens here, with the Clipboard API; the parent only hears that a click happened.
import type { StripeErrorLike } from '../shared/messages.ts';
import * as frame from './channel.ts';
import type { CardField, ElementStyle } from './channel.ts';

interface ElementOptions {
  type?: string;
  issuingCard?: string;
  ephemeralKeySecret?: string;
  nonce?: string;
  controllerName?: string;
  toCopy?: string;
  style?: ElementStyle;
}

type Field = 'number' | 'cvc' | 'pin' | 'expiry';
type Value =
  | { display: string; raw: string; error?: undefined }
  | { error: StripeErrorLike; display?: undefined; raw?: undefined };

const content = document.getElementById('content')!;
let elementType = frame.params.get('type') || '';
const LABELS: Record<string, string> = {
  issuingCardNumberDisplay: 'Card number',
  issuingCardCvcDisplay: 'CVC',
  issuingCardExpiryDisplay: 'Expiry date',
  issuingCardPinDisplay: 'PIN',
};
const COPY_LABELS: Record<string, string> = {
  number: 'Copy card number',
  cvc: 'Copy CVC',
  expiry: 'Copy expiry date',
  pin: 'Copy PIN',
};
let options: ElementOptions = {};
let loadToken = 0;
let copyValue: string | null = null;
let readySent = false;

function fieldFor(type: string, toCopy?: string): Field {
  if (type === 'issuingCardNumberDisplay' || toCopy === 'number') return 'number';
  if (type === 'issuingCardCvcDisplay' || toCopy === 'cvc') return 'cvc';
  if (type === 'issuingCardPinDisplay' || toCopy === 'pin') return 'pin';
  return 'expiry';
}

const EXPAND: Record<Field, string> = {
  number: '?expand[]=number',
  cvc: '?expand[]=cvc',
  pin: '?expand[]=pin.number',
  expiry: '',
};

async function fetchValue(field: Field): Promise<Value> {
  let card: CardField | null = await frame.askController(options.controllerName, {
    issuingCard: options.issuingCard,
    ephemeralKeySecret: options.ephemeralKeySecret,
    field,
  });
  if (!card) {
    const result = await frame.api<CardField>(
      'GET',
      `/v1/issuing/cards/${encodeURIComponent(options.issuingCard ?? '')}${EXPAND[field]}`,
      { key: options.ephemeralKeySecret },
    );
    if (!result.ok || !result.body) return { error: frame.resultError(result, 'The card could not be retrieved.') };
    card = result.body as CardField;
  }
  const missing = (what: string): Value => ({
    error: { type: 'invalid_request_error', message: `The ${what} is not available.` },
  });
  if (field === 'number')
    return card.number ? { display: frame.groupCardNumber(card.number), raw: card.number } : missing('card number');
  if (field === 'cvc') return card.cvc ? { display: card.cvc, raw: card.cvc } : missing('CVC');
  if (field === 'pin') return card.pin?.number ? { display: card.pin.number, raw: card.pin.number } : missing('PIN');
  const expiry = frame.formatExpiry(card.exp_month, card.exp_year);
  return { display: expiry, raw: expiry };
}

function sendReadyOnce(): void {
  if (readySent) return;
  readySent = true;
  frame.send('element-ready');
}

async function renderCopyButton(token: number): Promise<void> {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'copy-button';
  const label = COPY_LABELS[options.toCopy ?? ''] ?? 'Copy';
  button.setAttribute('aria-label', label);
  button.textContent = label;
  button.addEventListener('click', () => {
    if (copyValue === null) return;
    navigator.clipboard.writeText(copyValue).then(
      () => frame.send('element-click'),
      () => frame.send('element-click', { copyFailed: true }),
    );
  });
  content.replaceChildren(button);
  copyValue = null;
  if (options.issuingCard && options.ephemeralKeySecret) {
    const value = await fetchValue(fieldFor(elementType, options.toCopy));
    if (token !== loadToken) return;
    copyValue = value.raw ?? null;
    if (value.error) frame.send('element-loaderror', { error: value.error });
  }
  sendReadyOnce();
}

async function render(): Promise<void> {
  const token = ++loadToken;
  frame.applyElementStyle(options.style, elementType === 'issuingCardCopyButton' ? '.copy-button' : '.value');
  if (elementType === 'issuingCardCopyButton') return renderCopyButton(token);
  const span = document.createElement('span');
  span.className = 'value';
  span.setAttribute('aria-label', LABELS[elementType] ?? 'Card detail');
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

frame.on('configure', (message) => {
  options = { ...((message.options as ElementOptions | undefined) ?? {}) };
  if (!elementType && typeof options.type === 'string') elementType = options.type;
  void render();
});
frame.on('update', (message) => {
  options = { ...options, ...((message.options as ElementOptions | undefined) ?? {}) };
  void render();
});
frame.on('focus', () => content.querySelector('button')?.focus());
frame.ready();
