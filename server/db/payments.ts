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
    [
      id,
      record.userId,
      record.paymentIntentId,
      record.accountId,
      record.cardId,
      record.amount,
      record.currency,
      record.status,
    ],
  );
  return id;
}
