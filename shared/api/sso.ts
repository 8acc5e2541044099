// Linking a user to an identity at the single sign-on provider (docs/decisions/103-sso-identity-linking.md).
import { Type, type Static } from 'typebox';

/**
 * POST /api/oidc/link (docs/decisions/103-sso-identity-linking.md): the signed-in user links this
 * account to an identity at the provider, after a fresh second-factor check (or, without a factor,
 * the password typed again). The answer is where the browser goes next: the provider's sign-in page.
 */
export const SsoLinkResponse = Type.Object({ url: Type.String() });
export type SsoLinkResponse = Static<typeof SsoLinkResponse>;

/**
 * A link the provider answered, waiting for the user's confirmation (decision 103): the callback
 * sends the browser to `/security?confirm_link=<id>`; GET /api/oidc/link/:id shows it, POST
 * /api/oidc/link/:id/confirm makes it, DELETE /api/oidc/link/:id drops it — each only for the
 * user and the session that started it.
 */
export const SsoPendingLinkParams = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9_-]{32}$' }) },
  { additionalProperties: false },
);
export type SsoPendingLinkParams = Static<typeof SsoPendingLinkParams>;
export const SsoPendingLinkResponse = Type.Object({
  issuer: Type.String(),
  /** The identity's email from the provider's claims, if it sent one (shown, never trusted). */
  email: Type.Union([Type.String(), Type.Null()]),
});
export type SsoPendingLinkResponse = Static<typeof SsoPendingLinkResponse>;
