import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';

import { ApiError, request } from '@/lib/api-client';

const quotaSchema = z.object({
  daily_budget: z.number().nonnegative(),
  calls_today: z.number().nonnegative(),
  resets_at: z.string().nullish(),
  /** Calls a day the active alerts would need at their chosen frequencies. */
  demand_per_day: z.number().nullish(),
  /** How much every interval is stretched to fit the budget (1 = not at all). */
  stretch_factor: z.number().nullish(),
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
