// Test purchases made from the dashboard: one row per attempt, for the record (the payment
// itself lives in Stripe). Never a card number or CVC: only ids, amount and outcome.
import { randomUUID } from 'node:crypto';
import type { Queryable } from './database.ts';

export interface PaymentRecord {
  userId: string;
  paymentIntentId: string | null;
  /** The connected account and card of the platform's own card that paid, when known. */
  accountId: string | null;
  cardId: string | null;
  amount: number;
  currency: string;
  /** The PaymentIntent's status, or `declined:<reason>` when the payment was declined. */
  status: string;
}

export async function insertPayment(db: Queryable, record: PaymentRecord): Promise<string> {
  const id = `pay_${randomUUID().replaceAll('-', '')}`;
  await db.query(
    `INSERT INTO payments (id, user_id, payment_intent_id, account_id, card_id, amount, currency, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, record.userId, record.paymentIntentId, record.accountId, record.cardId, record.amount, record.currency, record.status],
  );
  return id;
}

export async function listPaymentsOf(db: Queryable, userId: string): Promise<Array<PaymentRecord & { id: string }>> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT id, user_id, payment_intent_id, account_id, card_id, amount, currency, status
     FROM payments WHERE user_id = $1 ORDER BY created_at DESC LIMIT 100`,
    [userId],
  );
  return rows.map((r) => ({
    id: r.id as string,
    userId: r.user_id as string,
    paymentIntentId: (r.payment_intent_id as string | null) ?? null,
    accountId: (r.account_id as string | null) ?? null,
    cardId: (r.card_id as string | null) ?? null,
    amount: Number(r.amount),
    currency: r.currency as string,
    status: r.status as string,
  }));
}
