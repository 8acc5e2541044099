// Passkeys (WebAuthn) with @simplewebauthn/server: registration and authentication ceremonies.
// The relying party is the app's public origin (PUBLIC_URL): its host name is the RP ID, and
// only assertions made for exactly that origin verify.
//
// The library is loaded on the first ceremony, not at start: it is the heaviest import of the
// server (~230 ms of the cold start, which bench/README.md's target bounds) and most starts never
// see a passkey.
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Config } from '../config.ts';
import type { Queryable } from '../db/database.ts';
import {
  addWebauthnFactor,
  listFactors,
  saveChallenge,
  takeChallenge,
  updateSignCount,
  webauthnFactors,
} from '../db/second-factors.ts';

export const RP_NAME = 'Connect Issuing Dashboard';

let library: Promise<typeof import('@simplewebauthn/server')> | undefined;
const webauthn = () => (library ??= import('@simplewebauthn/server'));
/** A ceremony must finish within this time (the browser's own timeout is one minute). */
const CHALLENGE_TTL_SECONDS = 5 * 60;

function relyingParty(config: Config): { rpID: string; origin: string } {
  return { rpID: new URL(config.publicUrl).hostname, origin: config.publicUrl };
}

const transportsOf = (row: { transports: string | null }) =>
  (row.transports ? row.transports.split(',').filter(Boolean) : []) as AuthenticatorTransport[];

export async function registrationOptions(
  db: Queryable,
  config: Config,
  user: { id: string; email: string; sessionId: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await listFactors(db, user.id);
  const options = await (
    await webauthn()
  ).generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: relyingParty(config).rpID,
    userName: user.email,
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    // The same authenticator twice would be no second device.
    excludeCredentials: existing
      .filter((f) => f.kind === 'webauthn' && f.credential_id)
      .map((f) => ({ id: f.credential_id!, transports: transportsOf(f) })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
  await saveChallenge(db, {
    sessionId: user.sessionId,
    userId: user.id,
    purpose: 'register',
    challenge: options.challenge,
    ttlSeconds: CHALLENGE_TTL_SECONDS,
  });
  return options;
}

/** Verifies a registration and stores the credential; null when it does not verify. */
export async function completeRegistration(
  db: Queryable,
  config: Config,
  user: { id: string; sessionId: string },
  response: RegistrationResponseJSON,
  label: string,
): Promise<string | null> {
  const challenge = await takeChallenge(db, user.sessionId, 'register');
  if (!challenge) return null;
  const { rpID, origin } = relyingParty(config);
  let result;
  try {
    result = await (
      await webauthn()
    ).verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
    });
  } catch {
    return null; // malformed attestation, wrong origin or challenge: the same refusal
  }
  if (!result.verified) return null;
  const { credential } = result.registrationInfo;
  return addWebauthnFactor(
    db,
    user.id,
    {
      id: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ?? [],
    },
    label,
  );
}

/** Options for an assertion with one of the user's passkeys; null when the user has none. */
export async function authenticationOptions(
  db: Queryable,
  config: Config,
  user: { id: string; sessionId: string },
): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
  const keys = await webauthnFactors(db, user.id);
  if (keys.length === 0) return null;
  const options = await (
    await webauthn()
  ).generateAuthenticationOptions({
    rpID: relyingParty(config).rpID,
    allowCredentials: keys.map((k) => ({ id: k.credential_id!, transports: transportsOf(k) })),
    userVerification: 'preferred',
  });
  await saveChallenge(db, {
    sessionId: user.sessionId,
    userId: user.id,
    purpose: 'authenticate',
    challenge: options.challenge,
    ttlSeconds: CHALLENGE_TTL_SECONDS,
  });
  return options;
}

/** Verifies an assertion against the session's challenge and the user's passkeys. */
export async function verifyAssertion(
  db: Queryable,
  config: Config,
  user: { id: string; sessionId: string },
  response: AuthenticationResponseJSON,
): Promise<boolean> {
  const challenge = await takeChallenge(db, user.sessionId, 'authenticate');
  if (!challenge) return false;
  const key = (await webauthnFactors(db, user.id)).find((k) => k.credential_id === response.id);
  if (!key) return false;
  const { rpID, origin } = relyingParty(config);
  let result;
  try {
    result = await (
      await webauthn()
    ).verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
      credential: {
        id: key.credential_id!,
        publicKey: new Uint8Array(Buffer.from(key.public_key!, 'base64url')),
        counter: Number(key.sign_count ?? 0),
        transports: transportsOf(key),
      },
    });
  } catch {
    return false; // bad signature, wrong origin, counter gone backwards (a cloned authenticator)
  }
  if (!result.verified) return false;
  await updateSignCount(db, key.id, result.authenticationInfo.newCounter);
  return true;
}
