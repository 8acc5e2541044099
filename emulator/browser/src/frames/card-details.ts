// Card details (number, CVC, expiry) for the Connect issuing components' "Show numbers". The
// parent sends the card id and the ephemeral key by postMessage (never in the URL); this frame
// fetches the card with the key and shows it. Only status messages go back.
import { h } from '../shared/dom.ts';
import * as frame from './channel.ts';

interface RevealedCard {
  number?: string;
  cvc?: string;
  exp_month?: number;
  exp_year?: number;
}

const content = document.getElementById('content')!;
let loadToken = 0;

function copyButton(label: string, value: string): HTMLButtonElement {
  const button = h('button', { type: 'button', 'aria-label': `Copy ${label.toLowerCase()}` }, 'Copy');
  button.addEventListener('click', () => {
    navigator.clipboard.writeText(value).then(
      () => {
        button.textContent = 'Copied';
        setTimeout(() => (button.textContent = 'Copy'), 1500);
      },
      () => {
        button.textContent = 'Copy failed';
      },
    );
  });
  return button;
}

async function show(message: Record<string, unknown>): Promise<void> {
  const token = ++loadToken;
  frame.applyAppearance(message.appearance);
  if (typeof message.issuingCard !== 'string' || typeof message.ephemeralKeySecret !== 'string') {
    content.replaceChildren(h('p', { role: 'alert', class: 'alert' }, 'Card details are unavailable.'));
    frame.send('error', { message: 'Card details are unavailable.' });
    return;
  }
  content.replaceChildren(h('p', { role: 'status' }, 'Loading card details…'));
  const result = await frame.api<RevealedCard>(
    'GET',
    `/v1/issuing/cards/${encodeURIComponent(message.issuingCard)}?expand[]=number&expand[]=cvc`,
    {
      key: message.ephemeralKeySecret,
    },
  );
  if (token !== loadToken) return;
  const card =
    result.ok && result.body && !('error' in result.body && result.body.error) ? (result.body as RevealedCard) : null;
  if (!card?.number) {
    const text = `Couldn't load the card details: ${frame.resultError(result, 'the key was refused.').message}`;
    content.replaceChildren(h('p', { role: 'alert', class: 'alert' }, text));
    frame.send('error', { message: text });
    return;
  }
  const expiry = frame.formatExpiry(card.exp_month, card.exp_year);
  content.replaceChildren(
    h(
      'dl',
      {},
      h('dt', {}, 'Card number'),
      h(
        'dd',
        {},
        h('span', { class: 'value' }, frame.groupCardNumber(card.number)),
        copyButton('Card number', card.number),
      ),
      h('dt', {}, 'Expiry'),
      h('dd', {}, h('span', { class: 'value' }, expiry), copyButton('Expiry', expiry)),
      h('dt', {}, 'CVC'),
      h('dd', {}, h('span', { class: 'value' }, card.cvc ?? ''), copyButton('CVC', card.cvc ?? '')),
    ),
  );
  frame.send('loaded');
  frame.reportSize();
}

frame.on('show-card', (message) => void show(message));
frame.on('appearance', (message) => frame.applyAppearance(message.appearance));
frame.ready();
