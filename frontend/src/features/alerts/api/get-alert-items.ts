import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';

import { ApiError, request } from '@/lib/api-client';

import { alertKeys } from './keys';

// The runner defines this endpoint; read it leniently so a missing optional field never breaks the page.
const decimal = z.union([z.string(), z.number()]).transform(String);
const alertItemSchema = z.object({
  item_id: z.string(),
  title: z.string(),
  item_url: z.string(),
  image_url: z.string().nullish(),
  price: decimal,
  currency: z.string().nullish(),
  first_seen_at: z.string().nullish(),
  last_seen_at: z.string().nullish(),
  previous_price: decimal.nullish(),
  change_pct: decimal.nullish(),
});
const alertItemsSchema = z.object({ items: z.array(alertItemSchema) });

export type AlertItem = z.infer<typeof alertItemSchema>;

/** Listings the alert matched recently; an empty list while the server has none (or no such endpoint yet). */
export async function getAlertItems(id: string, signal?: AbortSignal): Promise<AlertItem[]> {
  try {
    const data = await request(`/api/v1/alerts/${encodeURIComponent(id)}/items`, {
      signal,
      parse: (d) => alertItemsSchema.parse(d),
    });
    return data.items;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return [];
    throw error;
  }
}

export const alertItemsQueryOptions = (id: string) =>
  queryOptions({
    queryKey: alertKeys.items(id),
    queryFn: ({ signal }) => getAlertItems(id, signal),
  });

export function useAlertItems(id: string) {
  return useQuery(alertItemsQueryOptions(id));
}
