import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';

import { ApiError, request } from '@/lib/api-client';
import type { CapturedEmail } from '@/lib/api-models';

/**
 * An email the zero-setup mode captured instead of sending. `satisfies` keeps what it parses to in
 * step with the server's `CapturedEmail` schema (the generated types).
 */
const capturedEmailSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  to: z.string(),
  subject: z.string(),
  text: z.string().nullish().transform((v) => v ?? ''),
  html: z.string().nullish(),
  created_at: z.string(),
}) satisfies z.ZodType<CapturedEmail>;
const outboxSchema = z.object({ items: z.array(capturedEmailSchema) });

/** The captured emails, or `null` when this server is not in the zero-setup mode (404). */
export async function getOutbox(signal?: AbortSignal): Promise<CapturedEmail[] | null> {
  try {
    const data = await request('/api/v1/dev/outbox', { signal, parse: (d) => outboxSchema.parse(d) });
    return data.items;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 401)) return null;
    throw error;
  }
}

export const outboxQueryOptions = () =>
  queryOptions({
    queryKey: ['outbox'],
    queryFn: ({ signal }) => getOutbox(signal),
    meta: { ignoreUnauthorized: true },
  });

/** The outbox, re-read every few seconds while `poll` is on (a sign-in email arrives shortly after asking). */
export function useOutbox({ poll = false }: { poll?: boolean } = {}) {
  return useQuery({ ...outboxQueryOptions(), refetchInterval: poll ? 3000 : false });
}

/** Whether this server captures emails (the zero-setup mode); false while unknown. */
export function useOutboxAvailable(): boolean {
  // The mode does not change while the server runs: ask once.
  const outbox = useQuery({ ...outboxQueryOptions(), staleTime: Infinity, retry: false });
  return Array.isArray(outbox.data);
}
