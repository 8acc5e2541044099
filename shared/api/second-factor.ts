// Second factor and step-up (docs/decisions/100-second-factor-and-step-up.md): POST
// /api/step-up, the security page's factors, recovery codes, re-authentication and passwords.
import { Type, type Static } from 'typebox';
import { PASSWORD_MAX_LENGTH } from '../password-rule.ts';
import { SecondFactorMethod, User } from './session.ts';

const B64url = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+={0,2}$' });
const Transport = Type.Union(
  ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'].map((t) => Type.Literal(t)),
);
const ClientExtensionResults = Type.Object(
  { credProps: Type.Optional(Type.Object({ rk: Type.Optional(Type.Boolean()) }, { additionalProperties: false })) },
  { additionalProperties: false },
);
const Attachment = Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]);

/** A WebAuthn assertion as @simplewebauthn/browser's startAuthentication returns it. */
export const PasskeyAssertion = Type.Object(
  {
    id: B64url(1024),
    rawId: B64url(1024),
    type: Type.Literal('public-key'),
    response: Type.Object(
      {
        clientDataJSON: B64url(4096),
        authenticatorData: B64url(4096),
        signature: B64url(2048),
        userHandle: Type.Optional(B64url(1024)),
      },
      { additionalProperties: false },
    ),
    clientExtensionResults: ClientExtensionResults,
    authenticatorAttachment: Type.Optional(Attachment),
  },
  { additionalProperties: false },
);

/** A WebAuthn registration as @simplewebauthn/browser's startRegistration returns it. */
export const PasskeyRegistration = Type.Object(
  {
    id: B64url(1024),
    rawId: B64url(1024),
    type: Type.Literal('public-key'),
    response: Type.Object(
      {
        clientDataJSON: B64url(4096),
        attestationObject: B64url(16384),
        authenticatorData: Type.Optional(B64url(16384)),
        transports: Type.Optional(Type.Array(Transport, { maxItems: 8 })),
        publicKeyAlgorithm: Type.Optional(Type.Integer({ minimum: -65536, maximum: 65535 })),
        publicKey: Type.Optional(B64url(4096)),
      },
      { additionalProperties: false },
    ),
    clientExtensionResults: ClientExtensionResults,
    authenticatorAttachment: Type.Optional(Attachment),
  },
  { additionalProperties: false },
);

const Code = Type.String({ minLength: 1, maxLength: 64 });

export const StepUpBody = Type.Union([
  Type.Object({ method: Type.Literal('totp'), code: Code }, { additionalProperties: false }),
  Type.Object({ method: Type.Literal('recovery_code'), code: Code }, { additionalProperties: false }),
  Type.Object({ method: Type.Literal('webauthn'), response: PasskeyAssertion }, { additionalProperties: false }),
]);
export type StepUpBody = Static<typeof StepUpBody>;

export const StepUpResponse = Type.Object({ user: User, method: SecondFactorMethod, freshUntil: Type.String() });
export type StepUpResponse = Static<typeof StepUpResponse>;

/** WebAuthn options as JSON (PublicKeyCredentialRequestOptionsJSON / …CreationOptionsJSON), passed to @simplewebauthn/browser as they are. */
export const PasskeyOptionsResponse = Type.Object({ options: Type.Record(Type.String(), Type.Unknown()) });
export type PasskeyOptionsResponse = Static<typeof PasskeyOptionsResponse>;

export const SecondFactorSummary = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('totp'), Type.Literal('webauthn')]),
  label: Type.String(),
  created_at: Type.String(),
  last_used_at: Type.Union([Type.String(), Type.Null()]),
});
export type SecondFactorSummary = Static<typeof SecondFactorSummary>;

export const SecurityResponse = Type.Object({
  factors: Type.Array(SecondFactorSummary),
  recoveryCodesLeft: Type.Integer(),
  required: Type.Boolean(),
  /** With single sign-on configured: whether this user is linked to a provider identity (decision 103). */
  ssoLinked: Type.Optional(Type.Boolean()),
});
export type SecurityResponse = Static<typeof SecurityResponse>;

export const TotpBeginResponse = Type.Object({ secret: Type.String(), uri: Type.String() });
export type TotpBeginResponse = Static<typeof TotpBeginResponse>;

export const TotpConfirmBody = Type.Object({ code: Code }, { additionalProperties: false });
export type TotpConfirmBody = Static<typeof TotpConfirmBody>;

const Label = Type.String({ minLength: 1, maxLength: 60, pattern: '^[^\\u0000-\\u001f]+$' });

export const PasskeyRegisterBody = Type.Object(
  { response: PasskeyRegistration, label: Type.Optional(Label) },
  { additionalProperties: false },
);
export type PasskeyRegisterBody = Static<typeof PasskeyRegisterBody>;

/** A factor added; `recoveryCodes` (shown once) when it was the user's first. */
export const FactorAddedResponse = Type.Object({
  factor: SecondFactorSummary,
  recoveryCodes: Type.Optional(Type.Array(Type.String())),
});
export type FactorAddedResponse = Static<typeof FactorAddedResponse>;

export const RecoveryCodesResponse = Type.Object({ recoveryCodes: Type.Array(Type.String()) });
export type RecoveryCodesResponse = Static<typeof RecoveryCodesResponse>;

/** POST /api/security/reauthenticate: the password typed again before enrolling (decision 142). */
export const ReauthenticateBody = Type.Object(
  { password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }) },
  { additionalProperties: false },
);
export type ReauthenticateBody = Static<typeof ReauthenticateBody>;
/** Until when the password check counts for enrolling (the step-up age). */
export const ReauthenticateResponse = Type.Object({ validUntil: Type.String() });
export type ReauthenticateResponse = Static<typeof ReauthenticateResponse>;
/** POST /api/security/password: the new one must pass shared/password-rule.ts (checked by the handler, for its message). */
export const ChangePasswordBody = Type.Object(
  {
    current_password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
    new_password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
  },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;
/** A password change or "sign out everywhere": how many of the user's other sessions ended. */
export const SessionsEndedResponse = Type.Object({ otherSessionsEnded: Type.Integer({ minimum: 0 }) });
export type SessionsEndedResponse = Static<typeof SessionsEndedResponse>;

export const FactorParams = Type.Object(
  { id: Type.String({ pattern: '^sf_[a-f0-9]{32}$' }) },
  { additionalProperties: false },
);
