// What an open session may still reach, read in one call for the event streams' re-checks
// (server/domain/stream-access.ts). Beside sessions.ts: the same table group, read for streams.
import type { Role } from '../../shared/policy.ts';
import type { Queryable } from './database.ts';

export interface SessionAccessRow {
  user_id: string;
  user_role: Role;
  memberships: string[];
}

/** session_access_of (migration 144): the live session's user, role and memberships; undefined when it ended. */
export async function sessionAccessOf(db: Queryable, sessionId: string): Promise<SessionAccessRow | undefined> {
  const rows = await db.query<SessionAccessRow>('SELECT user_id, user_role, memberships FROM session_access_of($1)', [
    sessionId,
  ]);
  return rows[0];
}
