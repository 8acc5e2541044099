// The overview's figures in words: trends against the previous period, rates, the health line.
import { describe, expect, it } from 'vitest';
import {
  declineRateTrend,
  healthProblemWords,
  percent,
  spendTrend,
} from '../../client/src/features/overview/lib/overview-words.ts';
import type { OverviewPeriod } from '../../shared/overview.ts';

const period = (decline_rate: number | null, previous_decline_rate: number | null): OverviewPeriod => ({
  key: '7d',
  label: 'Last 7 days',
  previous_label: 'the 7 days before',
  from: 0,
  until: 1,
  previous_from: 0,
  previous_until: 0,
  spend: [],
  approved: 0,
  declined: 0,
  previous_approved: 0,
  previous_declined: 0,
  decline_rate,
  previous_decline_rate,
});

describe('overview words', () => {
  it('says which way spend went, in percent of the previous period', () => {
    const label = 'the 7 days before';
    expect(spendTrend({ currency: 'usd', amount: 11_200, previous: 10_000, change: 0.12 }, label)).toEqual({
      direction: 'up',
      words: 'up 12% on the 7 days before',
    });
    expect(spendTrend({ currency: 'usd', amount: 9_550, previous: 10_000, change: -0.045 }, label)).toEqual({
      direction: 'down',
      words: 'down 4.5% on the 7 days before',
    });
    expect(spendTrend({ currency: 'usd', amount: 10_001, previous: 10_000, change: 0.0001 }, label).direction).toBe(
      'flat',
    );
    expect(spendTrend({ currency: 'usd', amount: 500, previous: 0, change: null }, label)).toEqual({
      direction: 'new',
      words: 'nothing was spent in the 7 days before',
    });
  });

  it('gives the decline rate’s change in percentage points', () => {
    expect(declineRateTrend(period(0.25, 0.2))).toEqual({
      direction: 'up',
      words: 'up 5.0 points on the 7 days before',
    });
    expect(declineRateTrend(period(0.1, 0.3)).words).toBe('down 20 points on the 7 days before');
    expect(declineRateTrend(period(0.1, null))).toEqual({
      direction: 'new',
      words: 'no authorizations in the 7 days before',
    });
    expect(percent(0.4736842)).toBe('47%');
    expect(percent(0.055)).toBe('5.5%');
    expect(percent(0)).toBe('0%');
  });

  it('words each health problem for people', () => {
    expect(healthProblemWords({ code: 'no_webhook', at: null })).toMatch(/No webhook has been received/);
    expect(healthProblemWords({ code: 'stale', at: null })).toBe(
      'The data may be out of date: not in step with Stripe yet.',
    );
  });
});
