import { queryOptions, useQuery } from '@tanstack/react-query';

import { request } from '@/lib/api-client';
import type { SessionView } from '@/lib/api-models';
import { SESSION_KEY, SESSION_NOTICE_KEY, type SessionNotice } from '@/lib/react-query';

/**
 * Who is signed in, from `GET /api/v1/session`, which answers 200 signed in or not: asking
 * `/api/v1/me` would log a 401 in the browser's console on every signed-out page.
 */
export function getSession(signal?: AbortSignal): Promise<SessionView> {
  return request<SessionView>('/api/v1/session', { signal });
}

export const sessionQueryOptions = () =>
  queryOptions({
    queryKey: SESSION_KEY,
    queryFn: ({ signal }) => getSession(signal),
    staleTime: 60_000,
  });

/** The signed-in user, or `null` when signed out. */
export function useMe() {
  return useQuery({ ...sessionQueryOptions(), select: (session) => session.user ?? null });
}

/** Whether this server captures emails in the outbox (the zero-setup mode); false while unknown. */
export function useOutboxAvailable(): boolean {
  const session = useQuery({ ...sessionQueryOptions(), select: (s) => s.dev_outbox });
  return session.data === true;
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
