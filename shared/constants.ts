// Names both sides agree on.

/** The session cookie (HttpOnly; the client never reads it, but tests and docs name it). */
export const SESSION_COOKIE = 'cid_session';

/** Stripe requires at least this API version for Issuing ephemeral keys (docs.stripe.com/issuing/elements). */
export const EPHEMERAL_KEY_MIN_API_VERSION = '2020-03-02';
