// A real OpenID provider for the single sign-on tests (oidc-provider, with its development
// login and consent pages: any login name and password; the login name picks the account).
// Each account's claims come from `accounts`, read at every sign-in, so a test can change them.
import type { Server } from 'node:http';
import Provider from 'oidc-provider';

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Claims per login name (besides `sub`, which is the login name). */
  accounts: Map<string, Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startProvider(port: number, redirectUri: string): Promise<TestProvider> {
  const issuer = `http://localhost:${port}`;
  const accounts = new Map<string, Record<string, unknown>>();
  const clientId = 'connect-issuing-dashboard';
  const clientSecret = 'test-client-secret-0123456789abcdef';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups', 'connected_accounts'] },
    pkce: { required: () => true },
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({ sub: id, ...(accounts.get(id) ?? {}) }),
    }),
  });
  const server: Server = provider.listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
