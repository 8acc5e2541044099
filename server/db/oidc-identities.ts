// Single sign-on (docs/decisions/102-oidc-sign-in.md, 103-sso-identity-linking.md): the identity
// a user is linked to (users.oidc_subject, `<issuer>|<sub>`), sign-ins in flight (oidc_logins)
// and provider answers waiting for the user's confirmation (oidc_pending_links, migration 147).
import { randomUUID } from 'node:crypto';
import type { Role } from '../../shared/policy.ts';
import type { Queryable } from './database.ts';

/** A user row as single sign-on reads it. */
export interface SsoUser {
  id: string;
  email: string;
  role: Role;
  disabled: boolean;
}

// ---- linked identities (users.oidc_subject) -------------------------------------------------

/** The user linked to the identity, locked for the rest of the transaction. */
export async function lockUserByOidcSubject(tx: Queryable, subject: string): Promise<SsoUser | undefined> {
  return (
    await tx.query<SsoUser>('SELECT id, email, role, disabled FROM users WHERE oidc_subject = $1 FOR UPDATE', [subject])
  )[0];
}

/** Who holds the identity, if anyone. */
export async function oidcSubjectHolder(
  db: Queryable,
  subject: string,
): Promise<{ id: string; email: string } | undefined> {
  return (
    await db.query<{ id: string; email: string }>('SELECT id, email FROM users WHERE oidc_subject = $1', [subject])
  )[0];
}

/** The identity the user is linked to (null: none), the user's row locked for the rest of the transaction. */
export async function lockOidcSubjectOf(tx: Queryable, userId: string): Promise<string | null> {
  return (
    (
      await tx.query<{ oidc_subject: string | null }>('SELECT oidc_subject FROM users WHERE id = $1 FOR UPDATE', [
        userId,
      ])
    )[0]?.oidc_subject ?? null
  );
}

export async function hasOidcLink(db: Queryable, userId: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM users WHERE id = $1 AND oidc_subject IS NOT NULL', [userId])).length > 0;
}

export async function setOidcSubject(db: Queryable, userId: string, subject: string): Promise<void> {
  await db.query('UPDATE users SET oidc_subject = $2 WHERE id = $1', [userId, subject]);
}

/**
 * A user created at their first single sign-on, with no password of its own (`!oidc`); undefined
 * when another sign-in or an invitation took the identity or the email a moment ago.
 */
export async function createSsoUser(
  db: Queryable,
  user: { email: string; role: Role; subject: string },
): Promise<SsoUser | undefined> {
  return (
    await db.query<SsoUser>(
      `INSERT INTO users (id, email, password_hash, role, oidc_subject) VALUES ($1, $2, '!oidc', $3, $4)
       ON CONFLICT DO NOTHING RETURNING id, email, role, disabled`,
      [`usr_${randomUUID().replaceAll('-', '')}`, user.email, user.role, user.subject],
    )
  )[0];
}

// ---- sign-ins in flight (oidc_logins) ----------------------------------------------------------

export interface OidcLogin {
  code_verifier: string;
  nonce: string;
  link_user_id: string | null;
  link_session_id: string | null;
}

/** Records a sign-in (or a link, with its user and session) in flight; expired ones are dropped on the way. */
export async function saveOidcLogin(
  db: Queryable,
  login: {
    state: string;
    codeVerifier: string;
    nonce: string;
    linkUserId: string | null;
    linkSessionId: string | null;
    ttlSeconds: number;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO oidc_logins (state, code_verifier, nonce, link_user_id, link_session_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
    [login.state, login.codeVerifier, login.nonce, login.linkUserId, login.linkSessionId, login.ttlSeconds],
  );
  await db.query('DELETE FROM oidc_logins WHERE expires_at < now()');
}

/** The live sign-in of this state, consumed (a state works once). */
export async function takeOidcLogin(db: Queryable, state: string): Promise<OidcLogin | undefined> {
  const rows = await db.query<OidcLogin>(
    'DELETE FROM oidc_logins WHERE state = $1 AND expires_at > now() RETURNING code_verifier, nonce, link_user_id, link_session_id',
    [state],
  );
  return rows[0];
}

// ---- links waiting for confirmation (oidc_pending_links) ---------------------------------------

/** A link of this id, user and session, not expired: another's, or expired, is none. */
const PENDING_OF_THIS_SESSION = 'id = $1 AND user_id = $2 AND session_id = $3 AND expires_at > now()';

export interface PendingLinkKey {
  id: string;
  userId: string;
  sessionId: string;
}

/** Keeps the provider's answer for the user's confirmation; expired ones are dropped on the way. */
export async function savePendingLink(
  db: Queryable,
  link: PendingLinkKey & { subject: string; email: string | null; ttlSeconds: number },
): Promise<void> {
  await db.query('DELETE FROM oidc_pending_links WHERE expires_at < now()');
  await db.query(
    `INSERT INTO oidc_pending_links (id, user_id, session_id, oidc_subject, email, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
    [link.id, link.userId, link.sessionId, link.subject, link.email, link.ttlSeconds],
  );
}

export async function findPendingLink(
  db: Queryable,
  key: PendingLinkKey,
): Promise<{ email: string | null } | undefined> {
  return (
    await db.query<{ email: string | null }>(`SELECT email FROM oidc_pending_links WHERE ${PENDING_OF_THIS_SESSION}`, [
      key.id,
      key.userId,
      key.sessionId,
    ])
  )[0];
}

/** The waiting link's identity, consumed (confirmed once). */
export async function takePendingLink(db: Queryable, key: PendingLinkKey): Promise<string | undefined> {
  const rows = await db.query<{ oidc_subject: string }>(
    `DELETE FROM oidc_pending_links WHERE ${PENDING_OF_THIS_SESSION} RETURNING oidc_subject`,
    [key.id, key.userId, key.sessionId],
  );
  return rows[0]?.oidc_subject;
}

/** Cancels the waiting link; false when there was none. */
export async function deletePendingLink(db: Queryable, key: PendingLinkKey): Promise<boolean> {
  return (
    (
      await db.query(`DELETE FROM oidc_pending_links WHERE ${PENDING_OF_THIS_SESSION} RETURNING id`, [
        key.id,
        key.userId,
        key.sessionId,
      ])
    ).length > 0
  );
}
