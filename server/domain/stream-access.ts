// Whether an open event stream (GET /api/events) may still deliver. A stream lives up to 300 s;
// the access that opened it (a session, a role, a membership) can end sooner: sign-out, a
// revoked or expired session, a disabled user, a membership taken away. Streams re-check that
// access every few seconds and before each event they deliver, one database call per session
// however many streams it has open (docs/decisions/081-live-activity.md, issue 17 item 8).
// The periodic check is what other instances rely on: a sign-out handled by another process
// reaches this one only through the database.
import { policyFor, type Role } from '../../shared/policy.ts';
import type { Queryable } from '../db/database.ts';
import { sessionAccessOf } from '../db/sessions.ts';
import { canBrowse, canReachAccount, type Scope } from './access.ts';

/** How often open streams re-check their session and scope. */
export const STREAM_ACCESS_CHECK_MS = 5_000;

/** What a session may still do: null when the session ended (signed out, revoked, expired, user disabled). */
export interface SessionAccess {
  userId: string;
  role: Role;
  scope: Scope;
}

/** One call (session_access_of, migration 144): the session's user, role and memberships. */
export async function loadSessionAccess(db: Queryable, sessionId: string): Promise<SessionAccess | null> {
  const row = await sessionAccessOf(db, sessionId);
  if (!row) return null;
  const kind = policyFor(row.user_role).accountScope;
  return {
    userId: row.user_id,
    role: row.user_role,
    scope: { kind, memberships: kind === 'memberships' ? row.memberships : [] },
  };
}

/** What a stream follows: one card (on its account) or one account. */
export type StreamTarget = { card: string; account: string } | { account: string };

/** Whether this access still reaches what the stream follows, for the user and role that opened it. */
export function streamAllowed(
  access: SessionAccess | null,
  opened: { userId: string; role: Role },
  target: StreamTarget,
): boolean {
  if (!access || access.userId !== opened.userId || access.role !== opened.role) return false;
  if (!policyFor(access.role).permissions.viewCards) return false;
  if ('card' in target) return canReachAccount(access.scope, target.account);
  return canBrowse(access.scope) && canReachAccount(access.scope, target.account);
}

interface Watcher {
  allowed(access: SessionAccess | null): boolean;
  lost(): void;
}

interface SessionEntry {
  watchers: Set<Watcher>;
  /** The check in flight, shared by every stream of the session that asks meanwhile. */
  inFlight: Promise<SessionAccess | null> | null;
}

export interface StreamGuard {
  /** Re-checks now (shared with the session's other streams): false, and the stream is ended, when access is gone. */
  check(): Promise<boolean>;
  stop(): void;
}

/**
 * Open streams grouped by session. Every STREAM_ACCESS_CHECK_MS, and whenever asked, each
 * session's access is read once and every stream it no longer allows is ended. A failed read
 * ends the streams too: the browser reconnects and is let in (or not) afresh.
 */
export class StreamAccessWatch {
  private readonly sessions = new Map<string, SessionEntry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = STREAM_ACCESS_CHECK_MS,
  ) {}

  watch(sessionId: string, allowed: (access: SessionAccess | null) => boolean, lost: () => void): StreamGuard {
    let entry = this.sessions.get(sessionId);
    if (!entry) {
      entry = { watchers: new Set(), inFlight: null };
      this.sessions.set(sessionId, entry);
    }
    const watcher: Watcher = { allowed, lost };
    entry.watchers.add(watcher);
    this.timer ??= setInterval(() => void this.checkAll(), this.intervalMs).unref();
    const stop = () => {
      const current = this.sessions.get(sessionId);
      if (!current) return;
      current.watchers.delete(watcher);
      if (current.watchers.size === 0) this.sessions.delete(sessionId);
      if (this.sessions.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
    return {
      check: async () => {
        await this.checkSession(sessionId);
        return this.sessions.get(sessionId)?.watchers.has(watcher) ?? false;
      },
      stop,
    };
  }

  /** Re-checks every session with open streams (periodically, and after sign-outs and user changes here). */
  async checkAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.checkSession(id)));
  }

  /** Streams open on this process (tests, shutdown). */
  size(): number {
    let n = 0;
    for (const entry of this.sessions.values()) n += entry.watchers.size;
    return n;
  }

  private async checkSession(sessionId: string): Promise<void> {
    const entry = this.sessions.get(sessionId);
    if (!entry) return;
    entry.inFlight ??= loadSessionAccess(this.db, sessionId).finally(() => {
      entry.inFlight = null;
    });
    let access: SessionAccess | null;
    try {
      access = await entry.inFlight;
    } catch (error) {
      this.onError(error);
      access = null;
    }
    for (const watcher of [...entry.watchers]) {
      if (!watcher.allowed(access)) watcher.lost();
    }
  }
}
