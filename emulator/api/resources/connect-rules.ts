// What the emulator's Connect session token (emcs_…) may do, from the Account Session's
// components and features (docs/architecture.md). Stripe enforces the same features inside its
// embedded components; here the API enforces them so the browser stand-in cannot overreach.
import { connectHasFeature, connectHasIssuingComponent, connectRefused } from '../auth.ts';
import type { ConnectTokenRecord } from '../store.ts';

/** Reading cards and cardholders needs one of the Issuing components enabled. */
export function connectCanRead(token: ConnectTokenRecord): void {
  if (!connectHasIssuingComponent(token)) {
    throw connectRefused('neither issuing_card nor issuing_cards_list is enabled for this session');
  }
}

export function connectRequireFeature(token: ConnectTokenRecord, feature: string, param: string): void {
  connectCanRead(token);
  if (!connectHasFeature(token, feature)) {
    throw connectRefused(`changing ${param} needs the ${feature} feature, which this session does not have`);
  }
}
