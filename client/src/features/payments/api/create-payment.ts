import { api } from '../../../lib/api-client.ts';
import type { PaymentBody, PaymentResponse } from '@shared/api.ts';

/** Asks the server to create and confirm the PaymentIntent with the browser's ConfirmationToken. */
export function createPayment(input: PaymentBody): Promise<PaymentResponse> {
  return api.post<PaymentResponse>('/api/payments', input);
}
