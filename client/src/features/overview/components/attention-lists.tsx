// The overview's lists of what needs someone: each a section with a heading, a sentence saying
// what it lists, a table (a card per row on a phone) or a list with links to where it is dealt
// with, and an empty state in words.
import { useId, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { OverviewResponse } from '@shared/overview.ts';
import { policyFor, isRole } from '@shared/policy.ts';
import { Empty } from '../../../components/status.tsx';
import { paths } from '../../../lib/paths.ts';
import { cardMask } from '@shared/card-words.ts';
import { INTERVAL_WORDS, dateTime, formatMoney, healthProblemWords, percent } from '../lib/overview-words.ts';

function Section({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  const headingId = useId();
  return (
    <section className="panel overview-list" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {intro && <p className="muted">{intro}</p>}
      {children}
    </section>
  );
}

function More({ shown, total }: { shown: number; total: number }) {
  return total > shown ? (
    <p className="muted small">
      Showing {shown} of {total}.
    </p>
  ) : null;
}

const cardName = (c: { cardholder_name: string | null; last4: string }) =>
  `${c.cardholder_name ? `${c.cardholder_name} ` : ''}${cardMask(c.last4)}`;

/** When a window resets, with its time zone (the windows are UTC: shown in the reader's zone). */
const resetTime = (seconds: number) =>
  // Spelled out: dateStyle and timeStyle cannot be combined with timeZoneName.
  new Date(seconds * 1000).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  });

export function NearLimitList({ nearLimit }: { nearLimit: OverviewResponse['near_limit'] }) {
  return (
    <Section
      title="Cards near a limit"
      intro={`At least ${percent(nearLimit.share)} of a spending limit used in its current window.`}
    >
      {nearLimit.cards.length === 0 ? (
        <Empty>No card has used {percent(nearLimit.share)} of a limit.</Empty>
      ) : (
        <table className="table stack-on-phone">
          <caption className="visually-hidden">Cards near a limit</caption>
          <thead>
            <tr>
              <th scope="col">Card</th>
              <th scope="col">Account</th>
              <th scope="col">Limit</th>
              <th scope="col" className="numeric">
                Used
              </th>
              <th scope="col">Resets</th>
            </tr>
          </thead>
          <tbody>
            {nearLimit.cards.map((c) => (
              <tr key={`${c.card} ${c.scope} ${c.interval} ${c.amount}`}>
                <td data-label="Card">
                  <Link to={paths.card.href(c.account, c.card)}>{cardName(c)}</Link>
                </td>
                <td data-label="Account">{c.account_name}</td>
                <td data-label="Limit">
                  {formatMoney(c.amount, c.currency)} {INTERVAL_WORDS[c.interval] ?? c.interval}
                  {c.scope === 'cardholder' && <span className="muted"> (the cardholder’s, all their cards)</span>}
                  {c.categories && <span className="muted"> on {c.categories.join(', ').replaceAll('_', ' ')}</span>}
                </td>
                <td data-label="Used" className="numeric">
                  {formatMoney(c.spent, c.currency)} ({percent(c.spent / c.amount)})
                </td>
                <td data-label="Resets">{c.resets_at === null ? 'Never (in total)' : resetTime(c.resets_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <More shown={nearLimit.cards.length} total={nearLimit.total} />
    </Section>
  );
}

export function LostCardsList({ lost, canCancel }: { lost: OverviewResponse['lost_cards']; canCancel: boolean }) {
  return (
    <Section
      title="Cards reported lost"
      intro={
        canCancel
          ? 'Frozen after “Report lost” and waiting for you to cancel or replace them.'
          : 'Frozen after “Report lost” and waiting for a platform admin to cancel or replace them.'
      }
    >
      {lost.cards.length === 0 ? (
        <Empty>No lost card is waiting to be canceled or replaced.</Empty>
      ) : (
        <table className="table stack-on-phone">
          <caption className="visually-hidden">Cards reported lost</caption>
          <thead>
            <tr>
              <th scope="col">Card</th>
              <th scope="col">Account</th>
              <th scope="col">Reported</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {lost.cards.map((c) => (
              <tr key={c.card}>
                <td data-label="Card">{cardName(c)}</td>
                <td data-label="Account">{c.account_name}</td>
                <td data-label="Reported">
                  {dateTime(c.reported_at)}
                  {c.reported_by && <span className="muted"> by {c.reported_by}</span>}
                </td>
                <td data-label="">
                  <Link to={paths.card.href(c.account, c.card)}>
                    {canCancel ? 'Cancel or replace' : 'Open the card'}
                    <span className="visually-hidden"> {cardName(c)}</span>
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <More shown={lost.cards.length} total={lost.total} />
    </Section>
  );
}

const ISSUING_WORDS: Record<string, string> = {
  active: 'Active',
  pending: 'Not active yet: Stripe is reviewing it',
  inactive: 'Not active: Stripe needs more information',
  not_requested: 'Not requested',
};

export function AccountsAttention({ accounts }: { accounts: OverviewResponse['accounts'] }) {
  return (
    <Section
      title="Accounts that need attention"
      intro={`${accounts.issuing_active} of ${accounts.total} ${accounts.total === 1 ? 'account' : 'accounts'} can issue cards. Listed: accounts that cannot, and Issuing balances that would not cover a week of spend at the last 7 days’ pace.`}
    >
      {accounts.attention.length === 0 ? (
        <Empty>Every account can issue cards, and no Issuing balance runs low.</Empty>
      ) : (
        <table className="table stack-on-phone">
          <caption className="visually-hidden">Accounts that need attention</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Card issuing</th>
              <th scope="col">Issuing balance</th>
            </tr>
          </thead>
          <tbody>
            {accounts.attention.map((a) => (
              <tr key={a.account}>
                <td data-label="Account">
                  <Link to={paths.account.href(a.account)}>{a.name}</Link>
                </td>
                <td data-label="Card issuing">
                  {a.cannot_issue ? (
                    <>
                      <span className="badge badge-canceled">Cannot issue</span>{' '}
                      <span className="muted small">{ISSUING_WORDS[a.card_issuing]}</span>
                    </>
                  ) : (
                    ISSUING_WORDS.active
                  )}
                </td>
                <td data-label="Issuing balance">
                  {a.balances.length === 0 ? (
                    <span className="muted">Not reported by Stripe yet</span>
                  ) : (
                    a.balances.map((b) => (
                      <div key={b.currency}>
                        {formatMoney(b.available, b.currency)}
                        {b.low && <span className="badge badge-canceled">Low</span>}{' '}
                        <span className="muted small">
                          as of {dateTime(b.as_of)}; {formatMoney(b.spend_7d, b.currency)} spent in 7 days
                        </span>
                      </div>
                    ))
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <More shown={accounts.attention.length} total={accounts.attention_total} />
    </Section>
  );
}

export function SensitiveEvents({ events }: { events: NonNullable<OverviewResponse['sensitive_events']> }) {
  return (
    <Section title="Recent sensitive events" intro="Card details revealed, PINs set and roles changed, newest first.">
      {events.length === 0 ? (
        <Empty>No card details revealed, PIN set or role changed yet.</Empty>
      ) : (
        <ul className="overview-events">
          {events.map((e) => (
            <li key={e.id}>
              <span className="muted small">{dateTime(e.created_at)}</span> {e.summary}
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link to={paths.audit.href()}>Open the audit log</Link>
      </p>
    </Section>
  );
}

const roleWords = (role: string) => (isRole(role) ? policyFor(role).label : role);

export function UsersAttention({ users }: { users: NonNullable<OverviewResponse['users']> }) {
  return (
    <Section
      title="Users without a safeguard"
      intro="Users who can sign in with no second factor, or with no recovery code left."
    >
      {users.attention.length === 0 ? (
        <Empty>Every user has a second factor and recovery codes left.</Empty>
      ) : (
        <ul className="overview-users">
          {users.attention.map((u) => (
            <li key={u.id}>
              {u.email} <span className="muted">({roleWords(u.role)})</span>:{' '}
              {u.problem === 'no_second_factor' ? 'no second factor' : 'no recovery codes left'}
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link to={paths.users.href()}>Open Users</Link>
      </p>
    </Section>
  );
}

export function HealthLine({ health }: { health: OverviewResponse['health'] }) {
  const headingId = useId();
  return (
    <section className="overview-health" aria-labelledby={headingId}>
      <h2 id={headingId}>Webhooks and live data</h2>
      {health.problems.length === 0 ? (
        <p>
          <span className="trend-up" aria-hidden="true">
            ●
          </span>{' '}
          Healthy: the last webhook arrived {health.last_webhook_at ? dateTime(health.last_webhook_at) : 'never'}; the
          data was in step with Stripe {health.synced_at ? `at ${dateTime(health.synced_at)}` : 'not yet'}.
        </p>
      ) : (
        <ul className="overview-problems">
          {health.problems.map((p) => (
            <li key={p.code}>{healthProblemWords(p)}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
