// The access policy, as data. The server enforces it (route guard, scope checks, the
// Account Session features it asks Stripe for) and the client reads it to decide what to show.
// A platform changes who may do what here, not in scattered `if`s.
//
// Imports nothing: shared/ is imported by server/ and client/ and must not depend on either.

export const ROLES = ['platform_admin', 'account_user', 'support_agent'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Which connected accounts a role reaches.
 * - `all`: every connected account, listed and browsable.
 * - `memberships`: only the accounts the user is a member of.
 * - `lookup`: any account, but only by looking a card up (card id, last4, cardholder);
 *   no browsing of account lists.
 */
export type AccountScope = 'all' | 'memberships' | 'lookup';

export type CardType = 'virtual' | 'physical';

export interface RevealPolicy {
  /** Whether the role may reveal card details (number, CVC, expiry, PIN) at all. */
  allowed: boolean;
  /** Card types whose details may be revealed. */
  cardTypes: readonly CardType[];
  /** A free-text reason must accompany every reveal (recorded in the audit log). */
  reasonRequired: boolean;
  /** Granted reveals per user per rolling minute; the next one is refused with 429. */
  ratePerMinute: number;
  /**
   * Different cards per user per rolling hour whose details the user can see: reveals and
   * Connect component keys (`componentKeys`) counted together, every granted key that can show
   * numbers (docs/decisions/062-component-key-bounds.md). A card already seen this hour opens
   * again; a new one is refused with 429 `too_many_cards`.
   */
  distinctCardsPerHour: number;
  /** The client hides revealed details after this many seconds. */
  displayTimeoutSeconds: number;
}

/** What a role may do. Every guarded route names one of the boolean keys (see route-table.ts). */
export interface Permissions {
  viewCards: boolean;
  issueCards: boolean;
  /** freeze (inactive) and activate */
  updateCardStatus: boolean;
  /** cancel a card (permanent), as lost or stolen */
  cancelCards: boolean;
  /**
   * Cancel a card frozen as reported lost and issue its replacement (Stripe's `replacement_for`,
   * docs/decisions/164-risky-actions-confirmed.md): a new card number for the same cardholder.
   */
  replaceCards: boolean;
  editSpendingControls: boolean;
  /**
   * Freeze (status inactive) a card its cardholder reports lost, with the report recorded in the
   * audit trail; not unfreeze or cancel. Roles with updateCardStatus can freeze anyway.
   */
  freezeLostCards: boolean;
  /** The cardholders page of a reachable account (lookup-only roles browse no account). */
  viewCardholders: boolean;
  setPin: boolean;
  readAudit: boolean;
  /** Pay on the test purchase page (test mode only) with one of the reachable accounts' cards. */
  makeTestPurchases: boolean;
  /**
   * Open Stripe's embedded components on an account (`POST /api/account-sessions`). Without it
   * the role gets no Account Session at all: its client secret would let the browser list every
   * card and cardholder of the account, which is browsing.
   */
  useEmbeddedComponents: boolean;
  /** Create cardholders (individual or company) and edit them (also the components' `cardholder_management`). */
  manageCardholders: boolean;
  /** Dispute card spend (the components' `card_spend_dispute_management`). */
  manageDisputes: boolean;
  /** The Users page: invite, change role and memberships, disable, reset a second factor. */
  administerUsers: boolean;
  /**
   * Send a reachable account whose card_issuing is not active to Stripe's hosted onboarding (an
   * Account Link, docs/decisions/157-hosted-onboarding.md): the link opens a form of the account's
   * identity details and terms, so only the account's own users and the platform get it.
   */
  finishOnboarding: boolean;
  /**
   * The overview (GET /api/overview): spend, declines, limits, lost cards and accounts needing
   * attention across the accounts the role browses. Lookup-only roles browse nothing: their first
   * screen stays "Find a card".
   */
  viewOverview: boolean;
  reveal: RevealPolicy;
}

export type PermissionName = Exclude<keyof Permissions, 'reveal'> | 'reveal';
type YesNoPermission = Exclude<keyof Permissions, 'reveal'>;

/** The `features` of an Issuing embedded component in an Account Session (Stripe's names). */
export interface IssuingComponentFeatures {
  card_management: boolean;
  card_spend_dispute_management: boolean;
  cardholder_management: boolean;
  spend_control_management: boolean;
}

/** The `components` the server asks Stripe for when it creates an Account Session. */
export interface AccountSessionComponents {
  issuing_card: { enabled: boolean; features: IssuingComponentFeatures };
  issuing_cards_list: {
    enabled: boolean;
    features: IssuingComponentFeatures & { disable_stripe_user_authentication: boolean };
  };
}

/**
 * Actions that need a second-factor check within the last `SECOND_FACTOR.stepUpMaxAgeSeconds`
 * (docs/decisions/100-second-factor-and-step-up.md).
 */
export interface StepUpPolicy {
  /** POST /api/ephemeral-keys from the app's standalone reveal view (number, CVC, expiry, PIN). */
  reveal: boolean;
  /** POST /api/cards/:id/pin. */
  setPin: boolean;
  /** The user administration routes. */
  administerUsers: boolean;
  /** POST /api/cards/:id/replace: a lost card canceled and a new card issued in its place. */
  replaceCards: boolean;
  /**
   * POST /api/ephemeral-keys with `component`: a Connect component's key, with which its "Show
   * numbers" shows the card's number, CVC and expiry (docs/decisions/104). The page gives the
   * component its key callback only while the check is fresh.
   */
  componentNumbers: boolean;
}

export interface SecondFactorPolicy {
  /** A user of this role must enrol a second factor before anything else. */
  required: boolean;
  stepUp: StepUpPolicy;
}

/**
 * Bounds of a role's Connect component keys (docs/decisions/062-component-key-bounds.md): what
 * browsing cards needs, no more. The components ask for one key per card they load
 * (docs.stripe.com/issuing/connect/embedded-components#sensitive-data-display), and only on an
 * account whose Account Session the same app session created.
 */
export interface ComponentKeyPolicy {
  /** Granted component keys per user per rolling minute. */
  perMinute: number;
  /** A card gets a new key at most this often per user (a card load takes longer than this). */
  perCardMinSeconds: number;
  // Different cards an hour: the role's `reveal.distinctCardsPerHour`, shared with its reveals.
}

export interface RolePolicy {
  label: string;
  accountScope: AccountScope;
  permissions: Permissions;
  /** Null: the role gets no component keys (it reveals in the reveal view, or not at all). */
  componentKeys: ComponentKeyPolicy | null;
  /** Derived from `permissions` (accountSessionFor); null: the role gets no Account Session. */
  accountSession: AccountSessionComponents | null;
  /** Second factor and step-up (docs/decisions/100-second-factor-and-step-up.md). */
  secondFactor: SecondFactorPolicy;
}

/**
 * The permissions each feature of Stripe's Issuing components lets the browser exercise. A
 * feature is on only when the role holds every one of them, so a permission the policy withholds
 * is withheld inside the components too. Where a Stripe flag is coarser than the policy, the flag
 * is off and the app offers the allowed part itself: `card_management` lets the component
 * activate, freeze *and* cancel ("set spend controls, as well as activate, deactivate (freeze),
 * or cancel cards", docs.stripe.com/connect/supported-embedded-components/issuing-card), so a
 * role that may freeze but not cancel gets it off and freezes on the app's card page.
 */
export const COMPONENT_FEATURE_NEEDS: Readonly<Record<keyof IssuingComponentFeatures, readonly YesNoPermission[]>> = {
  card_management: ['updateCardStatus', 'cancelCards'],
  spend_control_management: ['editSpendingControls'],
  cardholder_management: ['manageCardholders'],
  card_spend_dispute_management: ['manageDisputes'],
};

/** The Account Session `components` a role's permissions allow, or null without `useEmbeddedComponents`. */
export function accountSessionFor(permissions: Permissions): AccountSessionComponents | null {
  if (!permissions.useEmbeddedComponents) return null;
  const features = Object.fromEntries(
    Object.entries(COMPONENT_FEATURE_NEEDS).map(([feature, needs]) => [feature, needs.every((p) => permissions[p])]),
  ) as unknown as IssuingComponentFeatures;
  return {
    // The single-card component sits on the card page beside the app's status panel, which is
    // the one place a card is frozen, activated or canceled (audited, same words): the
    // component's own status buttons (card_management) stay off there.
    issuing_card: { enabled: true, features: { ...features, card_management: false } },
    // false is Stripe's default and the only value allowed unless the platform collects
    // requirements itself (docs.stripe.com/connect/supported-embedded-components/issuing-cards-list).
    issuing_cards_list: { enabled: true, features: { ...features, disable_stripe_user_authentication: false } },
  };
}

function role(
  label: string,
  accountScope: AccountScope,
  permissions: Permissions,
  secondFactor: SecondFactorPolicy,
  componentKeys: ComponentKeyPolicy | null = null,
): RolePolicy {
  return {
    label,
    accountScope,
    permissions,
    componentKeys,
    accountSession: accountSessionFor(permissions),
    secondFactor,
  };
}

/**
 * How specific a lookup must be for roles whose scope is `lookup` (support agents find one card
 * at a time, never browse): a card id, a cardholder id, a cardholder's full email address, the
 * last four digits together with part of the name or email, or at least `minTextLength` letters
 * or digits of the name. More than `maxResults` matches is "not specific enough" (400), never a
 * list. docs/decisions/030-support-agent-scope.md.
 */
export const LOOKUP_RULES = {
  minTextLength: 4,
  minTextWithLast4: 2,
  maxResults: 10,
} as const;

export const POLICY: Readonly<Record<Role, RolePolicy>> = {
  platform_admin: role(
    'Platform admin',
    'all',
    {
      viewCards: true,
      issueCards: true,
      updateCardStatus: true,
      cancelCards: true,
      replaceCards: true,
      editSpendingControls: true,
      freezeLostCards: true,
      viewCardholders: true,
      setPin: false,
      readAudit: true,
      makeTestPurchases: true,
      useEmbeddedComponents: true,
      manageCardholders: true,
      administerUsers: true,
      manageDisputes: true,
      finishOnboarding: true,
      viewOverview: true,
      reveal: {
        allowed: true,
        cardTypes: ['virtual', 'physical'],
        reasonRequired: false,
        ratePerMinute: 30,
        // Looking at the numbers of a few cards of any account, not collecting them (issue 17).
        distinctCardsPerHour: 60,
        displayTimeoutSeconds: 60,
      },
    },
    // Every path to a card secret needs a fresh check for staff (docs/decisions/104): the
    // component's numbers, a reveal through the API (number, CVC, expiry, a physical card's PIN).
    // Setting a PIN is not an admin permission, but would need a fresh check if granted.
    {
      required: true,
      stepUp: { reveal: true, setPin: true, administerUsers: true, componentNumbers: true, replaceCards: true },
    },
    // An admin looks at cards of every account, a few at a time (issue 17: 45 keys in 6 s was
    // scraping, not browsing); the per-minute bound is the admin's reveal limit.
    { perMinute: 30, perCardMinSeconds: 2 },
  ),
  account_user: role(
    'Account user',
    'memberships',
    {
      viewCards: true,
      issueCards: false,
      // Freeze and unfreeze, never cancel (so the components' card_management is off for them).
      updateCardStatus: true,
      cancelCards: false,
      replaceCards: false,
      editSpendingControls: true,
      freezeLostCards: true,
      viewCardholders: true,
      setPin: true,
      readAudit: false,
      makeTestPurchases: true,
      useEmbeddedComponents: true,
      manageCardholders: false,
      administerUsers: false,
      manageDisputes: false,
      finishOnboarding: true,
      viewOverview: true,
      reveal: {
        allowed: true,
        // Number and CVC exist only for virtual cards outside a sandbox (docs.stripe.com/issuing/elements).
        cardTypes: ['virtual'],
        reasonRequired: false,
        ratePerMinute: 10,
        // An account's cards opened in the components (60 in a minute: test/e2e/component-keys.test.ts)
        // with room to spare; a script reading a whole account's numbers meets it.
        distinctCardsPerHour: 120,
        displayTimeoutSeconds: 60,
      },
    },
    // May enrol; must when the deployment sets REQUIRE_SECOND_FACTOR. Setting a PIN needs a
    // fresh check, so an account user sets PINs once enrolled. Their own virtual cards' numbers
    // (component or reveal) need none, as before.
    {
      required: false,
      stepUp: { reveal: false, setPin: true, administerUsers: true, componentNumbers: false, replaceCards: true },
    },
    // Browsing the account's cards: 60 cards opened in a minute must all show "Show numbers"
    // (test/e2e/component-keys.test.ts); a script pulling keys for a whole account meets a bound.
    { perMinute: 90, perCardMinSeconds: 2 },
  ),
  // One card at a time, found by a specific enough lookup (LOOKUP_RULES); no Account Session.
  support_agent: role(
    'Support agent',
    'lookup',
    {
      viewCards: true,
      issueCards: false,
      updateCardStatus: false,
      cancelCards: false,
      replaceCards: false,
      editSpendingControls: false,
      // A caller reporting a lost card is protected at once; unfreezing or canceling stays with
      // the account's own users and the platform.
      freezeLostCards: true,
      viewCardholders: false,
      setPin: false,
      readAudit: false,
      makeTestPurchases: false,
      useEmbeddedComponents: false,
      manageCardholders: false,
      administerUsers: false,
      manageDisputes: false,
      finishOnboarding: false,
      viewOverview: false,
      reveal: {
        allowed: true,
        cardTypes: ['virtual', 'physical'],
        reasonRequired: true,
        ratePerMinute: 10,
        // A caller every 149 s at the fastest contact centres' pace (test/helpers/support-team.ts) is
        // about 25 cards an hour: 120 is never met by an agent serving callers, while 10 reveals a
        // minute alone would let one session read 600 cards' numbers an hour.
        distinctCardsPerHour: 120,
        displayTimeoutSeconds: 30,
      },
    },
    // Each standalone reveal (number, CVC, expiry and, for physical cards, the PIN) needs a
    // second-factor check within the last five minutes.
    {
      required: true,
      stepUp: { reveal: true, setPin: true, administerUsers: true, componentNumbers: true, replaceCards: true },
    },
  ),
};

/** Second-factor methods (TOTP per RFC 6238; WebAuthn passkeys; single-use recovery codes). */
export const SECOND_FACTOR_METHODS = ['totp', 'webauthn', 'recovery_code'] as const;
export type SecondFactorMethod = (typeof SECOND_FACTOR_METHODS)[number];

/**
 * Second-factor settings common to every role. `STEP_UP_MAX_AGE_SECONDS` replaces
 * `stepUpMaxAgeSeconds` (demos, tests); `REQUIRE_SECOND_FACTOR=true` makes every role's
 * `secondFactor.required` true.
 */
export const SECOND_FACTOR = {
  /** A step-up action needs a check at most this old (five minutes). */
  stepUpMaxAgeSeconds: 300,
  /** Failed checks per user in `failureWindowSeconds` before further attempts get 429. */
  maxFailures: 5,
  failureWindowSeconds: 15 * 60,
  /** Recovery codes issued at once; each works once. */
  recoveryCodes: 10,
  /** TOTP parameters (the common authenticator-app defaults). */
  totp: { algorithm: 'SHA1', digits: 6, periodSeconds: 30, /** steps accepted either side of now */ window: 1 },
} as const;

export type StepUpAction = keyof StepUpPolicy;

/** Whether this role's action needs a fresh second-factor check. */
export function needsStepUp(role: Role, action: StepUpAction): boolean {
  return POLICY[role].secondFactor.stepUp[action];
}

/**
 * Order of roles for user administration: an administrator grants no role above their own.
 * Support agents reach every account's cards by lookup, so they rank above account users.
 */
export const ROLE_RANK: Readonly<Record<Role, number>> = { account_user: 1, support_agent: 2, platform_admin: 3 };

/** User administration settings. */
export const USER_ADMIN = {
  /** An invitation link works once, within this many hours. */
  invitationTtlHours: 72,
} as const;

/**
 * Bounds of a test purchase (smallest currency unit). The server decides what it charges: it
 * refuses amounts outside these bounds and currencies outside this list, whatever the page sent.
 * 50 is Stripe's minimum charge in USD/EUR/GBP (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
 */
export const TEST_PURCHASE = {
  currencies: ['usd', 'eur', 'gbp'],
  minAmount: 50,
  maxAmount: 1_000_000,
  defaultAmount: 2_500,
} as const;

export function policyFor(role: Role): RolePolicy {
  return POLICY[role];
}

/** Whether a role holds a permission (for `reveal`: whether it may reveal at all). */
export function can(role: Role, permission: PermissionName): boolean {
  const permissions = POLICY[role].permissions;
  return permission === 'reveal' ? permissions.reveal.allowed : permissions[permission];
}

/**
 * Keys for Connect's issuing components (docs/decisions/060-component-keys-vs-reveals.md and
 * 062-component-key-bounds.md). The components fetch one for every card they load or select
 * (docs.stripe.com/issuing/connect/embedded-components#sensitive-data-display), so they are not
 * reveals: audited as their own kind (a granted one as a key that can show numbers), bounded by
 * the role's `componentKeys`, and only for roles that may reveal without giving a reason (the
 * others use the reveal view, where each reveal is asked for, with its reason and the strict limit).
 */
export function mayFetchComponentKeys(role: Role): boolean {
  const { reveal, useEmbeddedComponents } = POLICY[role].permissions;
  return useEmbeddedComponents && reveal.allowed && !reveal.reasonRequired && POLICY[role].componentKeys !== null;
}

/** The component-key bounds of a role that gets component keys (see mayFetchComponentKeys). */
export function componentKeyPolicy(role: Role): ComponentKeyPolicy | null {
  return POLICY[role].componentKeys;
}
