// The mirror at scale (bench/lib/mirror-scale.ts, issue 18 item 7), generated inside PostgreSQL
// (generate_series, no rows cross the wire): connected accounts, cardholders and cards with the
// ids of the million-cards data set (bench/lib/million-data.ts, so bench/million-emulator.ts
// knows every account and card the app may ask Stripe about), and authorizations and
// transactions shaped as Stripe's objects are mirrored (server/domain/mirror/objects.ts: card
// and cardholder as ids, the capture embedded in its authorization).
//
// Shape, fixed by each row's number n (the same data on every run):
// - 100 cards per account, 10 per cardholder; cards limited daily and monthly (one limit to a
//   category), cardholders weekly and yearly: every remaining-limit view has history in its
//   windows on both scopes;
// - authorizations spread evenly over the cards (~AUTHS/CARDS each) across the last 365 days,
//   plus BUSY_CARDS busy cards (account 0, cardholders 0-9) with BUSY_PER_CARD more each: the
//   worst card, cardholder and account pages;
// - status mix by n: 70 % closed and captured (one capture transaction, embedded as Stripe
//   embeds it), 5 % declined (closed, approved false), 10 % reversed, 5 % expired, 10 % pending
//   (created in the last 5 days); 2 % also refunded (a second transaction); request_history of
//   one request, two for every fifth approved authorization (an incremental request);
// - 20 merchants (name, category, MCC, city, state, postal code).
import pg from 'pg';
import { CARDS_PER_ACCOUNT, CARDS_PER_HOLDER } from './million-data.ts';

export const BUSY_CARDS = 100;
export const BUSY_PER_CARD = 1000;
/** Authorizations written by one statement (one chunk); two connections fill chunks side by side. */
const CHUNK = 250_000;

export interface MirrorSizes {
  accounts: number;
  cards: number;
  cardholders: number;
  authorizations: number;
}

/** BENCH_MIRROR_CARDS (default 1,000,000) and BENCH_MIRROR_AUTHORIZATIONS (default 10,000,000). */
export function mirrorSizes(env: NodeJS.ProcessEnv = process.env): MirrorSizes {
  const cards = Math.floor(Number(env.BENCH_MIRROR_CARDS ?? 1_000_000) / CARDS_PER_ACCOUNT) * CARDS_PER_ACCOUNT;
  const authorizations = Math.floor(Number(env.BENCH_MIRROR_AUTHORIZATIONS ?? 10_000_000));
  if (!(cards >= 1000)) throw new Error(`BENCH_MIRROR_CARDS must be at least 1000, got "${env.BENCH_MIRROR_CARDS}"`);
  if (!(authorizations >= BUSY_CARDS * BUSY_PER_CARD))
    throw new Error(`BENCH_MIRROR_AUTHORIZATIONS must be at least ${BUSY_CARDS * BUSY_PER_CARD}`);
  return { accounts: cards / CARDS_PER_ACCOUNT, cards, cardholders: cards / CARDS_PER_HOLDER, authorizations };
}

// The same id shapes as million-data.ts (acct_ + 16, ich_ / ic_ + 24 characters).
const ACCOUNT_SQL = (a: string) => `'acct_1MBench' || lpad((${a})::text, 9, '0')`;
const HOLDER_SQL = (g: string) => `'ich_1MBench' || lpad((${g})::text, 17, '0')`;
const CARD_SQL = (k: string) => `'ic_1MBench' || lpad((${k})::text, 17, '0')`;

const FIRST = ['Maria', 'James', 'Aiko', 'Diego', 'Hannah', 'Tomasz', 'Leila', 'Samuel', 'Priya', 'Kwame'];
const LAST = ['Okafor', 'Lindqvist', 'Tanaka', 'Moreau', 'Haddad', 'Novak', 'Silva', 'Brennan', 'Kowalski', 'Mensah'];
const MERCHANTS: Array<[name: string, category: string, code: string, city: string, state: string, postal: string]> = [
  ['Blue Bottle Coffee', 'eating_places_restaurants', '5812', 'Oakland', 'CA', '94607'],
  ['Shell Oil 57442', 'service_stations', '5541', 'Austin', 'TX', '78701'],
  ['Amazon Web Services', 'computer_network_services', '4816', 'Seattle', 'WA', '98109'],
  ['Delta Air Lines', 'airlines_air_carriers', '4511', 'Atlanta', 'GA', '30320'],
  ['Marriott Downtown', 'hotels_motels_and_resorts', '7011', 'Chicago', 'IL', '60601'],
  ['Uber Trip', 'taxicabs_limousines', '4121', 'San Francisco', 'CA', '94103'],
  ['Office Depot #1123', 'stationary_office_supplies_printing_and_writing_paper', '5111', 'Denver', 'CO', '80202'],
  ['Home Depot 0612', 'home_supply_warehouse_stores', '5200', 'Phoenix', 'AZ', '85004'],
  ['Whole Foods Market', 'grocery_stores_supermarkets', '5411', 'Boston', 'MA', '02110'],
  ['Github Inc', 'computer_software_stores', '5734', 'San Francisco', 'CA', '94107'],
  ['Hertz Rent-A-Car', 'car_rental_agencies', '7512', 'Miami', 'FL', '33131'],
  ['FedEx Office', 'courier_services', '4215', 'Memphis', 'TN', '38118'],
  ['Chipotle 2231', 'fast_food_restaurants', '5814', 'Columbus', 'OH', '43215'],
  ['Staples Inc', 'office_and_commercial_furniture', '5021', 'Framingham', 'MA', '01702'],
  ['Google Ads', 'advertising_services', '7311', 'Mountain View', 'CA', '94043'],
  ['Lyft Ride', 'taxicabs_limousines', '4121', 'New York', 'NY', '10001'],
  ['Hilton Garden Inn', 'hotels_motels_and_resorts', '7011', 'Nashville', 'TN', '37203'],
  ['Best Buy 00419', 'electronics_stores', '5732', 'Minneapolis', 'MN', '55401'],
  ['Zoom Video', 'computer_software_stores', '5734', 'San Jose', 'CA', '95113'],
  ['United Airlines', 'airlines_air_carriers', '4511', 'Houston', 'TX', '77032'],
];
const sqlArray = (values: string[]) => `ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}]`;
const MERCHANT_FIELD = (i: number) => sqlArray(MERCHANTS.map((m) => m[i]!));

const LIMITS_CARD = `jsonb_build_array(
  jsonb_build_object('amount', 50000, 'interval', 'daily', 'categories', '[]'::jsonb),
  jsonb_build_object('amount', 300000, 'interval', 'monthly', 'categories', '[]'::jsonb),
  jsonb_build_object('amount', 100000, 'interval', 'monthly', 'categories', '["airlines_air_carriers"]'::jsonb))`;
const LIMITS_HOLDER = `jsonb_build_array(
  jsonb_build_object('amount', 1000000, 'interval', 'weekly', 'categories', '[]'::jsonb),
  jsonb_build_object('amount', 20000000, 'interval', 'yearly', 'categories', '[]'::jsonb))`;

function accountsSql(s: MirrorSizes): string[] {
  const id = ACCOUNT_SQL('a');
  return [
    `INSERT INTO mirror_accounts (account_id, name, data, version)
     SELECT ${id}, 'Bench Company ' || a, jsonb_build_object(
       'id', ${id}, 'object', 'account', 'created', $1::bigint - 400 * 86400 + a, 'email', 'owner@acct' || a || '.example',
       'type', 'custom', 'country', 'US', 'default_currency', 'usd',
       'business_profile', jsonb_build_object('name', 'Bench Company ' || a), 'settings', null,
       'capabilities', jsonb_build_object('card_issuing', 'active', 'card_payments', 'active', 'transfers', 'active'),
       'requirements', jsonb_build_object('currently_due', '[]'::jsonb, 'past_due', '[]'::jsonb, 'eventually_due', '[]'::jsonb, 'disabled_reason', null),
       'charges_enabled', true, 'details_submitted', true), $2::bigint
     FROM generate_series(0::bigint, ${s.accounts - 1}) AS a`,
    `INSERT INTO card_index_accounts (account_id, backfill_started_at, backfilled_at, cards)
     SELECT ${id}, now(), now(), ${CARDS_PER_ACCOUNT} FROM generate_series(0::bigint, ${s.accounts - 1}) AS a`,
    `INSERT INTO card_index_backfill (singleton) VALUES (true) ON CONFLICT DO NOTHING`,
    // Backfilled and reconciled: the app starts with nothing to fetch.
    `INSERT INTO mirror_sync (account_id, activity_backfilled_at, events_created, reconciled_at, reported_at)
     SELECT ${id}, now(), $1::bigint, now(), now() FROM generate_series(0::bigint, ${s.accounts - 1}) AS a`,
  ];
}

function holdersSql(s: MirrorSizes): string {
  const name = `(${sqlArray(FIRST)})[1 + g % 10] || ' ' || (${sqlArray(LAST)})[1 + (g / 10) % 10] || ' ' || g`;
  return `INSERT INTO cardholder_index (cardholder_id, account_id, name, email, version, data)
    SELECT ${HOLDER_SQL('g')}, ${ACCOUNT_SQL(`g / ${CARDS_PER_ACCOUNT / CARDS_PER_HOLDER}`)}, ${name}, 'holder' || g || '@example.com', $2::bigint,
      jsonb_build_object('id', ${HOLDER_SQL('g')}, 'object', 'issuing.cardholder', 'created', $1::bigint - 300 * 86400 + g,
        'billing', jsonb_build_object('address', jsonb_build_object('line1', g || ' Market St', 'line2', null, 'city', 'Austin', 'state', 'TX', 'postal_code', '78701', 'country', 'US')),
        'company', null, 'email', 'holder' || g || '@example.com', 'individual', jsonb_build_object('first_name', (${sqlArray(FIRST)})[1 + g % 10], 'last_name', (${sqlArray(LAST)})[1 + (g / 10) % 10], 'dob', null, 'card_issuing', jsonb_build_object('user_terms_acceptance', jsonb_build_object('date', $1::bigint - 300 * 86400, 'ip', '203.0.113.7', 'user_agent', null)), 'verification', null),
        'livemode', false, 'metadata', '{}'::jsonb, 'name', ${name}, 'phone_number', '+15125550' || lpad((g % 1000)::text, 3, '0'), 'preferred_locales', '["en"]'::jsonb,
        'requirements', jsonb_build_object('disabled_reason', null, 'past_due', '[]'::jsonb),
        'spending_controls', jsonb_build_object('allowed_categories', null, 'blocked_categories', null, 'allowed_merchant_countries', null, 'blocked_merchant_countries', null, 'spending_limits', ${LIMITS_HOLDER}, 'spending_limits_currency', 'usd'),
        'status', 'active', 'type', 'individual')
    FROM generate_series(0::bigint, ${s.cardholders - 1}) AS g`;
}

function cardsSql(s: MirrorSizes): string {
  const status = `CASE WHEN k % 50 = 7 THEN 'canceled' WHEN k % 33 = 5 THEN 'inactive' ELSE 'active' END`;
  const type = `CASE WHEN k % 4 = 0 THEN 'physical' ELSE 'virtual' END`;
  const last4 = `lpad(((k * 7919) % 10000)::text, 4, '0')`;
  const created = `$1::bigint - 86400 - (${s.cards} - k)`;
  return `INSERT INTO card_index (card_id, account_id, last4, type, status, cardholder_id, created, version, replacement_for, data)
    SELECT ${CARD_SQL('k')}, ${ACCOUNT_SQL(`k / ${CARDS_PER_ACCOUNT}`)}, ${last4}, ${type}, ${status}, ${HOLDER_SQL(`k / ${CARDS_PER_HOLDER}`)}, ${created}, $2::bigint, null,
      jsonb_build_object('id', ${CARD_SQL('k')}, 'object', 'issuing.card', 'brand', 'Visa', 'cancellation_reason', CASE WHEN k % 50 = 7 THEN 'lost' END,
        'cardholder', ${HOLDER_SQL(`k / ${CARDS_PER_HOLDER}`)}, 'created', ${created}, 'currency', 'usd', 'exp_month', 1 + k % 12, 'exp_year', 2029 + k % 3,
        'last4', ${last4}, 'livemode', false, 'metadata', jsonb_build_object('cost_center', 'CC-' || (k % 40)), 'replaced_by', null, 'replacement_for', null, 'replacement_reason', null,
        'shipping', null, 'financial_account', null, 'personalization_design', null,
        'spending_controls', jsonb_build_object('allowed_categories', null, 'blocked_categories', null, 'allowed_merchant_countries', null, 'blocked_merchant_countries', null, 'spending_limits', ${LIMITS_CARD}, 'spending_limits_currency', 'usd'),
        'status', ${status}, 'type', ${type},
        'wallets', jsonb_build_object('apple_pay', jsonb_build_object('eligible', true, 'ineligible_reason', null), 'google_pay', jsonb_build_object('eligible', true, 'ineligible_reason', null), 'primary_account_identifier', null))
    FROM generate_series(0::bigint, ${s.cards - 1}) AS k`;
}

/**
 * Authorizations n in [$3, $4) and their transactions, in one statement. $1: now (unix seconds),
 * $2: the version every row carries.
 */
function activitySql(s: MirrorSizes): string {
  const busy = BUSY_CARDS * BUSY_PER_CARD;
  // Even spread: n * an odd constant not divisible by 5 is a permutation modulo the card count.
  const card = `CASE WHEN n < ${busy} THEN n % ${BUSY_CARDS} ELSE (n * 2654435761) % ${s.cards} END`;
  const r = `((n * 31) % 100)`;
  const m = (i: number) => `(${MERCHANT_FIELD(i)})[1 + (n * 13) % 20]`;
  return `WITH base AS (
      SELECT n, ${card} AS k, ${r} AS r, 100 + (n * 7717) % 25000 AS amount FROM generate_series($3::bigint, $4::bigint - 1) AS n
    ), src AS (
      SELECT n, k, r, amount,
        ${CARD_SQL('k')} AS card_id, ${ACCOUNT_SQL(`k / ${CARDS_PER_ACCOUNT}`)} AS account_id, ${HOLDER_SQL(`k / ${CARDS_PER_HOLDER}`)} AS holder_id,
        'iauth_1MBench' || lpad(n::text, 19, '0') AS id,
        CASE WHEN r >= 90 THEN $1::bigint - 60 - (n * 7919) % (5 * 86400) ELSE $1::bigint - 3600 - (n * 40503) % (365 * 86400) END AS created,
        CASE WHEN r < 75 THEN 'closed' WHEN r < 85 THEN 'reversed' WHEN r < 90 THEN 'expired' ELSE 'pending' END AS status,
        NOT (r BETWEEN 70 AND 74) AS approved,
        jsonb_build_object('category', ${m(1)}, 'category_code', ${m(2)}, 'city', ${m(3)}, 'country', 'US', 'name', ${m(0)},
          'network_id', '1234' || lpad(((n * 13) % 20)::text, 6, '0'), 'postal_code', ${m(5)}, 'state', ${m(4)}, 'tax_id', null, 'terminal_id', null, 'url', null) AS merchant,
        ${m(1)} AS category
      FROM base
    ), txn AS (
      SELECT src.*, CASE WHEN r < 70 THEN jsonb_build_object(
          'id', 'ipi_1MBench' || lpad(n::text, 19, '0'), 'object', 'issuing.transaction', 'amount', -amount,
          'amount_details', jsonb_build_object('atm_fee', null, 'cashback_amount', 0), 'authorization', id, 'balance_transaction', 'txn_1MBench' || lpad(n::text, 19, '0'),
          'card', card_id, 'cardholder', holder_id, 'created', created + 3600, 'currency', 'usd', 'dispute', null, 'livemode', false,
          'merchant_amount', -amount, 'merchant_currency', 'usd', 'merchant_data', merchant, 'metadata', '{}'::jsonb,
          'network_data', jsonb_build_object('authorization_code', lpad(((n * 97) % 1000000)::text, 6, '0'), 'processing_date', to_char(to_timestamp(created + 3600), 'YYYY-MM-DD'), 'transaction_id', 'TX' || n),
          'purchase_details', null, 'token', null, 'treasury', null, 'type', 'capture', 'wallet', null) END AS capture
      FROM src
    ), auth AS (
      INSERT INTO mirror_authorizations (id, account_id, card_id, cardholder_id, created, status, approved, amount, currency, category, captured, data, version)
      SELECT id, account_id, card_id, holder_id, created, status, approved, amount, 'usd', category,
        CASE WHEN capture IS NULL THEN 0 ELSE -amount END, -- the sum of its captures (migration 153)
        jsonb_build_object(
          'id', id, 'object', 'issuing.authorization', 'amount', amount,
          'amount_details', jsonb_build_object('atm_fee', null, 'cashback_amount', 0), 'approved', approved, 'authorization_method', CASE WHEN n % 4 = 0 THEN 'chip' ELSE 'online' END,
          'balance_transactions', '[]'::jsonb, 'card', card_id, 'cardholder', holder_id, 'created', created, 'currency', 'usd', 'fleet', null, 'fuel', null, 'livemode', false,
          'merchant_amount', amount, 'merchant_currency', 'usd', 'merchant_data', merchant, 'metadata', '{}'::jsonb,
          'network_data', jsonb_build_object('acquiring_institution_id', '4000' || (n % 100), 'system_trace_audit_number', lpad((n % 1000000)::text, 6, '0'), 'transaction_id', 'TX' || n),
          'pending_request', null,
          'request_history', CASE
            WHEN NOT approved THEN jsonb_build_array(jsonb_build_object('amount', amount, 'amount_details', jsonb_build_object('atm_fee', null, 'cashback_amount', 0), 'approved', false, 'authorization_code', null, 'created', created, 'currency', 'usd', 'merchant_amount', amount, 'merchant_currency', 'usd', 'reason', 'spending_controls', 'reason_message', null, 'requested_at', created))
            WHEN n % 5 = 0 THEN jsonb_build_array(
              jsonb_build_object('amount', amount / 2, 'amount_details', jsonb_build_object('atm_fee', null, 'cashback_amount', 0), 'approved', true, 'authorization_code', lpad(((n * 97) % 1000000)::text, 6, '0'), 'created', created, 'currency', 'usd', 'merchant_amount', amount / 2, 'merchant_currency', 'usd', 'reason', 'webhook_approved', 'reason_message', null, 'requested_at', created),
              jsonb_build_object('amount', amount, 'amount_details', jsonb_build_object('atm_fee', null, 'cashback_amount', 0), 'approved', true, 'authorization_code', lpad(((n * 89) % 1000000)::text, 6, '0'), 'created', created + 600, 'currency', 'usd', 'merchant_amount', amount, 'merchant_currency', 'usd', 'reason', 'webhook_approved', 'reason_message', null, 'requested_at', created + 600))
            ELSE jsonb_build_array(jsonb_build_object('amount', amount, 'amount_details', jsonb_build_object('atm_fee', null, 'cashback_amount', 0), 'approved', true, 'authorization_code', lpad(((n * 97) % 1000000)::text, 6, '0'), 'created', created, 'currency', 'usd', 'merchant_amount', amount, 'merchant_currency', 'usd', 'reason', 'webhook_approved', 'reason_message', null, 'requested_at', created))
          END,
          'status', status, 'token', null,
          'transactions', CASE WHEN capture IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(capture) END,
          'treasury', null,
          'verification_data', jsonb_build_object('address_line1_check', 'match', 'address_postal_code_check', 'match', 'authentication_exemption', null, 'cvc_check', 'match', 'expiry_check', 'match', 'postal_code', null, 'three_d_secure', null),
          'wallet', CASE WHEN n % 7 = 0 THEN 'apple_pay' END), $2::bigint
      FROM txn
    ), captures AS (
      SELECT id AS authorization_id, account_id, card_id, capture AS data, created + 3600 AS created, amount, 'capture' AS type FROM txn WHERE capture IS NOT NULL
      UNION ALL
      SELECT id, account_id, card_id, capture || jsonb_build_object('id', 'ipi_1MBenchR' || lpad(n::text, 18, '0'), 'type', 'refund', 'amount', amount / 2, 'merchant_amount', amount / 2, 'created', least(created + 5 * 86400, $1::bigint)),
        least(created + 5 * 86400, $1::bigint), -(amount / 2), 'refund' FROM txn WHERE capture IS NOT NULL AND r < 2
    )
    INSERT INTO mirror_transactions (id, account_id, card_id, authorization_id, created, type, amount, currency, data, version)
    SELECT data->>'id', account_id, card_id, authorization_id, created, type, -amount, 'usd', data, $2::bigint FROM captures`;
}

export interface GenerationFigures {
  /** Accounts, cardholders and cards (with their indexes). */
  cardsS: number;
  /** Authorizations and transactions into tables without their secondary indexes. */
  activityS: number;
  activityRowsPerS: number;
  /** The secondary indexes built afterwards (as a restore would), and VACUUM ANALYZE. */
  indexesS: number;
  vacuumAnalyzeS: number;
  totalS: number;
  rows: Record<string, number>;
}

type Log = (msg: string) => void;
const seconds = (since: number) => Math.round((performance.now() - since) / 100) / 10;

/**
 * Fills an empty, migrated database. The secondary indexes of the two big tables (whatever the
 * migrations made them) are dropped for the fill and built again after it, then VACUUM ANALYZE
 * (what autovacuum would reach soon after such a load: statistics and the visibility map).
 */
export async function generateMirror(
  url: string,
  sizes: MirrorSizes,
  now: number,
  log: Log,
): Promise<GenerationFigures> {
  const started = performance.now();
  const version = now * 1000;
  const connect = async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`SET maintenance_work_mem = '512MB'; SET synchronous_commit = off`);
    return c;
  };
  const main = await connect();
  try {
    for (const sql of accountsSql(sizes))
      await main.query(sql, /\$2/.test(sql) ? [now, version] : /\$1/.test(sql) ? [now] : []);
    await main.query(holdersSql(sizes), [now, version]);
    await main.query(cardsSql(sizes), [now, version]);
    await main.query(
      'ANALYZE mirror_accounts; ANALYZE card_index; ANALYZE cardholder_index; ANALYZE card_index_accounts',
    );
    const cardsS = seconds(started);
    log(`mirror: ${sizes.accounts} accounts, ${sizes.cardholders} cardholders, ${sizes.cards} cards in ${cardsS} s`);

    const { rows: indexes } = await main.query<{ indexname: string; indexdef: string }>(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
       JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid
       WHERE i.tablename IN ('mirror_authorizations', 'mirror_transactions') AND NOT x.indisprimary`,
    );
    for (const i of indexes) await main.query(`DROP INDEX ${i.indexname}`);

    const activityStarted = performance.now();
    const sql = activitySql(sizes);
    let next = 0;
    const worker = async () => {
      const c = await connect();
      try {
        while (next < sizes.authorizations) {
          const from = next;
          next = Math.min(sizes.authorizations, next + CHUNK);
          await c.query(sql, [now, version, from, next]);
          if (next % 1_000_000 < CHUNK)
            log(
              `mirror: authorizations ${next.toLocaleString('en')} of ${sizes.authorizations.toLocaleString('en')} after ${seconds(activityStarted)} s`,
            );
        }
      } finally {
        await c.end();
      }
    };
    await Promise.all([worker(), worker()]);
    const activityS = seconds(activityStarted);

    const indexesStarted = performance.now();
    // Two at a time (one per core), each with PostgreSQL's parallel workers for its own sort.
    const queue = [...indexes];
    const builder = async () => {
      const c = await connect();
      try {
        for (let i = queue.shift(); i; i = queue.shift()) {
          await c.query(i.indexdef);
          log(`mirror: index ${i.indexname} after ${seconds(indexesStarted)} s`);
        }
      } finally {
        await c.end();
      }
    };
    await Promise.all([builder(), builder()]);
    const indexesS = seconds(indexesStarted);
    const vacuumStarted = performance.now();
    await main.query('VACUUM (ANALYZE) mirror_authorizations');
    await main.query('VACUUM (ANALYZE) mirror_transactions');
    const vacuumAnalyzeS = seconds(vacuumStarted);
    const count = async (table: string) =>
      Number((await main.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    const rows: Record<string, number> = {};
    for (const t of [
      'mirror_accounts',
      'cardholder_index',
      'card_index',
      'mirror_authorizations',
      'mirror_transactions',
    ])
      rows[t] = await count(t);
    return {
      cardsS,
      activityS,
      activityRowsPerS: Math.round((rows.mirror_authorizations! + rows.mirror_transactions!) / activityS),
      indexesS,
      vacuumAnalyzeS,
      totalS: seconds(started),
      rows,
    };
  } finally {
    await main.end();
  }
}
