import { Link } from 'react-router';
import { paths } from '../../lib/paths.ts';

/**
 * What a user sees on a page of an account (or card) outside their reach, or on an account's page
 * when their role finds cards one at a time (`lookupOnly`: support agents do not browse accounts).
 */
export function NotAllowed({ what, lookupOnly = false }: { what: 'account' | 'card'; lookupOnly?: boolean }) {
  return (
    <>
      <h1>Not allowed</h1>
      <div className="status status-error" role="alert">
        {lookupOnly ? (
          <>
            <p>
              <strong>Your role does not browse accounts.</strong> It finds one card at a time.
            </p>
            <p>
              <Link to={paths.cardLookup.href()}>Find a card</Link>
            </p>
          </>
        ) : (
          <>
            <p>
              <strong>You are not allowed to open this {what}.</strong> It belongs to an account you are not a member
              of.
            </p>
            <p>
              <Link to={paths.home.href()}>Go to your cards</Link>
            </p>
          </>
        )}
      </div>
    </>
  );
}

/** Whether the signed-in user may open this account, from /api/me (the server checks again). */
export function reachesAccount(me: { accounts: 'all' | string[] }, account: string): boolean {
  return me.accounts === 'all' || me.accounts.includes(account);
}

/** Whether the signed-in user may browse this account's pages (cards, cardholders, activity): reaches it, and is not lookup-only. */
export function browsesAccount(me: { accounts: 'all' | string[]; accountScope: string }, account: string): boolean {
  return me.accountScope !== 'lookup' && reachesAccount(me, account);
}
