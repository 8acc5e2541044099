import type { FastifyPluginAsync } from 'fastify';
import accountSessions from './account-sessions.ts';
import accounts from './accounts.ts';
import audit from './audit.ts';
import cardholders from './cardholders.ts';
import cards from './cards/index.ts';
import config from './config.ts';
import ephemeralKeys from './ephemeral-keys.ts';
import events from './events.ts';
import invitations from './invitations.ts';
import me from './me.ts';
import mirror from './mirror.ts';
import oidc from './oidc.ts';
import overview from './overview.ts';
import payments from './payments.ts';
import security from './security.ts';
import session from './session.ts';
import stepUp from './step-up.ts';
import users from './users.ts';

// Mounted at /api, one file per URL resource: /api/<name>/… lives in <name>.ts, or in <name>/
// (index.ts and a file per sub-path) when one file would grow too long. Who may call what is
// not decided here but by the route guard, from shared/route-table.ts.
const api: FastifyPluginAsync = async (app) => {
  await app.register(config);
  await app.register(session);
  await app.register(me);
  await app.register(accounts);
  await app.register(accountSessions);
  await app.register(ephemeralKeys);
  await app.register(cards);
  await app.register(audit);
  await app.register(cardholders);
  await app.register(payments);
  await app.register(stepUp);
  await app.register(security);
  await app.register(users);
  await app.register(invitations);
  await app.register(oidc);
  await app.register(events);
  await app.register(mirror);
  await app.register(overview);
};

export default api;
