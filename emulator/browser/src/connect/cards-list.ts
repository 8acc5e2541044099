// <stripe-connect-issuing-cards-list>: the session account's cards (every page of
// GET /v1/issuing/cards?expand[]=data.cardholder), filters Cardholder / Card type / Status /
// Created; a row's first cell (a button named "Jenny Rosen, card ending in 4242") opens the card
// in place (a CardView, which fetches that card's ephemeral key as it opens), "Back to cards"
// returns with focus on the row.
import { h } from '../shared/dom.ts';
import type { HostFrames } from '../shared/origin.ts';
import { CardView } from './card-view.ts';
import { ConnectElement } from './element.ts';
import { cardholderId, cardholderName, formatDate, labelled, statusLabel, typeLabel } from './format.ts';
import type { Card, ComponentFeatures, ComponentName } from './types.ts';

const CREATED_FILTERS: [string, string][] = [
  ['', 'Any time'],
  ['7', 'Last 7 days'],
  ['30', 'Last 30 days'],
  ['365', 'Last 12 months'],
];

type FilterKey = 'cardholder' | 'type' | 'status' | 'created';

export function defineCardsList(frames: HostFrames): CustomElementConstructor {
  return class IssuingCardsListElement extends ConnectElement {
    readonly componentName: ComponentName = 'issuing_cards_list';
    private issuingProgram: string | null = null;
    private cards: Card[] = [];
    private features: ComponentFeatures = {};
    private readonly filters: Record<FilterKey, string> = { cardholder: '', type: '', status: '', created: '' };
    private listEl: HTMLElement | null = null;
    private tableRegion: HTMLElement | null = null;
    private countRegion: HTMLElement | null = null;

    // Stripe documents no behaviour for issuingProgram; it is kept for parity only.
    setIssuingProgramInternalOnly(value: unknown): void {
      this.issuingProgram = typeof value === 'string' && value ? value : null;
    }

    protected start(): Promise<void> {
      this.dropCardView();
      return this.loadWithStates(async (isCurrent) => {
        const features = await this.componentFeatures();
        const cards = await this.requireConnector().listAll<Card>('/v1/issuing/cards', {
          'expand[]': 'data.cardholder',
        });
        if (!isCurrent()) return;
        this.features = features;
        this.cards = cards;
        this.renderList();
      });
    }

    private filteredCards(): Card[] {
      const f = this.filters;
      const since = f.created ? Date.now() / 1000 - Number(f.created) * 86400 : 0;
      return this.cards.filter(
        (card) =>
          (!f.cardholder || cardholderId(card) === f.cardholder) &&
          (!f.type || card.type === f.type) &&
          (!f.status || card.status === f.status) &&
          (!since || (card.created ?? 0) >= since),
      );
    }

    private renderList(): void {
      const holders = new Map<string, string>();
      for (const card of this.cards) {
        const id = cardholderId(card);
        if (id && !holders.has(id)) holders.set(id, cardholderName(card));
      }
      const sortedHolders = [...holders.entries()].sort((a, b) => a[1].localeCompare(b[1]));
      const select = (label: string, key: FilterKey, options: [string, string][]) =>
        labelled(
          label,
          h(
            'select',
            {
              onchange: (e: Event) => {
                this.filters[key] = (e.target as HTMLSelectElement).value;
                this.renderTable();
              },
            },
            options.map(([value, text]) => h('option', { value, selected: this.filters[key] === value }, text)),
          ),
        );
      this.tableRegion = h('div');
      this.countRegion = h('p', { class: 'muted', role: 'status' });
      this.listEl = h(
        'section',
        { 'aria-label': 'Issuing cards' },
        h(
          'div',
          { class: 'filters', role: 'group', 'aria-label': 'Filter cards' },
          select('Cardholder', 'cardholder', [['', 'All cardholders'], ...sortedHolders]),
          select('Card type', 'type', [
            ['', 'All types'],
            ['virtual', 'Virtual'],
            ['physical', 'Physical'],
          ]),
          select('Status', 'status', [
            ['', 'All statuses'],
            ['active', 'Active'],
            ['inactive', 'Inactive'],
            ['canceled', 'Canceled'],
          ]),
          select('Created', 'created', CREATED_FILTERS),
        ),
        this.countRegion,
        this.tableRegion,
      );
      this.rootEl.replaceChildren(this.listEl);
      this.renderTable();
    }

    private renderTable(): void {
      if (!this.tableRegion || !this.countRegion) return;
      const cards = this.filteredCards();
      const total = this.cards.length;
      this.countRegion.textContent =
        total === 0
          ? ''
          : cards.length === total
            ? `${total}${total === 1 ? ' card' : ' cards'}`
            : `Showing ${cards.length} of ${total} cards`;
      if (total === 0) {
        this.tableRegion.replaceChildren(h('p', { class: 'state' }, 'This account has no cards yet.'));
        return;
      }
      if (cards.length === 0) {
        this.tableRegion.replaceChildren(h('p', { class: 'state' }, 'No cards match these filters.'));
        return;
      }
      const locale = this.connector?.locale;
      const rows = cards.map((card) => {
        const name = cardholderName(card);
        const open = () => this.openCard(card.id);
        return h(
          'tr',
          {
            'data-card': card.id,
            onclick: (event: Event) => {
              if (!(event.target as Element).closest('button')) open();
            },
          },
          h(
            'td',
            null,
            h(
              'button',
              {
                type: 'button',
                class: 'link',
                'data-open': card.id,
                // The accessible name starts with the visible text (WCAG 2.5.3 "Label in Name":
                // speech users say what they see; axe's label-content-name-mismatch), and names
                // the card, since a cardholder may have several.
                'aria-label': `${name}, card ending in ${card.last4}`,
                onclick: open,
              },
              name,
            ),
          ),
          h('td', null, `•••• ${card.last4}`),
          h('td', null, typeLabel(card.type)),
          h('td', null, h('span', { class: `badge ${card.status}` }, statusLabel(card.status))),
          h('td', null, card.created ? formatDate(card.created, locale) : '—'),
        );
      });
      this.tableRegion.replaceChildren(
        h(
          'table',
          null,
          h('caption', { class: 'visually-hidden' }, 'Issuing cards'),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['Cardholder', 'Card', 'Type', 'Status', 'Created'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h('tbody', null, rows),
        ),
      );
    }

    private openCard(cardId: string): void {
      const card = this.cards.find((c) => c.id === cardId);
      if (!card || !this.listEl) return;
      const back = h(
        'button',
        { type: 'button', class: 'link', onclick: () => this.closeCard(cardId) },
        '← Back to cards',
      );
      this.dropCardView();
      this.cardView = new CardView({
        host: this,
        frames,
        features: this.features,
        card,
        header: h('div', null, back),
        onCardChange: (updated) => {
          const index = this.cards.findIndex((c) => c.id === updated.id);
          if (index >= 0) this.cards[index] = updated;
        },
      });
      this.listEl.hidden = true;
      this.rootEl.append(this.cardView.el);
      this.cardView.focusHeading();
    }

    private closeCard(cardId: string): void {
      this.dropCardView();
      if (this.listEl) this.listEl.hidden = false;
      this.renderTable();
      this.tableRegion?.querySelector<HTMLButtonElement>(`button[data-open="${cardId}"]`)?.focus();
    }

    protected rerender(): void {
      if (this.cardView) this.cardView.renderAll();
      else this.renderTable();
    }
  };
}
