// The app server's HTTP API: TypeBox schemas (JSON Schema at runtime, validated by Fastify)
// and their static types. The client imports the types only (`import type`), so none of
// TypeBox reaches the browser bundle. Shapes: docs/architecture.md, "The app server's HTTP API".
import { Type, type Static } from 'typebox';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-rule.ts';
import type { ROLES } from './policy.ts';

// ---- ids and shared pieces -------------------------------------------------------------

// Stripe ids are a prefix and an alphanumeric tail; bounding them keeps junk out of Stripe calls
// and log lines.
export const CardId = Type.String({ pattern: '^ic_[A-Za-z0-9_]{1,200}$', description: 'Issuing card id (ic_…)' });
export const AccountId = Type.String({ pattern: '^acct_[A-Za-z0-9_]{1,200}$', description: 'Connected account id (acct_…)' });
// Stripe.js nonces look like `ephkn_pub_…` / `ephkn_priv_…` (docs.stripe.com/js/element/issuing).
export const Nonce = Type.String({ pattern: '^ephkn_[A-Za-z0-9_]{1,250}$', description: 'Ephemeral key nonce from stripe.createEphemeralKeyNonce' });

export const Role = Type.Union([
  Type.Literal('platform_admin'),
  Type.Literal('account_user'),
  Type.Literal('support_agent'),
]);
// Compile-time check that the schema lists exactly the policy's roles.
const _rolesMatch: [Static<typeof Role>] extends [(typeof ROLES)[number]] ? ((typeof ROLES)[number] extends Static<typeof Role> ? true : never) : never = true;
void _rolesMatch;

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String()),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

// ---- health ------------------------------------------------------------------------------

export const HealthResponse = Type.Object({ ok: Type.Literal(true) });
export const ReadyResponse = Type.Object({
  ok: Type.Boolean(),
  checks: Type.Object({ database: Type.Boolean(), stripe: Type.Boolean() }),
});
export type ReadyResponse = Static<typeof ReadyResponse>;

// ---- config ------------------------------------------------------------------------------

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

// ---- session and identity ------------------------------------------------------------------

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const User = Type.Object({ id: Type.String(), email: Type.String(), role: Role });
export type User = Static<typeof User>;

export const SecondFactorMethod = Type.Union([Type.Literal('totp'), Type.Literal('webauthn'), Type.Literal('recovery_code')]);
export type SecondFactorMethodName = Static<typeof SecondFactorMethod>;

/**
 * Signed in (`user`; with `secondFactorEnrollmentRequired` when the role must enrol a second
 * factor before anything else), or the password was right and the second factor comes next
 * (`POST /api/step-up` with one of `methods`).
 */
export const LoginResponse = Type.Union([
  Type.Object({ user: User, secondFactorEnrollmentRequired: Type.Optional(Type.Literal(true)) }),
  Type.Object({ secondFactorRequired: Type.Literal(true), methods: Type.Array(SecondFactorMethod) }),
]);
export type LoginResponse = Static<typeof LoginResponse>;

/**
 * GET /api/session: whether this browser is signed in, answered 200 to anyone, so that the
 * client learns it without a refused request (GET /api/me answers 401 when signed out).
 * `secondFactorRequired`: the password was right, the second factor is still due.
 */
export const SessionStatus = Type.Union([
  Type.Object({ signedIn: Type.Literal(false) }, { additionalProperties: false }),
  Type.Object({ signedIn: Type.Literal(true), secondFactorRequired: Type.Boolean() }, { additionalProperties: false }),
]);
export type SessionStatus = Static<typeof SessionStatus>;

const CardType = Type.Union([Type.Literal('virtual'), Type.Literal('physical')]);

export const Permissions = Type.Object({
  viewCards: Type.Boolean(),
  issueCards: Type.Boolean(),
  updateCardStatus: Type.Boolean(),
  cancelCards: Type.Boolean(),
  editSpendingControls: Type.Boolean(),
  setPin: Type.Boolean(),
  freezeLostCards: Type.Boolean(),
  viewCardholders: Type.Boolean(),
  manageCardholders: Type.Boolean(),
  readAudit: Type.Boolean(),
  makeTestPurchases: Type.Boolean(),
  administerUsers: Type.Boolean(),
  useEmbeddedComponents: Type.Boolean(),
  manageDisputes: Type.Boolean(),
  reveal: Type.Object({
    allowed: Type.Boolean(),
    cardTypes: Type.Array(CardType),
    reasonRequired: Type.Boolean(),
    ratePerMinute: Type.Integer(),
    /** Different cards an hour whose details can be seen, reveals and component keys together (decision 062). */
    distinctCardsPerHour: Type.Integer(),
    displayTimeoutSeconds: Type.Integer(),
  }),
});

export const MeResponse = Type.Object({
  user: User,
  /** `'all'` for roles that reach every account (browsing or by lookup); else the member accounts. */
  accounts: Type.Union([Type.Literal('all'), Type.Array(Type.String())]),
  accountScope: Type.Union([Type.Literal('all'), Type.Literal('memberships'), Type.Literal('lookup')]),
  permissions: Permissions,
  secondFactor: Type.Object({
    /** Methods the user can check with (factor kinds, and recovery codes while some remain). */
    enrolled: Type.Array(SecondFactorMethod),
    /** When the last check stops counting for step-up actions (ISO time), or null. */
    freshUntil: Type.Union([Type.String(), Type.Null()]),
    /**
     * When the password's proof stops counting (ISO time), or null: the sign-in or the password
     * typed again (POST /api/security/reauthenticate). A user with no factor needs it to enrol
     * the first or link single sign-on (403 `reauthentication_required`).
     */
    passwordFreshUntil: Type.Union([Type.String(), Type.Null()]),
    /** `sign-in`: the check is still due; `enrolment`: the role requires a factor and there is none. */
    pending: Type.Union([Type.Literal('sign-in'), Type.Literal('enrolment'), Type.Null()]),
    /** Whether this user's role (or the deployment) requires a second factor. */
    required: Type.Boolean(),
    stepUpMaxAgeSeconds: Type.Integer(),
    /** Actions of this role that need a fresh check (shared/policy.ts). */
    stepUp: Type.Object({ reveal: Type.Boolean(), setPin: Type.Boolean(), administerUsers: Type.Boolean(), componentNumbers: Type.Boolean() }),
  }),
});
export type MeResponse = Static<typeof MeResponse>;

// ---- accounts ------------------------------------------------------------------------------

export const AccountsQuery = Type.Object(
  { q: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);
export type AccountsQuery = Static<typeof AccountsQuery>;

/**
 * Whether Stripe lets the account issue cards: its `card_issuing` capability and, while that is
 * not active, what Stripe still needs (`requirements.currently_due`), in words and as Stripe names it.
 */
export const IssuingReadiness = Type.Object({
  status: Type.Union([Type.Literal('active'), Type.Literal('pending'), Type.Literal('inactive'), Type.Literal('not_requested')]),
  currently_due: Type.Array(Type.String(), { description: 'What Stripe still needs, in words' }),
  currently_due_fields: Type.Array(Type.String(), { description: "Stripe's requirement names (requirements.currently_due)" }),
});
export type IssuingReadiness = Static<typeof IssuingReadiness>;

export const AccountSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  card_count: Type.Integer(),
  card_issuing: IssuingReadiness,
});
export type AccountSummary = Static<typeof AccountSummary>;

export const AccountsResponse = Type.Object({ data: Type.Array(AccountSummary) });
export type AccountsResponse = Static<typeof AccountsResponse>;

// ---- account sessions ----------------------------------------------------------------------

export const AccountSessionBody = Type.Object({ account: AccountId }, { additionalProperties: false });
export type AccountSessionBody = Static<typeof AccountSessionBody>;

export const AccountSessionResponse = Type.Object({ client_secret: Type.String(), expires_at: Type.Integer() });
export type AccountSessionResponse = Static<typeof AccountSessionResponse>;

// ---- ephemeral keys (reveal) ---------------------------------------------------------------

/** The Connect issuing components that fetch ephemeral keys. */
export const ConnectComponent = Type.Union([Type.Literal('issuing_card'), Type.Literal('issuing_cards_list')]);

export const EphemeralKeyBody = Type.Object(
  {
    card_id: CardId,
    nonce: Nonce,
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    /** The card's connected account, when the client knows it (from its URL): saves a lookup; verified by the server. */
    account: Type.Optional(AccountId),
    /**
     * Set by Connect's `fetchEphemeralKey` callback: the key is for this component, which fetches one
     * for every card it loads (a component key, not a reveal: docs/decisions/060).
     */
    component: Type.Optional(ConnectComponent),
  },
  { additionalProperties: false },
);
export type EphemeralKeyBody = Static<typeof EphemeralKeyBody>;

/** The shape Connect's `fetchEphemeralKey` callback and the Issuing Elements need. */
export const EphemeralKeyResponse = Type.Object({
  ephemeralKeySecret: Type.String(),
  expires: Type.Integer(),
  issuingCard: Type.String(),
  nonce: Type.String(),
});
export type EphemeralKeyResponse = Static<typeof EphemeralKeyResponse>;

// ---- cards ---------------------------------------------------------------------------------

export const CardStatus = Type.Union([Type.Literal('active'), Type.Literal('inactive'), Type.Literal('canceled')]);

export const CardsQuery = Type.Object(
  {
    account: Type.Optional(AccountId),
    last4: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
    /** A cardholder id (ich_…), or part of a cardholder's name or email. */
    cardholder: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    status: Type.Optional(CardStatus),
    type: Type.Optional(CardType),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    starting_after: Type.Optional(CardId),
    /** Free lookup: a card id, last4, or part of a cardholder's name or email. */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
export type CardsQuery = Static<typeof CardsQuery>;

export const CardParams = Type.Object({ id: CardId });
export type CardParams = Static<typeof CardParams>;

/**
 * GET /api/cards/:id: `account`, the account the client believes holds the card (its URL), lets
 * a card the card index does not know yet be found with one Stripe call on that account.
 */
export const CardQuery = Type.Object({ account: Type.Optional(AccountId) }, { additionalProperties: false });
export type CardQuery = Static<typeof CardQuery>;

/** A card as the app shows it: never a number, CVC, PIN or expiry. */
export const CardSummary = Type.Object({
  id: Type.String(),
  account: Type.String(),
  last4: Type.String(),
  brand: Type.String(),
  type: Type.String(),
  status: Type.String(),
  currency: Type.String(),
  created: Type.Integer(),
  cardholder: Type.Object({
    id: Type.String(),
    name: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
  }),
  // Stripe's spending_controls object, passed through as Stripe returns it. Left out for roles
  // that only look cards up: verifying a caller does not need them (decision 030).
  spending_controls: Type.Optional(Type.Object({}, { additionalProperties: true })),
  cancellation_reason: Type.Union([Type.String(), Type.Null()]),
  /** The connected account's name, where the list answers carry it (lookups, lists). */
  account_name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type CardSummary = Static<typeof CardSummary>;

export const CardsResponse = Type.Object({ data: Type.Array(CardSummary), has_more: Type.Boolean() });
export type CardsResponse = Static<typeof CardsResponse>;

// ---- audit ---------------------------------------------------------------------------------

export const AuditQuery = Type.Object(
  {
    /** A trail kind (`reveal`, `card.status_changed`…) or a prefix of kinds (`card`). */
    kind: Type.Optional(Type.String({ pattern: '^[a-z_]{1,40}(\\.[a-z_]{1,40})?$' })),
    account: Type.Optional(AccountId),
    card: Type.Optional(CardId),
    /** A user id or email. */
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'ISO 8601, inclusive' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'ISO 8601, exclusive' })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 500 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

const NullableString = Type.Union([Type.String(), Type.Null()]);

/** A row of the hash-chained audit trail as stored (server/db/audit-trail.ts). */
export const TrailRow = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  created_at: Type.String({ description: 'ISO 8601' }),
  kind: Type.String(),
  actor_user_id: NullableString,
  actor_email: NullableString,
  actor_role: NullableString,
  account_id: NullableString,
  card_id: NullableString,
  cardholder_id: NullableString,
  subject: NullableString,
  details: Type.Record(Type.String(), Type.Unknown()),
  ip: NullableString,
  user_agent: NullableString,
  hash: Type.String(),
});
export type TrailRow = Static<typeof TrailRow>;

/**
 * A row of the audit page: one trail row, with who did it (`user_id`, `email`, `role`) and the
 * reveal fields (`outcome`, `reason`, `deny_reason`, `ephemeral_key_id`) lifted out of `details`
 * (null for kinds without them); `account_name` is the connected account's name when known.
 */
export const AuditRow = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  created_at: Type.String({ description: 'ISO 8601' }),
  kind: Type.String(),
  user_id: NullableString,
  email: NullableString,
  role: NullableString,
  card_id: NullableString,
  account_id: NullableString,
  account_name: NullableString,
  cardholder_id: NullableString,
  subject: NullableString,
  reason: NullableString,
  outcome: Type.Union([Type.Literal('granted'), Type.Literal('denied'), Type.Null()]),
  deny_reason: NullableString,
  ip: NullableString,
  user_agent: NullableString,
  ephemeral_key_id: NullableString,
  details: Type.Record(Type.String(), Type.Unknown()),
  hash: Type.String(),
});
export type AuditRow = Static<typeof AuditRow>;

export const AuditResponse = Type.Object({ data: Type.Array(AuditRow) });
export type AuditResponse = Static<typeof AuditResponse>;

// ---- card PIN ------------------------------------------------------------------------------

/**
 * The new PIN, encrypted in the browser with Stripe's Issuing key: a compact JWE whose protected
 * header is `{alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid}` (docs.stripe.com/issuing/cards/pin-management).
 * The server checks the form and forwards it; it never sees the PIN.
 */
export const SetPinBody = Type.Object(
  { encrypted_number: Type.String({ minLength: 1, maxLength: 8192 }) },
  { additionalProperties: false },
);
export type SetPinBody = Static<typeof SetPinBody>;

export const SetPinResponse = Type.Object({ ok: Type.Literal(true) });
export type SetPinResponse = Static<typeof SetPinResponse>;

// ---- cardholders (issue-card form) -----------------------------------------------------------

export const CardholdersQuery = Type.Object({ account: AccountId }, { additionalProperties: false });
export type CardholdersQuery = Static<typeof CardholdersQuery>;

export const CardholderSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  type: Type.String(),
});
export type CardholderSummary = Static<typeof CardholderSummary>;

export const CardholdersResponse = Type.Object({ data: Type.Array(CardholderSummary) });
export type CardholdersResponse = Static<typeof CardholdersResponse>;

// ---- issuing and updating cards -------------------------------------------------------------

const Interval = Type.Union([
  Type.Literal('per_authorization'),
  Type.Literal('daily'),
  Type.Literal('weekly'),
  Type.Literal('monthly'),
  Type.Literal('yearly'),
  Type.Literal('all_time'),
]);
const Category = Type.String({ pattern: '^[a-z0-9_]{1,100}$' });

/** The spending controls the app lets a user set (Stripe's names; amounts in the card currency's smallest unit). */
export const SpendingControlsInput = Type.Object(
  {
    spending_limits: Type.Optional(
      Type.Array(
        Type.Object(
          {
            amount: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
            interval: Interval,
            categories: Type.Optional(Type.Array(Category, { maxItems: 50 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 10 },
      ),
    ),
    allowed_categories: Type.Optional(Type.Array(Category, { maxItems: 100 })),
    blocked_categories: Type.Optional(Type.Array(Category, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type SpendingControlsInput = Static<typeof SpendingControlsInput>;

export const CreateCardBody = Type.Object(
  {
    account: AccountId,
    cardholder: Type.String({ pattern: '^ich_[A-Za-z0-9_]{1,200}$' }),
    type: CardType,
    currency: Type.String({ pattern: '^[a-z]{3}$' }),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('inactive')])),
    spending_controls: Type.Optional(SpendingControlsInput),
    /**
     * Chosen by the browser once per filled-in form; the server derives Stripe's Idempotency-Key
     * from it, so a double submit issues one card.
     */
    request_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{8,100}$' })),
  },
  { additionalProperties: false },
);
export type CreateCardBody = Static<typeof CreateCardBody>;

export const UpdateCardBody = Type.Object(
  {
    status: Type.Optional(CardStatus),
    cancellation_reason: Type.Optional(Type.Union([Type.Literal('lost'), Type.Literal('stolen')])),
    spending_controls: Type.Optional(SpendingControlsInput),
  },
  { additionalProperties: false },
);
export type UpdateCardBody = Static<typeof UpdateCardBody>;

/** A card reported lost (POST /api/cards/:id/report-lost): frozen, the report audited. */
export const ReportLostBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 500, description: 'e.g. the ticket, how the caller was verified' })) },
  { additionalProperties: false },
);
export type ReportLostBody = Static<typeof ReportLostBody>;

// ---- cardholders page ------------------------------------------------------------------------

export const AccountParams = Type.Object({ account: AccountId });
export type AccountParams = Static<typeof AccountParams>;

export const AccountCardholdersQuery = Type.Object(
  {
    /** Part of a name, email or phone number, or a cardholder id. */
    q: Type.Optional(Type.String({ maxLength: 100 })),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('inactive'), Type.Literal('blocked')])),
  },
  { additionalProperties: false },
);
export type AccountCardholdersQuery = Static<typeof AccountCardholdersQuery>;

/** A cardholder as the cardholders page shows it. */
export const CardholderDetails = Type.Object({
  id: Type.String(),
  account: Type.String(),
  name: Type.String(),
  email: NullableString,
  phone_number: NullableString,
  status: Type.String(),
  type: Type.String(),
  created: Type.Integer(),
  /** Cards of this cardholder, by status (from the card index). */
  cards: Type.Object({ active: Type.Integer(), inactive: Type.Integer(), canceled: Type.Integer() }),
  // Stripe's spending_controls object, passed through.
  spending_controls: Type.Object({}, { additionalProperties: true }),
  /** Stripe's requirements: why the cardholder cannot get cards yet, if anything is missing. */
  requirements: Type.Object({ disabled_reason: NullableString, past_due: Type.Array(Type.String()) }),
});
export type CardholderDetails = Static<typeof CardholderDetails>;

export const CardholderDetailsResponse = Type.Object({ data: Type.Array(CardholderDetails), truncated: Type.Boolean() });
export type CardholderDetailsResponse = Static<typeof CardholderDetailsResponse>;

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

/** A new cardholder: Stripe's fields (docs.stripe.com/api/issuing/cardholders/create); Stripe validates them. */
export const CreateCardholderBody = Type.Object(
  {
    account: AccountId,
    type: Type.Union([Type.Literal('individual'), Type.Literal('company')]),
    name: Text(200),
    email: Type.Optional(Type.String({ maxLength: 254 })),
    phone_number: Type.Optional(Type.String({ maxLength: 30 })),
    individual: Type.Optional(
      Type.Object({ first_name: Text(100), last_name: Text(100) }, { additionalProperties: false }),
    ),
    billing: Type.Object(
      {
        address: Type.Object(
          {
            line1: Text(200),
            line2: Type.Optional(Type.String({ maxLength: 200 })),
            city: Text(100),
            state: Type.Optional(Type.String({ maxLength: 100 })),
            postal_code: Text(20),
            country: Type.String({ pattern: '^[A-Z]{2}$' }),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    spending_controls: Type.Optional(SpendingControlsInput),
    /** Chosen once per filled-in form: a double submit creates one cardholder. */
    request_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{8,100}$' })),
  },
  { additionalProperties: false },
);
export type CreateCardholderBody = Static<typeof CreateCardholderBody>;

export const CardholderParams = Type.Object({ id: Type.String({ pattern: '^ich_[A-Za-z0-9_]{1,200}$' }) });
export type CardholderParams = Static<typeof CardholderParams>;

export const UpdateCardholderBody = Type.Object(
  { account: AccountId, spending_controls: SpendingControlsInput },
  { additionalProperties: false },
);
export type UpdateCardholderBody = Static<typeof UpdateCardholderBody>;

// ---- test purchases -------------------------------------------------------------------------

export const PaymentBody = Type.Object(
  {
    /** The connected account taking the payment: the one that issued the card (its test cards work only there). */
    account: AccountId,
    confirmation_token: Type.String({ pattern: '^ctoken_[A-Za-z0-9_]{1,200}$' }),
    amount: Type.Integer(),
    currency: Type.String({ pattern: '^[a-z]{3}$' }),
  },
  { additionalProperties: false },
);
export type PaymentBody = Static<typeof PaymentBody>;

/** The Issuing control that declined a purchase made with one of the platform's cards. */
export const DeclineControl = Type.Object({
  /** spending_limit | allowed_categories | blocked_categories | card_status | cardholder | other */
  type: Type.String(),
  /** Whose control: the card's or the cardholder's. */
  scope: Type.Optional(Type.Union([Type.Literal('card'), Type.Literal('cardholder')])),
  amount: Type.Optional(Type.Integer()),
  currency: Type.Optional(Type.String()),
  interval: Type.Optional(Type.String()),
  categories: Type.Optional(Type.Array(Type.String())),
  card: Type.Optional(Type.String()),
});
export type DeclineControl = Static<typeof DeclineControl>;

export const Decline = Type.Object({
  /** Stripe's decline code (or error code) of the payment. */
  code: Type.String(),
  /** What to tell the user, naming the control when one is known. */
  message: Type.String(),
  /** The Issuing authorization's reason (request_history[].reason), when the card is one of ours. */
  reason: Type.Union([Type.String(), Type.Null()]),
  control: Type.Optional(DeclineControl),
});
export type Decline = Static<typeof Decline>;

export const PaymentResponse = Type.Object({
  status: Type.String(),
  client_secret: Type.Union([Type.String(), Type.Null()]),
  payment_intent: Type.Union([Type.String(), Type.Null()]),
  decline: Type.Optional(Decline),
});
export type PaymentResponse = Static<typeof PaymentResponse>;

// ---- second factor (docs/decisions/100-second-factor-and-step-up.md) -----------------------------

const B64url = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+={0,2}$' });
const Transport = Type.Union(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'].map((t) => Type.Literal(t)));
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

export const PasskeyRegisterBody = Type.Object({ response: PasskeyRegistration, label: Type.Optional(Label) }, { additionalProperties: false });
export type PasskeyRegisterBody = Static<typeof PasskeyRegisterBody>;

/** A factor added; `recoveryCodes` (shown once) when it was the user's first. */
export const FactorAddedResponse = Type.Object({ factor: SecondFactorSummary, recoveryCodes: Type.Optional(Type.Array(Type.String())) });
export type FactorAddedResponse = Static<typeof FactorAddedResponse>;

export const RecoveryCodesResponse = Type.Object({ recoveryCodes: Type.Array(Type.String()) });
export type RecoveryCodesResponse = Static<typeof RecoveryCodesResponse>;

/** POST /api/security/reauthenticate: the password typed again before enrolling (decision 142). */
export const ReauthenticateBody = Type.Object({ password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }) }, { additionalProperties: false });
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

export const FactorParams = Type.Object({ id: Type.String({ pattern: '^sf_[a-f0-9]{32}$' }) }, { additionalProperties: false });

// ---- user administration (docs/decisions/101-user-administration.md) ---------------------------

export const AdminUser = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: Role,
  disabled: Type.Boolean(),
  accounts: Type.Array(Type.String()),
  secondFactor: Type.Array(SecondFactorMethod),
  /** An invitation not accepted yet (no password chosen). */
  invited: Type.Boolean(),
  created_at: Type.String(),
});
export type AdminUser = Static<typeof AdminUser>;

export const UsersResponse = Type.Object({ data: Type.Array(AdminUser) });
export type UsersResponse = Static<typeof UsersResponse>;

export const InviteBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' }),
    role: Role,
    accounts: Type.Optional(Type.Array(AccountId, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export type InviteBody = Static<typeof InviteBody>;

/** The invitation link, shown once to the admin (its token is stored hashed). */
export const InviteResponse = Type.Object({ user: AdminUser, inviteUrl: Type.String(), expiresAt: Type.String() });
export type InviteResponse = Static<typeof InviteResponse>;

export const UserParams = Type.Object({ id: Type.String({ pattern: '^usr_[a-f0-9]{32}$' }) }, { additionalProperties: false });

export const UpdateUserBody = Type.Object(
  {
    role: Type.Optional(Role),
    accounts: Type.Optional(Type.Array(AccountId, { maxItems: 50 })),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserBody = Static<typeof UpdateUserBody>;

export const AcceptInvitationBody = Type.Object(
  {
    token: Type.String({ minLength: 20, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }),
    password: Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH }),
  },
  { additionalProperties: false },
);
export type AcceptInvitationBody = Static<typeof AcceptInvitationBody>;

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
export const SsoPendingLinkParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{32}$' }) }, { additionalProperties: false });
export type SsoPendingLinkParams = Static<typeof SsoPendingLinkParams>;
export const SsoPendingLinkResponse = Type.Object({
  issuer: Type.String(),
  /** The identity's email from the provider's claims, if it sent one (shown, never trusted). */
  email: Type.Union([Type.String(), Type.Null()]),
});
export type SsoPendingLinkResponse = Static<typeof SsoPendingLinkResponse>;
