import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { AccountSummary, AccountsResponse } from '@shared/api.ts';
import { accountsQueryOptions } from './get-accounts.ts';

/**
 * One connected account, decided once for its page (issue 20, item 4): the accounts list asked
 * for its exact id (`/api/accounts?q=acct_…`: an account the server's mirror does not know yet is
 * asked of Stripe there, once). `summary` is undefined once answered when there is no such account.
 * Starts from the full list when this session already has it (the Accounts page), as fresh as it.
 */
export function useAccount(account: string) {
  const queryClient = useQueryClient();
  const listed = () => {
    const query = queryClient.getQueryState<AccountsResponse>(accountsQueryOptions('').queryKey);
    const summary = query?.data?.data.find((candidate) => candidate.id === account);
    return summary ? { summary, updatedAt: query!.dataUpdatedAt } : undefined;
  };
  const query = useQuery({
    ...accountsQueryOptions(account),
    // Another account's answer is never shown in the meantime.
    placeholderData: undefined,
    initialData: () => {
      const found = listed();
      return found ? { data: [found.summary] } : undefined;
    },
    initialDataUpdatedAt: () => listed()?.updatedAt,
  });
  const summary: AccountSummary | undefined = query.data?.data.find((candidate) => candidate.id === account);
  return { ...query, summary, missing: query.isSuccess && !summary };
}
