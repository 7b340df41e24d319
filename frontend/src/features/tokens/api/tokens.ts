import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { request } from '@/lib/api-client';
import type { CreatedToken, TokenList } from '@/lib/api-models';

const tokensKey = ['tokens'] as const;

export function getTokens(signal?: AbortSignal): Promise<TokenList> {
  return request<TokenList>('/api/v1/tokens', { signal });
}

export const tokensQueryOptions = () =>
  queryOptions({ queryKey: tokensKey, queryFn: ({ signal }) => getTokens(signal) });

export function useTokens() {
  return useQuery(tokensQueryOptions());
}

export function createToken(name: string): Promise<CreatedToken> {
  return request<CreatedToken>('/api/v1/tokens', { method: 'POST', body: { name } });
}

export function useCreateToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: createToken,
    onSuccess: () => client.invalidateQueries({ queryKey: tokensKey }),
  });
}

export function revokeToken(id: string): Promise<void> {
  return request<void>(`/api/v1/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function useRevokeToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: revokeToken,
    onSuccess: () => client.invalidateQueries({ queryKey: tokensKey }),
  });
}
