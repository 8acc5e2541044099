// The data a bar chart draws and its text equivalent lists: one shape for both, so the table a
// screen reader (or a test) reads is made from exactly the numbers the drawing shows.

/** How a series is coloured: approved and declined keep their meaning everywhere; numbers pick from the palette. */
export type SeriesTone = 'approved' | 'declined' | 'neutral' | number;

export interface ChartSeries {
  key: string;
  label: string;
  tone: SeriesTone;
}

export interface ChartCategory {
  key: string;
  label: string;
}

/** values[category][series]; a missing value is 0. */
export type ChartValues = Record<string, Record<string, number>>;

// Colour-blind-safe palette (Okabe & Ito, "Color Universal Design", 2008) for series without a
// fixed meaning, such as decline reasons; approved and declined use the app's success and danger colours.
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

export function toneColour(tone: SeriesTone): string {
  if (tone === 'approved') return 'var(--color-success)';
  if (tone === 'declined') return 'var(--color-danger)';
  if (tone === 'neutral') return 'var(--color-text-secondary)';
  return PALETTE[tone % PALETTE.length] ?? PALETTE[0]!;
}

export function valueOf(values: ChartValues, category: string, series: string): number {
  return values[category]?.[series] ?? 0;
}

/** Rows in the shape the drawing library wants: one object per category, a field per series. */
export function chartRows(
  categories: readonly ChartCategory[],
  series: readonly ChartSeries[],
  values: ChartValues,
): Array<Record<string, string | number>> {
  return categories.map((category) => {
    const row: Record<string, string | number> = { category: category.key, label: category.label };
    for (const s of series) row[s.key] = valueOf(values, category.key, s.key);
    return row;
  });
}
