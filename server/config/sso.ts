// Single sign-on (docs/decisions/102-oidc-sign-in.md): OIDC_ISSUER, OIDC_CLIENT_ID and
// OIDC_CLIENT_SECRET together, or none; the claims and groups that map a user to a role.
import type { Config } from '../config.ts';
import { ConfigError, read, type Env } from './read.ts';

export function oidcFrom(env: Env): Config['oidc'] {
  const oidcIssuer = read(env, 'OIDC_ISSUER');
  const oidcClientId = read(env, 'OIDC_CLIENT_ID');
  const oidcClientSecret = read(env, 'OIDC_CLIENT_SECRET');
  if (oidcIssuer === undefined && oidcClientId === undefined && oidcClientSecret === undefined) return undefined;
  for (const [name, value] of [
    ['OIDC_ISSUER', oidcIssuer],
    ['OIDC_CLIENT_ID', oidcClientId],
    ['OIDC_CLIENT_SECRET', oidcClientSecret],
  ] as const) {
    if (value === undefined)
      throw new ConfigError(
        name,
        'set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together (single sign-on), or none',
      );
  }
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(oidcIssuer!);
  } catch {
    throw new ConfigError('OIDC_ISSUER', `must be the identity provider's issuer URL, got "${oidcIssuer}"`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(issuerUrl.hostname);
  if (issuerUrl.protocol !== 'https:' && !(issuerUrl.protocol === 'http:' && loopback)) {
    throw new ConfigError('OIDC_ISSUER', 'must be https:// (plain http only on this machine, for tests)');
  }
  const list = (name: string, fallback: string) =>
    (read(env, name) ?? fallback)
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
  return {
    issuer: oidcIssuer!,
    clientId: oidcClientId!,
    clientSecret: oidcClientSecret!,
    scopes: read(env, 'OIDC_SCOPES') ?? 'openid email profile',
    groupsClaim: read(env, 'OIDC_GROUPS_CLAIM') ?? 'groups',
    adminGroups: list('OIDC_ADMIN_GROUPS', 'dashboard-admins'),
    supportGroups: list('OIDC_SUPPORT_GROUPS', 'dashboard-support'),
    accountsClaim: read(env, 'OIDC_ACCOUNTS_CLAIM') ?? 'connected_accounts',
  };
}
