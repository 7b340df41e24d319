import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';

import { ApiError, request } from '@/lib/api-client';

import { alertKeys } from './keys';

// The runner defines this endpoint; read it leniently so a renamed or missing optional field
// never breaks the page. The latest price comes as `last_price` (alerts-service's SeenListing)
// or `price`; the change is computed from `previous_price` when the server does not send it.
const decimal = z.union([z.string(), z.number()]).transform(String);
const alertItemSchema = z
  .object({
    item_id: z.string(),
    title: z.string(),
    item_url: z.string(),
    image_url: z.string().nullish(),
    price: decimal.nullish(),
    last_price: decimal.nullish(),
    first_price: decimal.nullish(),
    currency: z.string().nullish(),
    condition: z.string().nullish(),
    condition_label: z.string().nullish(),
    shipping_cost: decimal.nullish(),
    total_price: decimal.nullish(),
    buying_option: z.string().nullish(),
    current_bid: decimal.nullish(),
    bid_count: z.number().nullish(),
    ends_at: z.string().nullish(),
    seller: z.string().nullish(),
    seller_feedback_percent: decimal.nullish(),
    first_seen_at: z.string().nullish(),
    last_seen_at: z.string().nullish(),
    previous_price: decimal.nullish(),
    change_pct: decimal.nullish(),
    // The deal verdict against comparable listings (analytics-service), or null.
    deal: z
      .object({
        kind: z.string(),
        percent_below_typical: decimal.nullish(),
      })
      .nullish(),
  })
  .refine((item) => item.price != null || item.last_price != null, { message: 'a listing needs a price' })
  .transform(({ last_price, price, change_pct, ...item }) => {
    const latest = (last_price ?? price) as string;
    const before = item.previous_price != null ? Number(item.previous_price) : NaN;
    const computed = before > 0 ? (((Number(latest) - before) / before) * 100).toFixed(1) : undefined;
    return { ...item, price: latest, change_pct: change_pct ?? computed ?? null };
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
