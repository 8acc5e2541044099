// The reveal route's own work per request (docs/decisions/130-reveal-cpu.md): what it asks the
// database (the card from the mirror, issue 18, instead of Stripe), and that the refused-attempt count does not grow with the granted reveals of an
// address (a support floor behind one NAT address reveals all day).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNonce } from '../helpers/card-details.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let admin: string;
let card: { id: string; account: string };

beforeAll(async () => {
  stack = await startStack();
  admin = await stack.loginCookie('admin@example.com');
  await stack.app.cardIndex.whenBackfilled();
  const [account] = (await stack.stripe.accounts.list({ limit: 1 })).data;
  const [found] = (
    await stack.stripe.issuing.cards.list(
      { status: 'active', type: 'virtual', limit: 1 },
      { stripeAccount: account!.id },
    )
  ).data;
  card = { id: found!.id, account: account!.id };
});

afterAll(async () => {
  await stack?.close();
});

/**
 * Statements the app runs in the background, not for the request: the Stripe reachability mark
 * (at most once a second per instance, server/plugins/app/stripe-reachability.ts) and the audit
 * chain anchor's checkpoint (docs/decisions/091).
 */
const background = (sql: string) =>
  sql.startsWith('UPDATE mirror_status ') || sql === 'SELECT seq, hash FROM audit_trail ORDER BY seq DESC LIMIT 1';

/** The statements `db` runs while `fn` runs (background ones left out). */
async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const db = stack.app.db;
  const original = db.query.bind(db);
  const statements: string[] = [];
  db.query = (sql: string, params?: unknown[]) => {
    statements.push(sql.replace(/\s+/g, ' ').trim());
    return original(sql, params);
  };
  try {
    await fn();
  } finally {
    db.query = original;
  }
  return statements.filter((sql) => !background(sql));
}

describe('database calls of a reveal', () => {
  test("a support agent's reveal (step-up, reason) is four calls too; its granted row carries the second-factor method from the start", async () => {
    const support = await stack.loginCookie('support@example.com');
    const nonce = await createNonce(stack, card.id, card.account);
    let res;
    const statements = await statementsOf(async () => {
      res = await stack.app.inject({
        method: 'POST',
        url: '/api/ephemeral-keys',
        headers: { cookie: support, origin: stack.appUrl },
        payload: { card_id: card.id, nonce, reason: 'Caller verified by phone', account: card.account },
      });
    });
    console.log(`[reveal path] database calls of a support agent's reveal:\n  ${statements.join('\n  ')}`);
    expect(res!.statusCode).toBe(200);
    expect(statements).toHaveLength(4);
    expect(statements[2]).toContain('reveal_audit_grant_with_method(');
    const [row] = await stack.app.db.query<{ outcome: string; second_factor_method: string | null; reason: string }>(
      `SELECT outcome, second_factor_method, reason FROM reveal_audit WHERE email = 'support@example.com' ORDER BY created_at DESC LIMIT 1`,
    );
    expect(row).toEqual({ outcome: 'granted', second_factor_method: 'totp', reason: 'Caller verified by phone' });
  });

  // Four since issue 18: the card comes from the mirror (one query) instead of a Stripe retrieve.
  test('four: the session with the refused-attempt counts, the card from the mirror, the audited grant, the key id; the audit row is complete', async () => {
    const db = stack.app.db;
    const original = db.query.bind(db);
    const statements: string[] = [];
    db.query = (sql: string, params?: unknown[]) => {
      statements.push(sql.replace(/\s+/g, ' ').trim());
      return original(sql, params);
    };
    let res;
    try {
      const nonce = await createNonce(stack, card.id, card.account);
      res = await stack.app.inject({
        method: 'POST',
        url: '/api/ephemeral-keys',
        headers: { cookie: admin, origin: stack.appUrl },
        payload: { card_id: card.id, nonce, account: card.account },
      });
    } finally {
      db.query = original;
    }
    statements.splice(0, statements.length, ...statements.filter((sql) => !background(sql)));
    console.log(`[reveal path] database calls of one reveal:\n  ${statements.join('\n  ')}`);
    expect(res.statusCode).toBe(200);
    expect(statements).toHaveLength(4);
    expect(statements[0]).toContain('session_user_with_refused_reveals(');
    expect(statements[1]).toContain('FROM card_index c');
    // The admin's reveal is behind a step-up since issue 17.2: its grant carries the method.
    expect(statements[2]).toMatch(/reveal_audit_grant(_with_method)?\(/);
    expect(statements[3]).toContain('record_ephemeral_key_ids(');
    // The row (and its entry in the hash-chained trail) is there, with the key Stripe issued.
    const [row] = await db.query<{ outcome: string; ephemeral_key_id: string | null; trail: string | number }>(
      `SELECT outcome, ephemeral_key_id, (SELECT count(*) FROM audit_trail t WHERE t.details->>'reveal_audit_id' = r.id) AS trail
       FROM reveal_audit r WHERE card_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [card.id],
    );
    expect(row).toMatchObject({ outcome: 'granted' });
    expect(row!.ephemeral_key_id).toMatch(/^ephkey_/);
    expect(Number(row!.trail)).toBe(1);
  });
});

describe('the refused-attempt count', () => {
  test('reads only refused rows, however many granted reveals came from the same address', async () => {
    const ip = '10.77.0.1';
    await stack.app.db.query(
      `INSERT INTO reveal_audit (id, user_id, email, role, card_id, account_id, reason, outcome, ip, user_agent)
       SELECT 'ra_path_' || i, 'usr_path', 'path@example.com', 'support_agent', 'ic_path', 'acct_path', 'bench', 'granted', $1, 'ua'
       FROM generate_series(1, 3000) AS i`,
      [ip],
    );
    await stack.app.db.query(`ANALYZE reveal_audit`);
    // The statement refused_reveal_counts and session_user_with_refused_reveals run (migration 130).
    const [plan] = await stack.app.db.query<{ 'QUERY PLAN': unknown }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM reveal_audit WHERE outcome = 'denied' AND ip = $1 AND created_at > now() - interval '60 seconds'`,
      [ip],
    );
    const nodes: Array<Record<string, unknown>> = [];
    const walk = (node: Record<string, unknown>) => {
      nodes.push(node);
      for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
    };
    walk((plan!['QUERY PLAN'] as Array<{ Plan: Record<string, unknown> }>)[0]!.Plan);
    const read = nodes.reduce(
      (n, node) =>
        n +
        Number(node['Rows Removed by Filter'] ?? 0) +
        (node['Node Type'] === 'Seq Scan' ? Number(node['Actual Rows'] ?? 0) : 0),
      0,
    );
    console.log(
      `[reveal path] refused-attempt count with 3000 granted reveals from one address: ${nodes.map((n) => `${n['Node Type']}${n['Index Name'] ? ` on ${n['Index Name']}` : ''}`).join(' > ')}; rows read and thrown away: ${read}`,
    );
    expect(nodes.some((n) => n['Node Type'] === 'Seq Scan')).toBe(false);
    expect(read).toBe(0);
  });
});
