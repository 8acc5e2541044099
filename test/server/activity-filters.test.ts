// Activity you can question (issue 20 item 4, docs/decisions/162-activity-filters-and-export.md):
// a card's and an account's authorizations filtered by outcome, decline reason, merchant and
// amount, with what the filtered set adds up to, exported as CSV (streamed in batches from the
// mirror) and counted per day for the charts, through the app's routes. The rows are written
// into the mirror as Stripe reports them (server/domain/mirror/ingest.ts), at times this test
// chooses, on cards the emulator issued.
import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activityMirrored } from '../../server/db/mirror-reads.ts';
import { activityFilter } from '../../server/domain/activity-filters.ts';
import { CSV_HEADER, exportBatches } from '../../server/domain/activity-export.ts';
import { dayEdges, localMidnight } from '../../server/domain/activity-series.ts';
import { mirrorAuthorizations } from '../../server/domain/mirror/ingest.ts';
import type { AuthorizationListResponse, DailyActivityResponse } from '../../shared/activity-filters.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { stripeCallsDuring } from '../helpers/view-costs.ts';

let stack: Stack;
let account: string;
let otherAccount: string;
let holder: string;
const cookies: Record<string, string> = {};
const NOW = Math.floor(Date.now() / 1000);
const HOUR = 3600;
const DAY = 86_400;

beforeAll(async () => {
  stack = await startStack({ webhookSecret: `whsec_${randomBytes(24).toString('hex')}` });
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  account = accounts.at(-1)!.id; // the account user's
  otherAccount = accounts[0]!.id;
  holder = (await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: account }))
    .data[0]!.id;
  for (const who of ['admin', 'account', 'support']) cookies[who] = await stack.loginCookie(`${who}@example.com`);
  await stack.app.cardIndex.whenBackfilled();
  for (let i = 0; i < 400 && !(await activityMirrored(stack.app.db, account)); i++)
    await new Promise((r) => setTimeout(r, 50));
  expect(await activityMirrored(stack.app.db, account)).toBe(true);
}, 60_000);
afterAll(() => stack?.close());

async function get<T = unknown>(who: string, url: string) {
  const res = await stack.app.inject({ method: 'GET', url, headers: { cookie: cookies[who]!, origin: stack.appUrl } });
  return {
    status: res.statusCode,
    headers: res.headers,
    text: res.body,
    body: (res.headers['content-type']?.startsWith('application/json') ? res.json() : undefined) as T,
  };
}

async function newCard(currency = 'usd'): Promise<Stripe.Issuing.Card> {
  const card = await stack.stripe.issuing.cards.create(
    { cardholder: holder, type: 'virtual', currency, status: 'active' },
    { stripeAccount: account },
  );
  for (let i = 0; i < 200; i++) {
    if ((await stack.app.db.query('SELECT 1 FROM card_index WHERE card_id = $1', [card.id])).length > 0) return card;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`card ${card.id} never reached the index`);
}

let serial = 0;
interface Purchase {
  created: number;
  amount: number;
  merchant?: string | null;
  /** A decline reason: the authorization is declined (Stripe sets its amount to 0; its request keeps it). */
  declined?: string | null;
  currency?: string;
  category?: string;
  status?: Stripe.Issuing.Authorization.Status;
}

/** An authorization as Stripe reports it, for the mirror. */
function authorization(card: Stripe.Issuing.Card, p: Purchase): Stripe.Issuing.Authorization {
  serial += 1;
  const approved = p.declined === undefined;
  const currency = p.currency ?? card.currency;
  return {
    id: `iauth_test${String(serial).padStart(6, '0')}${randomBytes(4).toString('hex')}`,
    object: 'issuing.authorization',
    amount: approved ? p.amount : 0,
    approved,
    card: card.id,
    cardholder: holder,
    created: p.created,
    currency,
    livemode: false,
    merchant_amount: approved ? p.amount : 0,
    merchant_currency: currency,
    merchant_data: {
      name: p.merchant === undefined ? 'Corner Shop' : p.merchant,
      category: p.category ?? 'miscellaneous_general_merchandise',
      city: 'Berlin',
      country: 'DE',
    },
    request_history: [
      {
        amount: p.amount,
        approved,
        created: p.created,
        currency,
        merchant_amount: p.amount,
        merchant_currency: currency,
        ...(approved ? { reason: 'webhook_approved' } : p.declined === null ? {} : { reason: p.declined }),
      },
    ],
    status: p.status ?? (approved ? 'pending' : 'closed'),
    transactions: [],
  } as unknown as Stripe.Issuing.Authorization;
}

async function write(card: Stripe.Issuing.Card, purchases: Purchase[]): Promise<Stripe.Issuing.Authorization[]> {
  const auths = purchases.map((p) => authorization(card, p));
  await mirrorAuthorizations(stack.app.db, account, auths);
  return auths;
}

/** The emulator's /v1 calls while `fn` runs. */
const stripeCalls = <T>(fn: () => Promise<T>) => stripeCallsDuring(stack.emulator, fn, { settled: false });

describe('a card’s authorizations, filtered', () => {
  let card: Stripe.Issuing.Card;
  let ids: Record<string, string>;
  const list = (query: string, who = 'account') =>
    get<AuthorizationListResponse>(who, `/api/cards/${card.id}/authorizations?limit=100&${query}`);
  const idsOf = (res: { body: AuthorizationListResponse }) => res.body.data.map((a) => a.id);

  beforeAll(async () => {
    card = await newCard();
    const auths = await write(card, [
      { created: NOW - 1 * HOUR, amount: 1250, merchant: 'Bytes & Co' },
      { created: NOW - 2 * HOUR, amount: 4000, merchant: 'Night Cab Co' },
      { created: NOW - 3 * HOUR, amount: 2500, merchant: 'BYTES & CO', declined: 'spending_controls' },
      { created: NOW - 26 * HOUR, amount: 900, merchant: '100% Coffee_Bar', declined: 'card_inactive' },
      { created: NOW - 27 * HOUR, amount: 300, merchant: '1000 Coffees', declined: 'card_inactive' },
      { created: NOW - 50 * HOUR, amount: 700, merchant: 'Ünïcode Café' },
      { created: NOW - 51 * HOUR, amount: 5000, merchant: null, declined: null },
    ]);
    ids = Object.fromEntries(
      ['bytes', 'cab', 'bytesDeclined', 'coffeeBar', 'coffees', 'unicode', 'noName'].map((k, i) => [k, auths[i]!.id]),
    );
  });

  test('by outcome, each answer adding up the whole filtered set', async () => {
    const approved = await list('outcome=approved');
    expect(approved.status).toBe(200);
    expect(idsOf(approved)).toEqual([ids.bytes, ids.cab, ids.unicode]);
    expect(approved.body.summary).toEqual({
      count: 3,
      approved: { count: 3, amounts: [{ currency: 'usd', amount: 1250 + 4000 + 700 }] },
      declined: { count: 0, amounts: [] },
    });
    const declined = await list('outcome=declined');
    expect(idsOf(declined)).toEqual([ids.bytesDeclined, ids.coffeeBar, ids.coffees, ids.noName]);
    // A declined authorization counts with the amount asked for (Stripe's `amount` is 0).
    expect(declined.body.summary!.declined).toEqual({
      count: 4,
      amounts: [{ currency: 'usd', amount: 2500 + 900 + 300 + 5000 }],
    });
    const all = await list('');
    expect(all.body.summary).toMatchObject({ count: 7, approved: { count: 3 }, declined: { count: 4 } });
  });

  test('by decline reason, in the app’s words for a missing one; a reason with “approved” names the field', async () => {
    expect(idsOf(await list('reason=card_inactive'))).toEqual([ids.coffeeBar, ids.coffees]);
    expect(idsOf(await list('reason=spending_controls&outcome=declined'))).toEqual([ids.bytesDeclined]);
    expect(idsOf(await list('reason=unknown'))).toEqual([ids.noName]);
    const rows = (await list('reason=card_inactive')).body;
    expect(rows.summary).toMatchObject({ count: 2, declined: { count: 2, amounts: [{ amount: 1200 }] } });

    const both = await list('reason=card_inactive&outcome=approved');
    expect(both.status).toBe(400);
    expect(both.body).toMatchObject({ error: { field: 'reason' } });
    const odd = await list('reason=Card-Inactive');
    expect(odd.status).toBe(400);
    expect(odd.body).toMatchObject({ error: { field: 'reason' } });
  });

  test('by merchant: any case, any part of the name; % and _ match only themselves', async () => {
    expect(idsOf(await list('merchant=bytes'))).toEqual([ids.bytes, ids.bytesDeclined]);
    expect(idsOf(await list('merchant=%20%20Bytes%20%20'))).toEqual([ids.bytes, ids.bytesDeclined]);
    expect(idsOf(await list(`merchant=${encodeURIComponent('100%')}`))).toEqual([ids.coffeeBar]);
    expect(idsOf(await list(`merchant=${encodeURIComponent('e_b')}`))).toEqual([ids.coffeeBar]);
    expect(idsOf(await list(`merchant=${encodeURIComponent('_')}`))).toEqual([ids.coffeeBar]);
    expect(idsOf(await list(`merchant=${encodeURIComponent('ünïCODE')}`))).toEqual([ids.unicode]);
    // A tab or a line break in a pasted name is a space.
    expect(idsOf(await list('merchant=Night%09Cab'))).toEqual([ids.cab]);
    const summary = (await list('merchant=bytes&outcome=approved')).body.summary;
    expect(summary).toMatchObject({ count: 1, approved: { amounts: [{ amount: 1250 }] } });
  });

  test('a merchant search with control characters or half a surrogate pair is a 400 naming it, never a 500', async () => {
    for (const bad of ['%00', 'a%01b', '%7F', '%C2%85']) {
      const res = await list(`merchant=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body, bad).toMatchObject({ error: { field: 'merchant' } });
    }
    // Not UTF-8 at all (a lone surrogate's bytes): refused or read as text, never a failure.
    const raw = await list('merchant=%ED%A0%80');
    expect(raw.status).toBeLessThan(500);
    // As the server's own check sees a string holding one.
    expect(() => activityFilter({ merchant: 'ab\uD800' }, account, card.id)).toThrow(
      expect.objectContaining({ statusCode: 400, field: 'merchant' }),
    );
    expect(() => activityFilter({ merchant: '\uDC00' }, account, card.id)).toThrow(
      expect.objectContaining({ field: 'merchant' }),
    );
    expect(activityFilter({ merchant: 'caf\uD83D\uDE00' }, account, card.id).merchant).toBe('caf\uD83D\uDE00');
  });

  test('by amount, in the currency’s smallest unit, inclusive; a bad bound is a 400 naming it', async () => {
    expect(idsOf(await list('amount_min=1250&amount_max=2500'))).toEqual([ids.bytes, ids.bytesDeclined]);
    expect(idsOf(await list('amount_min=4000'))).toEqual([ids.cab, ids.noName]);
    expect(idsOf(await list('amount_max=700'))).toEqual([ids.coffees, ids.unicode]);
    expect(idsOf(await list('amount_min=0&amount_max=0'))).toEqual([]);
    const cases: [string, string][] = [
      ['amount_min=-5', 'amount_min'],
      ['amount_max=abc', 'amount_max'],
      ['amount_min=12.50', 'amount_min'],
      ['amount_max=1e3', 'amount_max'],
      ['amount_min=99999999999999999999', 'amount_min'],
      ['amount_min=3000&amount_max=2000', 'amount_min'],
    ];
    for (const [query, field] of cases) {
      const res = await list(query);
      expect(res.status, query).toBe(400);
      expect(res.body, query).toMatchObject({ error: { code: 'invalid_request', field } });
      expect((res.body as unknown as { error: { message: string } }).error.message, query).toMatch(new RegExp(field));
    }
  });

  test('filters combine, and pages of a filtered list follow each other with the same summary', async () => {
    expect(idsOf(await list('outcome=declined&merchant=coffee&amount_min=500'))).toEqual([ids.coffeeBar]);
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 10; page++) {
      const res = await get<AuthorizationListResponse>(
        'account',
        `/api/cards/${card.id}/authorizations?outcome=declined&limit=1${cursor ? `&starting_after=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.summary!.count).toBe(4);
      seen.push(...idsOf(res));
      if (!res.body.has_more) break;
      cursor = res.body.data.at(-1)!.id;
    }
    expect(seen).toEqual([ids.bytesDeclined, ids.coffeeBar, ids.coffees, ids.noName]);
  });

  test('the support agent, who looked the card up, filters it too; none of it asks Stripe', async () => {
    const { result, calls } = await stripeCalls(() =>
      Promise.all([
        list('outcome=declined&merchant=coffee', 'support'),
        get('support', `/api/cards/${card.id}/authorizations.csv?outcome=declined`),
        get('support', `/api/cards/${card.id}/authorizations/daily?tz=UTC`),
      ]),
    );
    expect(result.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(idsOf(result[0] as { body: AuthorizationListResponse })).toEqual([ids.coffeeBar, ids.coffees]);
    expect(calls).toEqual([]);
  });
});

/** A CSV body's records: the cells of each line (every cell quoted, quotes doubled, CRLF between records). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let cells: string[] = [];
  let i = 0;
  while (i < text.length) {
    expect(text[i]).toBe('"');
    let cell = '';
    i += 1;
    for (;;) {
      const quote = text.indexOf('"', i);
      cell += text.slice(i, quote);
      i = quote + 1;
      if (text[i] === '"') {
        cell += '"';
        i += 1;
      } else break;
    }
    cells.push(cell);
    if (text[i] === ',') i += 1;
    else {
      expect(text.slice(i, i + 2)).toBe('\r\n');
      i += 2;
      records.push(cells);
      cells = [];
    }
  }
  return records;
}

describe('the CSV export', () => {
  let card: Stripe.Issuing.Card;

  beforeAll(async () => {
    card = await newCard();
    await write(card, [
      { created: NOW - 1 * HOUR, amount: 1999, merchant: 'Joe’s "Best" Diner, Inc.' },
      { created: NOW - 2 * HOUR, amount: 500, merchant: '=HYPERLINK("http://evil.example","click")' },
      { created: NOW - 3 * HOUR, amount: 600, merchant: '+1 Taxi' },
      { created: NOW - 4 * HOUR, amount: 700, merchant: '-Minus Mart', declined: 'spending_controls' },
      { created: NOW - 5 * HOUR, amount: 800, merchant: '@Home Store', declined: 'card_inactive' },
      { created: NOW - 6 * HOUR, amount: 900, merchant: 'Line\nBreak Café' },
    ]);
  });

  test('a download named for the card, a header people read, every cell quoted and formulas defused', async () => {
    const res = await get('account', `/api/cards/${card.id}/authorizations.csv`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      new RegExp(`^attachment; filename="authorizations-${card.id}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`),
    );
    expect(res.headers['cache-control']).toBe('no-store');
    // A byte order mark, so that spreadsheets read the accents as UTF-8.
    expect(res.text.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = parseCsv(res.text.slice(1));
    expect(header).toEqual([...CSV_HEADER]);
    expect(rows).toHaveLength(6);
    const column = (name: (typeof CSV_HEADER)[number]) => rows.map((r) => r[CSV_HEADER.indexOf(name)]);
    expect(column('Merchant')).toEqual([
      'Joe’s "Best" Diner, Inc.',
      '\'=HYPERLINK("http://evil.example","click")',
      "'+1 Taxi",
      "'-Minus Mart",
      "'@Home Store",
      'Line\nBreak Café',
    ]);
    expect(column('Amount')).toEqual(['19.99', '5.00', '6.00', '7.00', '8.00', '9.00']);
    expect(column('Currency')).toEqual(Array(6).fill('USD'));
    expect(column('Outcome')).toEqual(['Approved', 'Approved', 'Approved', 'Declined', 'Declined', 'Approved']);
    expect(column('Decline reason')).toEqual(['', '', '', 'Spending limit or control', 'Card frozen', '']);
    expect(column('Decline reason code')).toEqual(['', '', '', 'spending_controls', 'card_inactive', '']);
    expect(column('Card')).toEqual(Array(6).fill(`•••• ${card.last4}`));
    expect(column('Date (UTC)')[0]).toBe(
      new Date((NOW - HOUR) * 1000)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, ''),
    );
  });

  test('the same filters as the list; a bad filter is a 400 before any byte of CSV', async () => {
    const declined = await get('account', `/api/cards/${card.id}/authorizations.csv?outcome=declined&amount_min=750`);
    const rows = parseCsv(declined.text.slice(1)).slice(1);
    expect(rows.map((r) => r[CSV_HEADER.indexOf('Merchant')])).toEqual(["'@Home Store"]);
    const bad = await get<{ error: { field: string } }>(
      'account',
      `/api/cards/${card.id}/authorizations.csv?amount_min=9&amount_max=1`,
    );
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/json/);
    expect(bad.body.error.field).toBe('amount_min');
    const none = await get('account', `/api/cards/${card.id}/authorizations.csv?merchant=nothing-like-this`);
    expect(parseCsv(none.text.slice(1))).toEqual([[...CSV_HEADER]]);
  });

  test('more rows than one batch, many in the same second: every one once, in the list’s order, one batch in memory at a time', async () => {
    const big = await newCard();
    // 1,100 authorizations, 300 of them in one second (the list's tie-breaker is the order the mirror learned of them).
    const purchases: Purchase[] = Array.from({ length: 1100 }, (_, i) => ({
      created: i < 300 ? NOW - 10 * DAY : NOW - 10 * DAY - 1 - i,
      amount: 100 + i,
      merchant: `Shop ${i}`,
      ...(i % 7 === 0 ? { declined: 'spending_controls' } : {}),
    }));
    for (let i = 0; i < purchases.length; i += 275) await write(big, purchases.slice(i, i + 275));

    const listed: string[] = [];
    let cursor = '';
    for (;;) {
      const page = await get<AuthorizationListResponse>(
        'admin',
        `/api/cards/${big.id}/authorizations?limit=100${cursor ? `&starting_after=${cursor}` : ''}`,
      );
      listed.push(...page.body.data.map((a) => a.id));
      if (!page.body.has_more) break;
      cursor = page.body.data.at(-1)!.id;
    }
    expect(listed).toHaveLength(1100);

    // Over HTTP, as a browser downloads it: sent as it is written (chunked, no length known up front).
    const res = await fetch(`${stack.appUrl}/api/cards/${big.id}/authorizations.csv`, {
      headers: { cookie: cookies.admin! },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('content-length')).toBeNull();
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
    const rows = parseCsv(text.slice(1)).slice(1);
    expect(rows.map((r) => r[CSV_HEADER.indexOf('Authorization ID')])).toEqual(listed);

    // The export reads the mirror in batches (500 by default): here 100 at a time.
    const sizes: number[] = [];
    const seen = new Set<string>();
    for await (const batch of await exportBatches(stack.app, account, {}, big, 100)) {
      sizes.push(batch.length);
      for (const row of batch) seen.add(row.id);
    }
    expect(sizes).toEqual(Array(11).fill(100));
    expect(seen.size).toBe(1100);
    const declinedOnly: number[] = [];
    for await (const batch of await exportBatches(stack.app, account, { outcome: 'declined' }, big, 100))
      declinedOnly.push(batch.length);
    expect(declinedOnly).toEqual([100, 58]);
  });

  test('an account’s export names each row’s card; only those who browse the account get it', async () => {
    const res = await get('admin', `/api/accounts/${account}/authorizations.csv?merchant=HYPERLINK`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toContain(`authorizations-${account}-`);
    const rows = parseCsv(res.text.slice(1)).slice(1);
    expect(rows.map((r) => [r[CSV_HEADER.indexOf('Card ID')], r[CSV_HEADER.indexOf('Card')]])).toEqual([
      [card.id, `•••• ${card.last4}`],
    ]);
    expect((await get('support', `/api/accounts/${account}/authorizations.csv`)).status).toBe(403);
    expect((await get('account', `/api/accounts/${otherAccount}/authorizations.csv`)).status).toBe(403);
  });
});

describe('the daily series', () => {
  let card: Stripe.Issuing.Card;
  let euroCard: Stripe.Issuing.Card;
  const utcDay = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);
  // Noon UTC today and on earlier days: the same local date from UTC-11 to UTC+11.
  const noon = Math.floor(NOW / DAY) * DAY + 12 * HOUR;

  beforeAll(async () => {
    card = await newCard();
    euroCard = await newCard('eur');
    await write(card, [
      { created: noon - 2 * DAY, amount: 1000, merchant: 'A' },
      { created: noon - 2 * DAY + 60, amount: 2000, merchant: 'B' },
      { created: noon - 2 * DAY + 120, amount: 300, merchant: 'C', declined: 'spending_controls' },
      { created: noon - 5 * DAY, amount: 400, merchant: 'D', declined: 'card_inactive' },
      { created: noon - 5 * DAY + 1, amount: 500, merchant: 'E', declined: 'card_inactive' },
      { created: noon - 5 * DAY + 2, amount: 600, merchant: 'F', declined: 'spending_controls' },
      // 31 days ago: outside the 30 days.
      { created: noon - 31 * DAY, amount: 9999, merchant: 'G' },
    ]);
    await write(euroCard, [{ created: noon - 2 * DAY, amount: 7000, merchant: 'H', currency: 'eur' }]);
  });

  test('a card’s last 30 days: approved and declined per day, and declines by reason', async () => {
    const res = await get<DailyActivityResponse>('account', `/api/cards/${card.id}/authorizations/daily?tz=UTC`);
    expect(res.status).toBe(200);
    const { days, currency, reasons, time_zone } = res.body;
    expect(time_zone).toBe('UTC');
    expect(currency).toBe('usd');
    expect(days).toHaveLength(30);
    expect(days.at(-1)!.day).toBe(utcDay(noon));
    expect(days[0]!.day).toBe(utcDay(noon - 29 * DAY));
    for (const d of days) expect(d.end - d.start).toBe(DAY);
    const byDay = Object.fromEntries(days.map((d) => [d.day, d]));
    expect(byDay[utcDay(noon - 2 * DAY)]).toMatchObject({
      approved: { count: 2, amount: 3000 },
      declined: { count: 1, amount: 300 },
      reasons: [{ reason: 'spending_controls', count: 1 }],
    });
    expect(byDay[utcDay(noon - 5 * DAY)]).toMatchObject({
      approved: { count: 0, amount: 0 },
      declined: { count: 3, amount: 1500 },
      // In the order of `reasons`: most declines over the days first, then by name.
      reasons: [
        { reason: 'card_inactive', count: 2 },
        { reason: 'spending_controls', count: 1 },
      ],
    });
    expect(reasons).toEqual(['card_inactive', 'spending_controls']);
    const total = days.reduce((n, d) => n + d.approved.count + d.declined.count, 0);
    expect(total).toBe(6);
  });

  test('days are cut at midnight where the viewer is', async () => {
    // 12:00 UTC is 02:00 the next day in Kiritimati (UTC+14).
    const res = await get<DailyActivityResponse>(
      'account',
      `/api/cards/${card.id}/authorizations/daily?tz=Pacific/Kiritimati&days=10`,
    );
    expect(res.body.days).toHaveLength(10);
    const withApproved = res.body.days.filter((d) => d.approved.count > 0).map((d) => d.day);
    expect(withApproved).toEqual([utcDay(noon - 2 * DAY + DAY)]);
    const bad = await get<{ error: { field: string } }>(
      'account',
      `/api/cards/${card.id}/authorizations/daily?tz=Mars/Olympus_Mons`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('tz');
  });

  test('an account’s series is in one currency; the others are named, and can be asked for', async () => {
    const usd = await get<DailyActivityResponse>('admin', `/api/accounts/${account}/authorizations/daily?tz=UTC`);
    expect(usd.status).toBe(200);
    expect(usd.body.currency).toBe('usd');
    expect(usd.body.other_currencies).toEqual([{ currency: 'eur', count: 1 }]);
    const eur = await get<DailyActivityResponse>(
      'admin',
      `/api/accounts/${account}/authorizations/daily?tz=UTC&currency=eur`,
    );
    expect(eur.body.currency).toBe('eur');
    expect(eur.body.days.find((d) => d.day === utcDay(noon - 2 * DAY))!.approved).toEqual({ count: 1, amount: 7000 });
    expect(eur.body.other_currencies[0]!.currency).toBe('usd');
    expect((await get('support', `/api/accounts/${account}/authorizations/daily`)).status).toBe(403);
  });

  test('local midnights across a clock change: a 23-hour day in New York in March', () => {
    // 2025-03-09: clocks go from 02:00 to 03:00 (EST to EDT).
    expect(localMidnight('America/New_York', { year: 2025, month: 3, day: 9 })).toBe(Date.UTC(2025, 2, 9, 5) / 1000);
    expect(localMidnight('America/New_York', { year: 2025, month: 3, day: 10 })).toBe(Date.UTC(2025, 2, 10, 4) / 1000);
    const { days, edges } = dayEdges('America/New_York', Date.UTC(2025, 2, 10, 15) / 1000, 3);
    expect(days).toEqual(['2025-03-08', '2025-03-09', '2025-03-10']);
    expect(edges.slice(1).map((e, i) => (e - edges[i]!) / HOUR)).toEqual([24, 23, 24]);
    // Where a day begins at 01:00 because midnight does not exist (Santiago, 2024-09-08).
    const start = localMidnight('America/Santiago', { year: 2024, month: 9, day: 8 });
    expect(new Date(start * 1000).toISOString()).toBe('2024-09-08T04:00:00.000Z');
  });
});

describe('before the account’s activity is mirrored', () => {
  test('the list still answers from Stripe without totals; the app’s own filters, the export and the series say to wait', async () => {
    const [saved] = await stack.app.db.query<{ at: string }>(
      'SELECT activity_backfilled_at AS at FROM mirror_sync WHERE account_id = $1',
      [otherAccount],
    );
    await stack.app.db.query('UPDATE mirror_sync SET activity_backfilled_at = NULL WHERE account_id = $1', [
      otherAccount,
    ]);
    try {
      const base = `/api/accounts/${otherAccount}/authorizations`;
      const plain = await get<AuthorizationListResponse>('admin', `${base}?limit=5`);
      expect(plain.status).toBe(200);
      expect(plain.body.summary).toBeNull();
      for (const url of [`${base}?outcome=declined`, `${base}.csv`, `${base}/daily`]) {
        const res = await get<{ error: { code: string; message: string } }>('admin', url);
        expect(res.status, url).toBe(503);
        expect(res.body.error.code, url).toBe('activity_not_mirrored');
        expect(res.body.error.message, url).toMatch(/still being copied from Stripe/);
      }
    } finally {
      await stack.app.db.query('UPDATE mirror_sync SET activity_backfilled_at = $2 WHERE account_id = $1', [
        otherAccount,
        saved!.at,
      ]);
    }
  });
});
