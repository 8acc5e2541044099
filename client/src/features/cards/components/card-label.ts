import type { CardSummary } from '../../../../../shared/api.ts';

/** How a card is named everywhere: cardholder and last four digits (never more of the number). */
export function cardLabel(card: Pick<CardSummary, 'cardholder' | 'last4'>): string {
  return `${card.cardholder.name || 'Unnamed cardholder'} ···· ${card.last4}`;
}

const statusLabels: Record<string, string> = { active: 'Active', inactive: 'Frozen', canceled: 'Canceled' };

export function statusLabel(status: string): string {
  return statusLabels[status] ?? status;
}
