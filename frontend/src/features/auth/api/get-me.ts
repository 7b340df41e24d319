import { queryOptions, useQuery } from '@tanstack/react-query';

import { isUnauthorized, request } from '@/lib/api-client';
import type { Me } from '@/lib/api-models';
import { ME_KEY, SESSION_NOTICE_KEY, type SessionNotice } from '@/lib/react-query';

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

/** Why the person is on the sign-in page, if the dashboard knows (set by a sign-out or an expired session). */
export function useSessionNotice(): SessionNotice | undefined {
  const notice = useQuery<SessionNotice | null>({
    queryKey: SESSION_NOTICE_KEY,
    queryFn: () => null,
    enabled: false,
    staleTime: Infinity,
  });
  return notice.data ?? undefined;
}
