// The card view's "Spend controls" tab: shown with `showSpendControls`, editable only with the
// session's `spend_control_management` feature ("To enable editing spend controls in the
// component, pass spend_control_management: true", docs.stripe.com/connect/supported-embedded-components/issuing-card).
// Limits (amount, interval, categories) and allowed or blocked merchant categories, saved with
// POST /v1/issuing/cards/:id `spending_controls[…]`; the list not chosen is cleared with ''.
// Categories are checked against Stripe's list before the request (emulator/api/merchant-categories.ts).
import { MERCHANT_CATEGORIES } from '../../../api/merchant-categories.ts';
import { h, uid, valueOf } from '../shared/dom.ts';
import type { FormValue } from '../shared/form.ts';
import { errorMessage } from './errors.ts';
import {
  describeLimit,
  humanize,
  labelled,
  LIMIT_INTERVALS,
  parseCategories,
  toMajorUnits,
  toMinorUnits,
} from './format.ts';
import type { Card, ComponentFeatures } from './types.ts';

const KNOWN_CATEGORIES = new Set(MERCHANT_CATEGORIES);

type CategoryMode = 'all' | 'allowed' | 'blocked';

interface Draft {
  limits: { amount: string; interval: string; categories: string }[];
  mode: CategoryMode;
  categories: string;
}

export interface SpendControlsHost {
  readonly card: Card;
  readonly features: ComponentFeatures;
  readonly locale: string | undefined;
  readonly showSpendControls: boolean;
  updateCard(params: Record<string, FormValue>): Promise<Card>;
}

export class SpendControls {
  private draft: Draft | null = null;
  /** The message area of the form on screen (a save re-renders the form). */
  private messageRegion: HTMLElement | null = null;

  constructor(
    private readonly host: SpendControlsHost,
    readonly panel: HTMLElement,
  ) {}

  /** A different card: forget the unsaved draft. */
  reset(): void {
    this.draft = null;
  }

  private currentDraft(): Draft {
    if (this.draft) return this.draft;
    const card = this.host.card;
    const controls = card.spending_controls ?? {};
    const currency = card.currency || 'usd';
    let mode: CategoryMode = 'all';
    let categories: string[] = [];
    if (controls.allowed_categories?.length) {
      mode = 'allowed';
      categories = controls.allowed_categories;
    } else if (controls.blocked_categories?.length) {
      mode = 'blocked';
      categories = controls.blocked_categories;
    }
    this.draft = {
      limits: (controls.spending_limits ?? []).map((limit) => ({
        amount: toMajorUnits(limit.amount, currency),
        interval: limit.interval,
        categories: (limit.categories ?? []).join(', '),
      })),
      mode,
      categories: categories.join(', '),
    };
    return this.draft;
  }

  render(): void {
    const { card, features, locale } = this.host;
    if (!this.host.showSpendControls) {
      this.panel.replaceChildren();
      return;
    }
    const controls = card.spending_controls ?? {};
    const editable = !!features.spend_control_management && card.status !== 'canceled';
    if (!editable) {
      const limits = controls.spending_limits ?? [];
      const allowed = controls.allowed_categories ?? [];
      const blocked = controls.blocked_categories ?? [];
      this.panel.replaceChildren(
        h('h3', null, 'Spending limits'),
        limits.length
          ? h(
              'ul',
              null,
              limits.map((limit) => h('li', null, describeLimit(limit, card.currency, locale))),
            )
          : h('p', null, 'No spending limits'),
        h('h3', null, 'Merchant categories'),
        h(
          'p',
          null,
          allowed.length
            ? `Allowed only: ${allowed.map(humanize).join(', ')}`
            : blocked.length
              ? `Blocked: ${blocked.map(humanize).join(', ')}`
              : 'All categories allowed',
        ),
        h(
          'p',
          { class: 'muted' },
          card.status === 'canceled'
            ? "Spend controls of a canceled card can't be changed."
            : "You don't have permission to change spend controls.",
        ),
      );
      return;
    }
    const draft = this.currentDraft();
    const currencyCode = (card.currency || 'usd').toUpperCase();
    const messageRegion = h('div');
    this.messageRegion = messageRegion;
    const limitRows = draft.limits.map((limit, index) => {
      const n = index + 1;
      return h(
        'fieldset',
        { class: 'limit-row' },
        h('legend', null, `Limit ${n}`),
        labelled(
          `Amount (${currencyCode})`,
          h('input', {
            type: 'number',
            min: '0.01',
            step: 'any',
            inputmode: 'decimal',
            required: true,
            value: limit.amount,
            oninput: (e: Event) => (limit.amount = valueOf(e)),
          }),
        ),
        labelled(
          'Interval',
          h(
            'select',
            { onchange: (e: Event) => (limit.interval = valueOf(e)) },
            LIMIT_INTERVALS.map(([value, label]) => h('option', { value, selected: value === limit.interval }, label)),
          ),
        ),
        labelled(
          'Categories (optional, comma-separated)',
          h('input', { type: 'text', value: limit.categories, oninput: (e: Event) => (limit.categories = valueOf(e)) }),
        ),
        h(
          'button',
          {
            type: 'button',
            'aria-label': `Remove limit ${n}`,
            onclick: () => {
              draft.limits.splice(index, 1);
              this.render();
              this.panel.querySelector<HTMLButtonElement>('[data-add-limit]')?.focus();
            },
          },
          'Remove',
        ),
      );
    });
    const modeName = uid('mode');
    const modes: [CategoryMode, string][] = [
      ['all', 'All categories'],
      ['allowed', 'Allow only these categories'],
      ['blocked', 'Block these categories'],
    ];
    const categoriesInput = h('textarea', {
      rows: '2',
      disabled: draft.mode === 'all',
      oninput: (e: Event) => (draft.categories = valueOf(e)),
    });
    categoriesInput.value = draft.categories;
    const form: HTMLFormElement = h(
      'form',
      {
        'aria-label': 'Spend controls',
        novalidate: true,
        onsubmit: (event: Event) => {
          event.preventDefault();
          void this.save(form, messageRegion);
        },
      },
      h('h3', null, 'Spending limits'),
      limitRows.length ? limitRows : h('p', { class: 'muted' }, 'No spending limits.'),
      h(
        'button',
        {
          type: 'button',
          'data-add-limit': true,
          onclick: () => {
            draft.limits.push({ amount: '', interval: 'daily', categories: '' });
            this.render();
            const inputs = this.panel.querySelectorAll<HTMLInputElement>('.limit-row input[type="number"]');
            inputs[inputs.length - 1]?.focus();
          },
        },
        'Add spending limit',
      ),
      h(
        'fieldset',
        null,
        h('legend', null, 'Merchant categories'),
        modes.map(([value, label]) =>
          h(
            'label',
            { class: 'radio' },
            h('input', {
              type: 'radio',
              name: modeName,
              value,
              checked: draft.mode === value,
              onchange: () => {
                draft.mode = value;
                categoriesInput.disabled = value === 'all';
              },
            }),
            label,
          ),
        ),
        labelled('Categories (comma-separated, e.g. grocery_stores_supermarkets)', categoriesInput),
      ),
      messageRegion,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save spend controls')),
    );
    this.panel.replaceChildren(form);
  }

  private async save(form: HTMLFormElement, messageRegion: HTMLElement): Promise<void> {
    const draft = this.currentDraft();
    const currency = this.host.card.currency || 'usd';
    const problems: string[] = [];
    const limits = draft.limits.map((limit, index) => {
      const amount = toMinorUnits(limit.amount, currency);
      if (limit.amount === '' || amount === null || amount < 1)
        problems.push(`Limit ${index + 1}: enter an amount greater than 0.`);
      const categories = parseCategories(limit.categories);
      for (const c of categories)
        if (!KNOWN_CATEGORIES.has(c)) problems.push(`Limit ${index + 1}: unknown category "${c}".`);
      const out: Record<string, FormValue> = { amount, interval: limit.interval };
      if (categories.length) out.categories = categories;
      return out;
    });
    const categories = draft.mode === 'all' ? [] : parseCategories(draft.categories);
    if (draft.mode !== 'all' && categories.length === 0)
      problems.push('Enter at least one merchant category, or choose "All categories".');
    for (const c of categories) if (!KNOWN_CATEGORIES.has(c)) problems.push(`Unknown merchant category "${c}".`);
    if (problems.length) {
      messageRegion.replaceChildren(
        h(
          'div',
          { class: 'alert', role: 'alert' },
          problems.map((p) => h('p', null, p)),
        ),
      );
      return;
    }
    const spendingControls = {
      spending_limits: limits,
      // An empty value clears the other list, as Stripe's form encoding does.
      allowed_categories: draft.mode === 'allowed' ? categories : [],
      blocked_categories: draft.mode === 'blocked' ? categories : [],
    };
    const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]');
    if (submit) submit.disabled = true;
    messageRegion.replaceChildren(h('p', { role: 'status', class: 'status' }, 'Saving…'));
    try {
      await this.host.updateCard({ spending_controls: spendingControls });
      this.draft = null;
      this.render();
      this.messageRegion?.replaceChildren(h('p', { role: 'status', class: 'status' }, 'Spend controls saved.'));
    } catch (error) {
      if (submit) submit.disabled = false;
      messageRegion.replaceChildren(
        h('p', { class: 'alert', role: 'alert' }, errorMessage(error, 'The spend controls could not be saved.')),
      );
    }
  }
}
