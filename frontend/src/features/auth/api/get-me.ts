import { queryOptions, useQuery } from '@tanstack/react-query';

import { isUnauthorized, request } from '@/lib/api-client';
import type { Me } from '@/lib/api-models';
import { ME_KEY } from '@/lib/react-query';

/** The signed-in user, or `null` when signed out (401). */
export async function getMe(signal?: AbortSignal): Promise<Me | null> {
  try {
    return await request<Me>('/api/v1/me', { signal });
  } catch (error) {
    if (isUnauthorized(error)) return null;
    throw error;
  }
}

export const meQueryOptions = () =>
  queryOptions({
    queryKey: ME_KEY,
    queryFn: ({ signal }) => getMe(signal),
    staleTime: 60_000,
  });

export function useMe() {
  return useQuery(meQueryOptions());
}
