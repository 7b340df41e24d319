import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';

import { ApiError, isUnauthorized } from './api-client';
import type { SessionView } from './api-models';

declare module '@tanstack/react-query' {
  interface Register {
    defaultError: Error;
    queryMeta: QueryMeta;
    mutationMeta: QueryMeta;
  }
}

interface QueryMeta extends Record<string, unknown> {
  /** A 401 from this request means "not available", not "signed out" (the dev outbox). */
  ignoreUnauthorized?: boolean;
}

/** The session's query key (`GET /api/v1/session`); a `null` user means signed out. */
export const SESSION_KEY = ['session'] as const;

/** Why the sign-in page is showing: the person signed out, or their session ended under them. */
export type SessionNotice = 'signed_out' | 'expired';
export const SESSION_NOTICE_KEY = ['session-notice'] as const;

/**
 * A session that ends anywhere (expired, signed out in another tab) sends the person back to
 * sign-in: the user query becomes `null`, the protected layout redirects, and nothing that
 * belonged to the old session stays cached. The reason waits in the cache for the sign-in page.
 */
export function signOutLocally(client: QueryClient, notice: SessionNotice): void {
  const wasSignedIn = Boolean(client.getQueryData<SessionView>(SESSION_KEY)?.user);
  client.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] });
  if (wasSignedIn || notice === 'signed_out') client.setQueryData(SESSION_NOTICE_KEY, notice);
  // The server's mode (the outbox) outlives the session.
  client.setQueryData<SessionView>(SESSION_KEY, (old) => ({ user: null, dev_outbox: old?.dev_outbox ?? false }));
}

interface Options {
  /** Tests turn retries off to see failures at once. */
  retry?: boolean;
}

export function createQueryClient({ retry = true }: Options = {}): QueryClient {
  const onError = (error: Error, meta: QueryMeta | undefined) => {
    if (isUnauthorized(error) && !meta?.ignoreUnauthorized) signOutLocally(client, 'expired');
  };
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error, query) => onError(error, query.meta) }),
    mutationCache: new MutationCache({ onError: (error, _vars, _ctx, mutation) => onError(error, mutation.meta) }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // Only faults that may pass are retried; a 4xx will answer the same again.
        retry: retry ? (count, error) => error instanceof ApiError && error.isTransient && count < 2 : false,
      },
      mutations: { retry: false },
    },
  });
  return client;
}
