-- Sign out everywhere, password change, and enrolment after a password check (issue 17, items 3
-- and 11; docs/decisions/142-password-change-and-session-revocation.md). When the session's user
-- last typed their password again (POST /api/security/reauthenticate): enrolling a first second
-- factor needs the password within the step-up age, or a sign-in that recent. Per session row:
-- a replaced (rotated) session starts without it, which costs at most one more password prompt.
ALTER TABLE sessions ADD COLUMN reauthenticated_at timestamptz;
