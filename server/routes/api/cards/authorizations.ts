import { CardParams } from '../../../../shared/api.ts';
import { activityRoutes } from '../activity-routes.ts';
import { cardInScope } from '../in-scope.ts';

/**
 * GET /api/cards/:id/authorizations (the card's authorizations and their transactions, newest
 * first, each decline explained: docs/decisions/080-decline-explanations.md; filtered and added
 * up: docs/decisions/162-activity-filters-and-export.md), `.csv` (the filtered rows as CSV) and
 * `/daily` (the charts' series). The account's are under /api/accounts/:account/authorizations
 * (accounts.ts); both are ../activity-routes.ts.
 */
const cardAuthorizations = activityRoutes({
  base: '/cards/:id/authorizations',
  params: CardParams,
  subject: async (request) => {
    const found = await cardInScope(request.server, request, (request.params as CardParams).id);
    return { account: found.account, card: found.card };
  },
});

export default cardAuthorizations;
