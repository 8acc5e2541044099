// Names both sides agree on.

/** The session cookie (HttpOnly; the client never reads it, but tests and docs name it). */
export const SESSION_COOKIE = 'cid_session';
