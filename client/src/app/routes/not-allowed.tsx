import { Link } from 'react-router';
import { paths } from '../paths.ts';

/** What a user sees on a page of an account (or card) outside their reach. */
export function NotAllowed({ what }: { what: 'account' | 'card' }) {
  return (
    <>
      <h1>Not allowed</h1>
      <div className="status status-error" role="alert">
        <p>
          <strong>You are not allowed to open this {what}.</strong> It belongs to an account you are not a member of.
        </p>
        <p>
          <Link to={paths.home.href()}>Go to your cards</Link>
        </p>
      </div>
    </>
  );
}

/** Whether the signed-in user may open this account, from /api/me (the server checks again). */
export function reachesAccount(me: { accounts: 'all' | string[] }, account: string): boolean {
  return me.accounts === 'all' || me.accounts.includes(account);
}
