// One card, as both components show it: details, actions (with `card_management`: freeze,
// activate, cancel with a reason), the numbers (card-numbers.ts) and the spend controls tab
// (spend-controls.ts).
import { h, uid } from '../shared/dom.ts';
import type { FormValue } from '../shared/form.ts';
import type { HostFrames } from '../shared/origin.ts';
import { CardNumbers } from './card-numbers.ts';
import type { ConnectElement } from './element.ts';
import { errorMessage } from './errors.ts';
import { cardholderName, describeLimit, formatDate, humanize, statusLabel, typeLabel } from './format.ts';
import { SpendControls } from './spend-controls.ts';
import type { Card, ComponentFeatures } from './types.ts';

export interface CardViewOptions {
  host: ConnectElement;
  frames: HostFrames;
  features: ComponentFeatures;
  card: Card;
  onCardChange?: (card: Card) => void;
  header?: Node;
}

type Tab = 'overview' | 'spend';

export class CardView {
  card: Card;
  readonly el: HTMLElement;
  readonly numbers: CardNumbers;
  private readonly host: ConnectElement;
  private readonly features: ComponentFeatures;
  private readonly onCardChange: (card: Card) => void;
  private readonly spend: SpendControls;
  private activeTab: Tab = 'overview';
  private readonly headingId = uid('card-heading');
  private readonly headerRegion = h('div');
  private readonly tabsRegion = h('div');
  private readonly detailsRegion = h('div');
  private readonly messageRegion = h('div');
  private readonly actionsRegion = h('div');
  private readonly overviewPanel: HTMLDivElement;
  private readonly spendPanel: HTMLDivElement;
  private dialog: HTMLDialogElement | null = null;

  constructor(options: CardViewOptions) {
    this.host = options.host;
    this.features = options.features;
    this.onCardChange = options.onCardChange ?? (() => undefined);
    this.card = options.card;
    const host = this.host;
    this.numbers = new CardNumbers(
      {
        get connector() {
          return host.connector;
        },
        get fetchEphemeralKey() {
          return host.fetchEphemeralKey;
        },
        get locale() {
          return host.connector?.locale;
        },
        get appearance() {
          return host.connector?.appearance ?? {};
        },
        frames: options.frames,
      },
      this.card,
    );
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the handlers below are DOM callbacks with their own `this`
    const view = this;
    this.overviewPanel = h(
      'div',
      { id: uid('panel'), role: 'tabpanel' },
      this.detailsRegion,
      this.messageRegion,
      this.actionsRegion,
      this.numbers.el,
    );
    this.spendPanel = h('div', { id: uid('panel'), role: 'tabpanel', hidden: true });
    this.spend = new SpendControls(
      {
        get card() {
          return view.card;
        },
        get features() {
          return view.features;
        },
        get locale() {
          return view.locale;
        },
        get showSpendControls() {
          return host.showSpendControls;
        },
        updateCard: (params) => this.updateCard(params),
      },
      this.spendPanel,
    );
    this.el = h(
      'section',
      { class: 'card-view', 'aria-labelledby': this.headingId },
      options.header ?? null,
      this.headerRegion,
      this.tabsRegion,
      this.overviewPanel,
      this.spendPanel,
    );
    this.renderAll();
  }

  get locale(): string | undefined {
    return this.host.connector?.locale;
  }

  /** Another card selected (card switching): it gets its own key (card-numbers.ts). */
  setCard(card: Card): void {
    if (card.id !== this.card.id) this.spend.reset();
    this.card = card;
    this.numbers.setCard(card);
    this.renderAll();
  }

  renderAll(): void {
    this.renderHeader();
    this.renderTabs();
    this.renderDetails();
    this.renderActions();
    this.spend.render();
  }

  focusHeading(): void {
    this.headerRegion.querySelector<HTMLElement>('h2')?.focus();
  }

  private renderHeader(): void {
    const card = this.card;
    this.headerRegion.replaceChildren(
      h(
        'h2',
        { id: this.headingId, tabindex: '-1' },
        `${cardholderName(card)} · •••• ${card.last4}`,
        ' ',
        h('span', { class: `badge ${card.status}` }, statusLabel(card.status)),
      ),
    );
  }

  private renderTabs(): void {
    if (!this.host.showSpendControls) {
      this.activeTab = 'overview';
      this.tabsRegion.replaceChildren();
      this.overviewPanel.removeAttribute('aria-labelledby');
      this.overviewPanel.removeAttribute('role');
      this.overviewPanel.hidden = false;
      this.spendPanel.hidden = true;
      return;
    }
    const tabs: [Tab, string, HTMLElement][] = [
      ['overview', 'Overview', this.overviewPanel],
      ['spend', 'Spend controls', this.spendPanel],
    ];
    const select = (tab: Tab) => {
      this.activeTab = tab;
      this.renderTabs();
      this.tabsRegion.querySelector<HTMLElement>('[aria-selected="true"]')?.focus();
    };
    const buttons = tabs.map(([tab, label, panel]) => {
      const id = uid('tab');
      const selected = this.activeTab === tab;
      panel.setAttribute('role', 'tabpanel');
      panel.setAttribute('aria-labelledby', id);
      panel.hidden = !selected;
      return h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id,
          'aria-selected': String(selected),
          'aria-controls': panel.id,
          tabindex: selected ? '0' : '-1',
          onclick: () => select(tab),
        },
        label,
      );
    });
    const list = h(
      'div',
      {
        role: 'tablist',
        'aria-label': 'Card sections',
        onkeydown: (event: KeyboardEvent) => {
          if (!['ArrowRight', 'ArrowLeft', 'Home', 'End'].includes(event.key)) return;
          event.preventDefault();
          const index = tabs.findIndex(([tab]) => tab === this.activeTab);
          let next = index;
          if (event.key === 'ArrowRight') next = (index + 1) % tabs.length;
          if (event.key === 'ArrowLeft') next = (index - 1 + tabs.length) % tabs.length;
          if (event.key === 'Home') next = 0;
          if (event.key === 'End') next = tabs.length - 1;
          select(tabs[next]![0]);
        },
      },
      buttons,
    );
    this.tabsRegion.replaceChildren(list);
  }

  private renderDetails(): void {
    const card = this.card;
    const holder = card.cardholder && typeof card.cardholder === 'object' ? card.cardholder : null;
    const limits = card.spending_controls?.spending_limits ?? [];
    const rows: [string, Parameters<typeof h>[2]][] = [
      [
        'Cardholder',
        holder
          ? [holder.name || holder.id, holder.email ? h('span', { class: 'muted' }, ` (${holder.email})`) : null]
          : cardholderName(card),
      ],
      ['Card number', `•••• •••• •••• ${card.last4}`],
      ['Brand', card.brand || '—'],
      ['Type', typeLabel(card.type)],
      [
        'Status',
        [
          statusLabel(card.status),
          card.status === 'canceled' && card.cancellation_reason ? ` (${humanize(card.cancellation_reason)})` : null,
        ],
      ],
      ['Created', card.created ? formatDate(card.created, this.locale) : '—'],
      [
        'Spending limits',
        limits.length
          ? h(
              'ul',
              null,
              limits.map((limit) => h('li', null, describeLimit(limit, card.currency, this.locale))),
            )
          : 'No spending limits',
      ],
    ];
    this.detailsRegion.replaceChildren(
      h(
        'dl',
        { class: 'details' },
        rows.map(([term, value]) => [h('dt', null, term), h('dd', null, value)]),
      ),
    );
  }

  private showMessage(kind: 'status' | 'error', text: string): void {
    this.messageRegion.replaceChildren(
      text
        ? h('p', kind === 'error' ? { class: 'alert', role: 'alert' } : { class: 'status', role: 'status' }, text)
        : '',
    );
  }

  private renderActions(): void {
    const card = this.card;
    if (!this.features.card_management) {
      this.actionsRegion.replaceChildren();
      return;
    }
    if (card.status === 'canceled') {
      this.actionsRegion.replaceChildren(
        h('p', { class: 'muted' }, 'This card is canceled. Canceled cards cannot be reactivated.'),
      );
      return;
    }
    const buttons: HTMLButtonElement[] = [];
    if (card.status === 'active') {
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            'data-action': 'freeze',
            onclick: () => void this.changeStatus('inactive', 'Card frozen.'),
          },
          'Freeze card',
        ),
      );
    } else {
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            'data-action': 'activate',
            onclick: () => void this.changeStatus('active', 'Card activated.'),
          },
          'Activate card',
        ),
      );
    }
    buttons.push(
      h(
        'button',
        { type: 'button', class: 'danger', 'data-action': 'cancel', onclick: () => this.openCancelDialog() },
        'Cancel card',
      ),
    );
    this.actionsRegion.replaceChildren(
      h('div', { class: 'actions', role: 'group', 'aria-label': 'Card actions' }, buttons),
    );
  }

  private setActionsBusy(busy: boolean): void {
    this.actionsRegion.querySelectorAll('button').forEach((button) => {
      button.disabled = busy;
    });
  }

  async updateCard(params: Record<string, FormValue>): Promise<Card> {
    const connector = this.host.connector;
    if (!connector) throw new Error('The component is not connected.');
    const updated = await connector.api<Card>('POST', `/v1/issuing/cards/${encodeURIComponent(this.card.id)}`, {
      'expand[]': 'cardholder',
      ...params,
    });
    // Keep the expanded cardholder even if only its id came back.
    if (typeof updated.cardholder !== 'object' && typeof this.card.cardholder === 'object')
      updated.cardholder = this.card.cardholder;
    this.card = updated;
    this.onCardChange(updated);
    this.renderHeader();
    this.renderDetails();
    this.renderActions();
    this.numbers.setCard(updated);
    return updated;
  }

  private async changeStatus(status: string, doneText: string): Promise<void> {
    const focusedAction = this.host.shadow.activeElement?.getAttribute('data-action');
    this.setActionsBusy(true);
    this.showMessage('status', 'Saving…');
    try {
      await this.updateCard({ status });
      this.showMessage('status', doneText);
    } catch (error) {
      this.setActionsBusy(false);
      this.showMessage('error', errorMessage(error, 'The card could not be updated.'));
    }
    // The pressed button was replaced (Freeze <-> Activate): keep focus in the actions.
    if (focusedAction) this.actionsRegion.querySelector<HTMLButtonElement>('button')?.focus();
  }

  private openCancelDialog(): void {
    this.dialog?.remove();
    const titleId = uid('dialog-title');
    const descId = uid('dialog-desc');
    const errorRegion = h('div');
    const reasonName = uid('reason');
    const trigger = this.actionsRegion.querySelector<HTMLButtonElement>('[data-action="cancel"]');
    const confirm = async (event: Event) => {
      const button = event.currentTarget as HTMLButtonElement;
      const checked = dialog.querySelector<HTMLInputElement>(`input[name="${reasonName}"]:checked`);
      if (!checked) {
        errorRegion.replaceChildren(
          h('p', { class: 'alert', role: 'alert' }, 'Choose whether the card was lost or stolen.'),
        );
        dialog.querySelector<HTMLInputElement>('input[type="radio"]')?.focus();
        return;
      }
      button.disabled = true;
      errorRegion.replaceChildren(h('p', { role: 'status' }, 'Canceling…'));
      try {
        await this.updateCard({ status: 'canceled', cancellation_reason: checked.value });
        dialog.close();
        this.showMessage('status', 'Card canceled.');
        this.focusHeading();
      } catch (error) {
        button.disabled = false;
        errorRegion.replaceChildren(
          h('p', { class: 'alert', role: 'alert' }, errorMessage(error, 'The card could not be canceled.')),
        );
      }
    };
    const dialog = h(
      'dialog',
      { 'aria-labelledby': titleId, 'aria-describedby': descId },
      h('h3', { id: titleId }, `Cancel card •••• ${this.card.last4}?`),
      h('p', { id: descId }, "Canceling a card is permanent. A canceled card can't be reactivated or used again."),
      h(
        'fieldset',
        null,
        h('legend', null, 'Why are you canceling this card?'),
        h('label', { class: 'radio' }, h('input', { type: 'radio', name: reasonName, value: 'lost' }), 'Lost'),
        h('label', { class: 'radio' }, h('input', { type: 'radio', name: reasonName, value: 'stolen' }), 'Stolen'),
      ),
      errorRegion,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', 'data-role': 'keep', onclick: () => dialog.close() }, 'Keep card'),
        h(
          'button',
          { type: 'button', class: 'danger', 'data-role': 'confirm', onclick: (event: Event) => void confirm(event) },
          'Cancel card permanently',
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (this.dialog === dialog) this.dialog = null;
      if (trigger?.isConnected) trigger.focus();
    });
    this.dialog = dialog;
    this.el.append(dialog);
    dialog.showModal();
    dialog.querySelector<HTMLInputElement>('input[type="radio"]')?.focus();
  }

  onAppearanceChange(): void {
    this.numbers.onAppearanceChange();
  }

  setShowSpendControls(): void {
    this.renderTabs();
    this.spend.render();
  }

  destroy(): void {
    this.numbers.destroy();
    this.dialog?.remove();
    this.el.remove();
  }
}
