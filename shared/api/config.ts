// GET /api/config: what the browser needs before signing in.
import { Type, type Static } from 'typebox';

export const ConfigResponse = Type.Object({
  mode: Type.Union([Type.Literal('emulator'), Type.Literal('stripe')]),
  publishableKey: Type.String(),
  apiVersion: Type.String(),
  emulatorUrl: Type.Optional(Type.String()),
  /** Where the browser fetches the Issuing PIN encryption key (fetched for every PIN operation). */
  issuingKeyUrl: Type.String(),
  /** Which sign-in the login page offers: password, single sign-on (GET /api/oidc/login). */
  signIn: Type.Object({ password: Type.Boolean(), sso: Type.Boolean() }),
});
export type ConfigResponse = Static<typeof ConfigResponse>;
