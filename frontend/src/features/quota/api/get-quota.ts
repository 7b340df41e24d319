import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';

import { ApiError, request } from '@/lib/api-client';

const alertCadenceSchema = z.object({
  alert_id: z.string(),
  search_phrase: z.string(),
  frequency_minutes: z.number(),
  effective_interval_minutes: z.number(),
  /** Why it runs at that interval (busy, quiet, as asked, ...); unknown values are shown by their explanation. */
  reason: z.string(),
  /** The same in words, e.g. "busy search: every 6 min". */
  explanation: z.string(),
  new_listings_per_hour: z.number().nullish(),
});

/** One alert's place in the server's plan. */
export type AlertCadence = z.infer<typeof alertCadenceSchema>;

const quotaSchema = z.object({
  daily_budget: z.number().nonnegative(),
  calls_today: z.number().nonnegative(),
  resets_at: z.string().nullish(),
  /** Calls a day the active alerts would need at their chosen frequencies. */
  demand_per_day: z.number().nullish(),
  /** How much every interval is stretched to fit the budget (1 = not at all). */
  stretch_factor: z.number().nullish(),
  /** How the server spends the budget: per search by how often new listings appear, or uniformly. */
  policy: z.enum(['adaptive', 'uniform']).nullish(),
  /** The caller's active alerts: how often each runs now, and why. */
  alerts: z.array(alertCadenceSchema).nullish(),
  asked_per_day: z.number().nullish(),
  given_per_day: z.number().nullish(),
  /** Set when the caller's alerts ask for more searches than the budget gives them. */
  warning: z.string().nullish(),
});

/** Today's use of the eBay Browse API budget, shared by every alert on this server. */
export type Quota = z.infer<typeof quotaSchema>;

/** The quota, or `null` where the server does not report it (404). */
export async function getQuota(signal?: AbortSignal): Promise<Quota | null> {
  try {
    return await request('/api/v1/quota', { signal, parse: (d) => quotaSchema.parse(d) });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export const quotaQueryOptions = () =>
  queryOptions({ queryKey: ['quota'], queryFn: ({ signal }) => getQuota(signal), refetchInterval: 60_000 });

export function useQuota() {
  return useQuery(quotaQueryOptions());
}
