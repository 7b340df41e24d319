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

/**
 * The outbox, newest first, only where it is shown (it can weigh hundreds of KB). Read afresh
 * whenever the page opens, never from an older cache: a link asked for a moment ago must be
 * there, not the previous one. Re-read every second while `waiting` for a new email (the sender
 * writes it shortly after the request), every few seconds otherwise.
 */
export function useOutbox({ waitingFor }: { waitingFor?: NewLinkTarget } = {}) {
  return useQuery({
    ...outboxQueryOptions(),
    select: newestFirst,
    staleTime: 0,
    refetchOnMount: 'always',
    refetchInterval: (query) => (waitingFor && !findNewLink(query.state.data ?? null, waitingFor) ? 1000 : 3000),
  });
}

/** The sign-in link someone just asked for: to this address, asked for at `askedAt` (ms). */
export interface NewLinkTarget {
  to: string;
  askedAt?: number;
}

/**
 * How much older than the request an email may look: its time is the server's, the request's the
 * browser's. Small, so that an earlier (likely used) link to the same address is not taken for it.
 */
const CLOCK_SKEW_MS = 10_000;

/** The newest sign-in email to `target.to` written since it was asked for, if it has arrived. */
export function findNewLink(emails: CapturedEmail[] | null, target: NewLinkTarget): CapturedEmail | undefined {
  const to = target.to.trim().toLowerCase();
  return newestFirst(emails)?.find(
    (email) =>
      email.to.toLowerCase().split(/,\s*/).includes(to) &&
      email.text.includes('/auth/verify?') &&
      (target.askedAt === undefined || Date.parse(email.created_at) >= target.askedAt - CLOCK_SKEW_MS),
  );
}

function newestFirst(emails: CapturedEmail[] | null): CapturedEmail[] | null {
  return emails && [...emails].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
}
