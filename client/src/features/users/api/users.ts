// User administration endpoints (GET/POST /api/users…, POST /api/invitations/accept).
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  AdminUser,
  InviteBody,
  InviteResponse,
  LoginResponse,
  UpdateUserBody,
  UsersResponse,
} from '@shared/api.ts';
import { api } from '../../../lib/api-client.ts';

export const usersQueryKey = ['users'] as const;

export function useUsers() {
  return useQuery(
    queryOptions({
      queryKey: usersQueryKey,
      queryFn: ({ signal }) => api.get<UsersResponse>('/api/users', undefined, signal),
    }),
  );
}

export const inviteUser = (body: InviteBody) => api.post<InviteResponse>('/api/users', body);
export const updateUser = ({ id, ...body }: UpdateUserBody & { id: string }) =>
  api.post<AdminUser>(`/api/users/${encodeURIComponent(id)}`, body);
export const resetSecondFactor = (id: string) =>
  api.post<AdminUser>(`/api/users/${encodeURIComponent(id)}/reset-second-factor`, {});
export const acceptInvitation = (body: { token: string; password: string }) =>
  api.post<LoginResponse>('/api/invitations/accept', body, { redirectOnUnauthorized: false });

/** A change to a user: the list is fetched again afterwards. */
export function useUserChange<TArgs, TResult>(fn: (args: TArgs) => Promise<TResult>) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => queryClient.invalidateQueries({ queryKey: usersQueryKey }) });
}
