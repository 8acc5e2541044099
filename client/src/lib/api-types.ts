// TEMPORARY: the app server's response shapes as docs/architecture.md states them, until
// shared/api.ts (TypeBox schemas + static types) lands; then the endpoint files import from there.
import type { Permissions, Role } from '../../../shared/policy.ts';

export interface SessionUser {
  id: string;
  email: string;
  role: Role;
}

export interface Me {
  user: SessionUser;
  accounts: 'all' | string[];
  permissions: Permissions;
}

export interface AppConfig {
  mode: 'emulator' | 'stripe';
  publishableKey: string;
  apiVersion: string;
  emulatorUrl?: string;
}

export interface AccountSummary {
  id: string;
  name: string;
  email: string | null;
  card_count: number;
}

export interface CardSummary {
  id: string;
  account: string;
  last4: string;
  brand: string;
  type: 'virtual' | 'physical';
  status: 'active' | 'inactive' | 'canceled';
  currency: string;
  created: number;
  cardholder: { id: string; name: string; email: string | null };
  spending_controls: unknown;
  cancellation_reason: string | null;
}

export interface CardList {
  data: CardSummary[];
  has_more: boolean;
}

export interface AccountSessionResponse {
  client_secret: string;
  expires_at: number;
}

export interface EphemeralKeyResponse {
  ephemeralKeySecret: string;
  expires: number;
  issuingCard: string;
  nonce: string;
}

export interface AuditRow {
  id: string;
  created_at: string;
  user_email: string;
  role: Role;
  card: string;
  account: string;
  reason: string | null;
  outcome: 'granted' | 'denied';
  ip: string | null;
}
