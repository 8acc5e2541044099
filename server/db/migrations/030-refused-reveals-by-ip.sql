-- Refused reveal attempts are counted per user and per IP address over the last minute before a
-- new one is looked at (server/domain/refusal-limit.ts); the per-user count uses
-- reveal_audit_user_idx, this one the address.
CREATE INDEX reveal_audit_ip_idx ON reveal_audit (ip, created_at);
