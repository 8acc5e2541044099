// What the stand-in reads of Stripe's objects (a subset of Stripe.Issuing.Card and the emulator's
// session claim), and the Connect callback contract (connect-js componentsAndSetters.d.ts).

export interface Cardholder {
  id: string;
  name?: string | null;
  email?: string | null;
}

export interface SpendingLimit {
  amount: number;
  interval: string;
  categories?: string[] | null;
}

export interface SpendingControls {
  spending_limits?: SpendingLimit[] | null;
  allowed_categories?: string[] | null;
  blocked_categories?: string[] | null;
}

export interface Card {
  id: string;
  last4: string;
  brand?: string;
  type: string;
  status: string;
  currency?: string;
  created?: number;
  cancellation_reason?: string | null;
  cardholder: string | Cardholder | null;
  spending_controls?: SpendingControls | null;
}

export interface List<T> {
  data: T[];
  has_more: boolean;
}

export type ComponentName = 'issuing_card' | 'issuing_cards_list';

export interface ComponentFeatures {
  card_management?: boolean;
  spend_control_management?: boolean;
  [feature: string]: boolean | undefined;
}

/** The emulator's answer to POST /_emulator/connect/claim. */
export interface ConnectSession {
  token: string;
  account: string;
  expires_at: number;
  components?: Partial<Record<string, { enabled?: boolean; features?: ComponentFeatures }>>;
}

export interface FetchEphemeralKeyParams {
  issuingCard: string;
  nonce: string;
}

export interface FetchEphemeralKeyResult {
  issuingCard?: string;
  nonce?: string;
  ephemeralKeySecret: string;
}

export type FetchEphemeralKey = (
  params: FetchEphemeralKeyParams,
) => Promise<FetchEphemeralKeyResult> | FetchEphemeralKeyResult;

export interface LoadErrorEvent {
  error: { type: string; message: string };
  elementTagName: string;
}

export interface LoaderStartEvent {
  elementTagName: string;
}
