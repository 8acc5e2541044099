// What an invitation is for, shown on the invitation page before a password is typed (issue 20,
// item 6): the sign-in email, who invited the user, the role (its label from shared/policy.ts, as
// the server sends it), the accounts and when the link expires.
import type { InvitationDetails } from '@shared/enrolment.ts';
import './invitation.css';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "in 3 days", "in 5 hours": how long the link still works, beside the date. */
function remaining(iso: string, now = Date.now()): string {
  const hours = Math.max(0, Math.round((Date.parse(iso) - now) / 3_600_000));
  if (hours >= 48) return `in ${Math.round(hours / 24)} days`;
  if (hours >= 1) return `in ${hours} hour${hours === 1 ? '' : 's'}`;
  return 'within the hour';
}

/** For a role that does not work by membership, what it reaches instead of a list. */
function scopeText(invitation: InvitationDetails): string | null {
  if (invitation.accountScope === 'all') return 'Every connected account of the platform';
  if (invitation.accountScope === 'lookup') return 'Cards you look up, one at a time, to help a cardholder';
  return null;
}

/** Who invited the user, to which role and accounts, and until when: before anything is typed. */
export function InvitationFacts({ invitation }: { invitation: InvitationDetails }) {
  const text = scopeText(invitation);
  return (
    <dl className="invitation-facts">
      <dt>Your sign-in email</dt>
      <dd>{invitation.email}</dd>
      <dt>Invited by</dt>
      <dd>{invitation.invitedBy ?? 'An administrator of this dashboard'}</dd>
      <dt>Role</dt>
      <dd>{invitation.roleLabel}</dd>
      <dt>{invitation.accountScope === 'memberships' && invitation.accounts.length === 1 ? 'Account' : 'Accounts'}</dt>
      <dd>
        {text ??
          (invitation.accounts.length === 0 ? (
            'None yet: an administrator adds them'
          ) : (
            <ul className="invitation-accounts">
              {invitation.accounts.map((a) => (
                <li key={a.id}>{a.name ?? a.id}</li>
              ))}
            </ul>
          ))}
      </dd>
      <dt>Link expires</dt>
      <dd>
        <time dateTime={invitation.expiresAt}>{when.format(new Date(invitation.expiresAt))}</time> (
        {remaining(invitation.expiresAt)})
      </dd>
    </dl>
  );
}
