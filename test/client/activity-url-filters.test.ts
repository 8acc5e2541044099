// The authorizations panel's filters in the page's address (issue 20 item 4): what a shared link
// or Back brings back, what is sent to the API, and what the page says about an amount it cannot read.
import { describe, expect, it } from 'vitest';
import {
  apiFilters,
  filterProblems,
  filtersFrom,
  minorUnits,
  NO_FILTERS,
  withFilters,
} from '../../client/src/features/activity/lib/url-filters.ts';
import { dayLabel } from '../../client/src/features/activity/components/activity-charts.tsx';
import { declineReasonLabel } from '../../shared/activity-filters.ts';

describe('the address', () => {
  it('reads back what it holds, and ignores what no control could have put there', () => {
    const filters = filtersFrom(
      new URLSearchParams('outcome=declined&reason=spending_controls&merchant=Cab&min=12.50&from=2025-03-01&tab=x'),
    );
    expect(filters).toEqual({
      ...NO_FILTERS,
      outcome: 'declined',
      reason: 'spending_controls',
      merchant: 'Cab',
      min: '12.50',
      from: '2025-03-01',
    });
    expect(
      filtersFrom(new URLSearchParams('outcome=maybe&reason=DROP%20TABLE&status=lost&from=yesterday&to=2025-13')),
    ).toEqual(NO_FILTERS);
    expect(filtersFrom(new URLSearchParams(`merchant=${'x'.repeat(500)}`)).merchant).toHaveLength(100);
  });

  it('keeps the rest of the address when a filter changes, and drops a filter set to nothing', () => {
    const next = withFilters(new URLSearchParams('tab=limits&reason=card_inactive&outcome=declined'), {
      reason: '',
      merchant: 'Bytes & Co',
    });
    expect(next.toString()).toBe('tab=limits&outcome=declined&merchant=Bytes+%26+Co');
  });
});

describe('amounts', () => {
  it('are typed in the main unit and sent in the smallest', () => {
    expect(minorUnits('12.50', 'usd')).toBe(1250);
    expect(minorUnits('12,5', 'eur')).toBe(1250);
    expect(minorUnits(' 7 ', 'usd')).toBe(700);
    expect(minorUnits('500', 'jpy')).toBe(500);
    expect(minorUnits('', 'usd')).toBeUndefined();
    for (const bad of ['-1', '1.234', 'abc', '1e3', '5.5.5']) expect(minorUnits(bad, 'usd'), bad).toBeNull();
    expect(minorUnits('5.50', 'jpy')).toBeNull();
  });

  it('that cannot be read, or that cross, are said next to the field and not sent', () => {
    const typed = { ...NO_FILTERS, min: '12.5x', max: '3' };
    expect(filterProblems(typed, 'usd')).toEqual({ min: 'Enter an amount such as 12.50.' });
    expect(apiFilters(typed, 'usd', '')).toEqual({ amount_max: '300' });
    const crossed = { ...NO_FILTERS, min: '20', max: '10' };
    expect(filterProblems(crossed, 'usd').max).toBe('The max amount must not be less than the min.');
    expect(apiFilters(crossed, 'usd', '')).toEqual({ amount_min: '2000' });
    expect(filterProblems({ ...NO_FILTERS, from: '2025-03-05', to: '2025-03-01' }, 'usd').to).toBeDefined();
  });

  it('with the other filters, as the API names them', () => {
    const query = apiFilters(
      {
        ...NO_FILTERS,
        outcome: 'declined',
        reason: 'card_inactive',
        status: 'closed',
        from: '2025-03-01',
        to: '2025-03-01',
      },
      'usd',
      '  Night Cab ',
    );
    expect(query).toMatchObject({
      outcome: 'declined',
      reason: 'card_inactive',
      status: 'closed',
      merchant: 'Night Cab',
    });
    // One local day: from its midnight to the next.
    expect(Date.parse(query.to!) - Date.parse(query.from!)).toBeGreaterThanOrEqual(23 * 3_600_000);
    expect(Date.parse(query.to!) - Date.parse(query.from!)).toBeLessThanOrEqual(25 * 3_600_000);
  });
});

describe('words', () => {
  it('name decline reasons as people do, and a reason Stripe adds later by its words', () => {
    expect(declineReasonLabel('card_inactive')).toBe('Card frozen');
    expect(declineReasonLabel('unknown')).toBe('Unknown reason');
    expect(declineReasonLabel('brand_new_reason')).toBe('Brand new reason');
    expect(dayLabel('2025-03-05')).toBe('Mar 5');
  });
});
