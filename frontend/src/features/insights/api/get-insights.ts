import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from 'zod';

import { request } from '@/lib/api-client';

// Same key family as the alert, so running or deleting the alert refreshes or drops its insights.
export const INSIGHT_DAYS = 14;

const insightsKey = (alertId: string, days: number) => ['alerts', 'detail', alertId, 'insights', days] as const;

/** Prices travel as decimal strings (`pubsub/src/insights.rs`); numbers are accepted too. */
const decimal = z.union([z.string(), z.number()]).transform(String);

const dailyPointSchema = z.object({
  date: z.string(),
  count: z.number(),
  min: decimal,
  p25: decimal.nullish(),
  median: decimal,
  p75: decimal.nullish(),
  mean: decimal.nullish(),
  max: decimal,
  new_listings: z.number().nullish(),
});

const listingPriceSchema = z.object({
  item_id: z.string(),
  title: z.string(),
  item_url: z.string(),
  image_url: z.string().nullish(),
  price: decimal,
  date: z.string().nullish(),
});

const priceDropSchema = z.object({
  item_id: z.string(),
  title: z.string(),
  item_url: z.string(),
  image_url: z.string().nullish(),
  from: decimal,
  to: decimal,
  change_pct: decimal,
});

const summarySchema = z.object({
  first_week_median: decimal.nullish(),
  second_week_median: decimal.nullish(),
  median_change_pct: decimal.nullish(),
  lowest: listingPriceSchema.nullish(),
  good_deals: z.array(listingPriceSchema).nullish().transform((v) => v ?? []),
  biggest_drops: z.array(priceDropSchema).nullish().transform((v) => v ?? []),
  new_listings: z.number().nullish(),
});

const dealListingSchema = z.object({
  item_id: z.string(),
  title: z.string(),
  item_url: z.string(),
  price: decimal,
  deal: z.object({ kind: z.string(), percent_below_typical: decimal.nullish() }),
});

const segmentSchema = z.object({
  segment: z.string(),
  label: z.string(),
  comparable: z.boolean(),
  count: z.number(),
  without_shipping: z.number().nullish(),
  typical: decimal.nullish(),
  lowest: z.object({ price: decimal, date: z.string(), title: z.string().nullish(), item_url: z.string().nullish() }).nullish(),
  median_change_pct: decimal.nullish(),
  change_explained: z.string().nullish(),
  deals: z.array(dealListingSchema).nullish().transform((v) => v ?? []),
});

const insightReportSchema = z.object({
  alert_id: z.string(),
  currency: z.string(),
  days: z.number(),
  window_start: z.string().nullish(),
  window_end: z.string().nullish(),
  generated_at: z.string().nullish(),
  days_with_data: z.number().nullish(),
  enough_data: z.boolean(),
  message: z.string().nullish(),
  series: z.array(dailyPointSchema),
  summary: summarySchema.nullish().transform((v) => v ?? { good_deals: [], biggest_drops: [] }),
  main_segment: z.string().nullish(),
  segments: z.array(segmentSchema).nullish().transform((v) => v ?? []),
});

export type DailyPoint = z.infer<typeof dailyPointSchema>;
export type ListingPrice = z.infer<typeof listingPriceSchema>;
export type PriceDrop = z.infer<typeof priceDropSchema>;
export type InsightReport = z.infer<typeof insightReportSchema>;
export type SegmentInsight = z.infer<typeof segmentSchema>;

/** Where the CSV exports download from (same origin, the session cookie authenticates). */
export function exportUrl(alertId: string, kind: 'insights' | 'listings', days = INSIGHT_DAYS): string {
  return `/api/v1/alerts/${encodeURIComponent(alertId)}/${kind}.csv?days=${days}`;
}


export function getInsights(alertId: string, days: number, signal?: AbortSignal): Promise<InsightReport> {
  return request(`/api/v1/alerts/${encodeURIComponent(alertId)}/insights`, {
    query: { days },
    signal,
    parse: (data) => insightReportSchema.parse(data),
  });
}

export const insightsQueryOptions = (alertId: string, days = INSIGHT_DAYS) =>
  queryOptions({
    queryKey: insightsKey(alertId, days),
    queryFn: ({ signal }) => getInsights(alertId, days, signal),
    staleTime: 60_000,
  });

export function useInsights(alertId: string, days = INSIGHT_DAYS) {
  return useQuery(insightsQueryOptions(alertId, days));
}
