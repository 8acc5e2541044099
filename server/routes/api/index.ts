import type { FastifyPluginAsync } from 'fastify';
import accountCardholders from './account-cardholders.ts';
import accountSessions from './account-sessions.ts';
import accounts from './accounts.ts';
import audit from './audit.ts';
import authorizations from './authorizations.ts';
import cardPin from './card-pin.ts';
import cardChanges from './card-changes.ts';
import cardReportLost from './card-report-lost.ts';
import cardholders from './cardholders.ts';
import cards from './cards.ts';
import config from './config.ts';
import ephemeralKeys from './ephemeral-keys.ts';
import me from './me.ts';
import mirrorStatus from './mirror-status.ts';
import oidc from './oidc.ts';
import payments from './payments.ts';
import security from './security.ts';
import session from './session.ts';
import stepUp from './step-up.ts';
import users from './users.ts';

// Mounted at /api. Who may call what is not decided here but by the route guard, from
// shared/route-table.ts.
const api: FastifyPluginAsync = async (app) => {
  await app.register(config);
  await app.register(session);
  await app.register(me);
  await app.register(accounts);
  await app.register(accountSessions);
  await app.register(ephemeralKeys);
  await app.register(cards);
  await app.register(cardPin);
  await app.register(audit);
  await app.register(cardholders);
  await app.register(cardChanges);
  await app.register(cardReportLost);
  await app.register(accountCardholders);
  await app.register(payments);
  await app.register(stepUp);
  await app.register(security);
  await app.register(users);
  await app.register(oidc);
  await app.register(authorizations);
  await app.register(mirrorStatus);
};

export default api;
