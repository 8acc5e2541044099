// Emulator-only endpoints behind the Connect embedded components stand-in (docs/architecture.md):
// `POST /_emulator/connect/claim {client_secret}` exchanges an Account Session's client secret, once,
// for a Connect session token (emcs_…) that lives as long as the session; `POST
// /_emulator/connect/logout` (Bearer emcs_…) revokes it, as connect.js's `logout()` destroys the session.
import type { FastifyInstance } from 'fastify';
import { extractKey } from './auth.ts';
import { StripeApiError, missingParameter } from './errors.ts';
import { newSecret } from './ids.ts';
import type { EmulatorRuntime } from './router.ts';
import type { ConnectTokenRecord } from './store.ts';

function claimError(message: string): StripeApiError {
  return new StripeApiError(400, message, { param: 'client_secret' });
}

export function registerConnectClaim(app: FastifyInstance, runtime: EmulatorRuntime): void {
  app.post('/_emulator/connect/claim', async (request) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const clientSecret = body.client_secret;
    if (typeof clientSecret !== 'string' || clientSecret === '') throw missingParameter('client_secret');
    const session = runtime.store.accountSessions.get(clientSecret);
    if (!session) throw claimError('No such account session: the client secret is unknown.');
    if (session.claimed)
      throw claimError('This account session has already been used. Create a new account session for each page load.');
    const nowSeconds = Math.floor(runtime.clock.now() / 1000);
    if (session.expiresAt <= nowSeconds)
      throw claimError('This account session has expired. Create a new account session.');
    session.claimed = true;
    const record: ConnectTokenRecord = {
      token: newSecret('emcs_', 48),
      account: session.account,
      components: session.components,
      expiresAt: session.expiresAt,
      revoked: false,
    };
    runtime.store.connectTokens.set(record.token, record);
    return {
      token: record.token,
      account: record.account,
      components: record.components,
      expires_at: record.expiresAt,
    };
  });

  app.post('/_emulator/connect/logout', async (request) => {
    const token = extractKey(request.headers.authorization);
    const record = token ? runtime.store.connectTokens.get(token) : undefined;
    if (!record) throw new StripeApiError(401, 'Invalid Connect session token.', { idempotent: false });
    record.revoked = true;
    return { revoked: true };
  });
}
