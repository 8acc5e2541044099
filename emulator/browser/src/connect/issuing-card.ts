// <stripe-connect-issuing-card>: `defaultCard` (else the first card) and `cardSwitching` (default
// true: a select labelled "Card"). Each card shown, first or selected, fetches its own ephemeral
// key (card-numbers.ts).
import { h } from '../shared/dom.ts';
import type { HostFrames } from '../shared/origin.ts';
import { CardView } from './card-view.ts';
import { ConnectElement } from './element.ts';
import { cardholderName, labelled, statusLabel, typeLabel } from './format.ts';
import type { Card, ComponentFeatures, ComponentName, List } from './types.ts';

export function defineIssuingCard(frames: HostFrames): CustomElementConstructor {
  return class IssuingCardElement extends ConnectElement {
    readonly componentName: ComponentName = 'issuing_card';
    private defaultCard: string | null = null;
    private cardSwitching = true;
    private cards: Card[] = [];
    private features: ComponentFeatures = {};
    private readonly switcherRegion = h('div');

    setDefaultCardInternalOnly(value: unknown): void {
      const next = typeof value === 'string' && value ? value : null;
      if (next === this.defaultCard) return;
      this.defaultCard = next;
      if (this.loadGeneration) void this.start(); // else the scheduled first load will use it
    }

    setCardSwitchingInternalOnly(value: unknown): void {
      const next = value === undefined || value === null ? true : !!value;
      if (next === this.cardSwitching) return;
      this.cardSwitching = next;
      if (this.loadGeneration) void this.start(); // the list of cards is loaded only when switching is on
    }

    protected start(): Promise<void> {
      this.dropCardView();
      return this.loadWithStates(async (isCurrent) => {
        const connector = this.requireConnector();
        this.features = await this.componentFeatures();
        let card: Card | null = null;
        if (this.cardSwitching) {
          const cards = await connector.listAll<Card>('/v1/issuing/cards', { 'expand[]': 'data.cardholder' });
          if (!isCurrent()) return;
          this.cards = cards;
          card = this.defaultCard
            ? (this.cards.find((c) => c.id === this.defaultCard) ?? null)
            : (this.cards[0] ?? null);
        }
        if (!card && this.defaultCard) {
          const fetched = await connector.api<Card>(
            'GET',
            `/v1/issuing/cards/${encodeURIComponent(this.defaultCard)}`,
            { 'expand[]': 'cardholder' },
          );
          if (!isCurrent()) return;
          if (this.cardSwitching && !this.cards.some((c) => c.id === fetched.id)) this.cards.unshift(fetched);
          card = fetched;
        }
        if (!card && !this.cardSwitching) {
          const first = await connector.api<List<Card>>('GET', '/v1/issuing/cards', {
            limit: 1,
            'expand[]': 'data.cardholder',
          });
          if (!isCurrent()) return;
          card = first.data[0] ?? null;
        }
        if (!isCurrent()) return;
        if (!card) {
          this.rootEl.replaceChildren(h('p', { class: 'state' }, 'This account has no cards yet.'));
          return;
        }
        this.cardView = new CardView({
          host: this,
          frames,
          features: this.features,
          card,
          header: this.switcherRegion,
          onCardChange: (updated) => {
            const index = this.cards.findIndex((c) => c.id === updated.id);
            if (index >= 0) this.cards[index] = updated;
            this.renderSwitcher();
          },
        });
        this.renderSwitcher();
        this.rootEl.replaceChildren(this.cardView.el);
      });
    }

    private renderSwitcher(): void {
      const view = this.cardView;
      if (!this.cardSwitching || !view || this.cards.length === 0) {
        this.switcherRegion.replaceChildren();
        return;
      }
      const current = view.card.id;
      const select = h(
        'select',
        {
          onchange: (event: Event) => {
            const card = this.cards.find((c) => c.id === (event.target as HTMLSelectElement).value);
            if (card) view.setCard(card);
          },
        },
        this.cards.map((card) =>
          h(
            'option',
            { value: card.id, selected: card.id === current },
            `${cardholderName(card)} •••• ${card.last4} (${typeLabel(card.type)}, ${statusLabel(card.status).toLowerCase()})`,
          ),
        ),
      );
      const active = this.shadow.activeElement;
      const hadFocus = active !== null && this.switcherRegion.contains(active);
      this.switcherRegion.replaceChildren(labelled('Card', select));
      if (hadFocus) select.focus();
    }

    protected rerender(): void {
      this.cardView?.renderAll();
    }
  };
}
