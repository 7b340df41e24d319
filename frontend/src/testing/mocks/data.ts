/** Factories for API data in tests: realistic shapes, deterministic values. */
import type { Alert, Me } from '@/lib/api-models';

let sequence = 0;

export function nextId(): string {
  sequence += 1;
  return `00000000-0000-7000-8000-${String(sequence).padStart(12, '0')}`;
}

export function resetIds(): void {
  sequence = 0;
}

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

export function buildMe(overrides: Partial<Me> = {}): Me {
  return {
    id: nextId(),
    email: 'ada@example.com',
    created_at: '2026-11-01T09:00:00Z',
    country: null,
    postal_code: null,
    quiet_hours: null,
    ...overrides,
  };
}

export function buildAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: nextId(),
    search_phrase: 'lego 42100',
    frequency_minutes: 30,
    min_price: null,
    max_price: null,
    currency: 'USD',
    condition: 'any',
    buying_options: 'fixed_price',
    target_price: null,
    paused: false,
    revision: 1,
    created_at: minutesFromNow(-600),
    updated_at: minutesFromNow(-600),
    last_run_at: null,
    next_run_at: minutesFromNow(12),
    last_run_status: null,
    last_run_error: null,
    conditions: ['new', 'open_box', 'refurbished', 'used'],
    exclude_words: [],
    exclude_sellers: [],
    min_seller_feedback_percent: null,
    price_basis: 'with_shipping',
    ending_within_hours: null,
    notify_on: 'new_listings',
    alert_emails: true,
    insight_emails: true,
    last_run_hidden: null,
    channels: ['email'],
    delivery: 'immediate',
    digest_hour: 8,
    ...overrides,
  };
}

export interface MockItem {
  item_id: string;
  title: string;
  item_url: string;
  image_url?: string | null;
  price: string;
  currency: string;
  first_seen_at: string;
  last_seen_at: string;
  previous_price?: string | null;
  change_pct?: string | null;
  deal?: { kind: 'lowest_in_30_days' | 'below_typical'; percent_below_typical: string | null } | null;
}

export function buildItem(overrides: Partial<MockItem> = {}): MockItem {
  const id = overrides.item_id ?? `v1|${nextId().slice(-6)}|0`;
  return {
    item_id: id,
    title: 'LEGO Technic Liebherr R 9800 Excavator 42100',
    item_url: `https://www.ebay.com/itm/${encodeURIComponent(id)}`,
    image_url: null,
    price: '389.99',
    currency: 'USD',
    first_seen_at: minutesFromNow(-90),
    last_seen_at: minutesFromNow(-5),
    previous_price: null,
    change_pct: null,
    ...overrides,
  };
}

/** An insight report in the shape of `pubsub/src/insights.rs`. */
export function buildInsights(alertId: string, { enough = true } = {}) {
  const days = enough ? 14 : 1;
  const today = new Date(Date.UTC(2026, 10, 21));
  const series = Array.from({ length: days }, (_, i) => {
    const date = new Date(today.getTime() - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10);
    const median = 400 - i * 3;
    return {
      date,
      count: 20 + i,
      min: (median - 40).toFixed(2),
      p25: (median - 15).toFixed(2),
      median: median.toFixed(2),
      p75: (median + 15).toFixed(2),
      mean: (median + 2).toFixed(2),
      max: (median + 60).toFixed(2),
      new_listings: i % 3,
    };
  });
  return {
    alert_id: alertId,
    search_phrase: 'lego 42100',
    currency: 'USD',
    days: 14,
    window_start: '2026-11-08',
    window_end: '2026-11-21',
    generated_at: '2026-11-21T10:00:00Z',
    days_with_data: days,
    enough_data: enough,
    ...(enough ? {} : { message: 'Not enough data yet: 1 day with observations; insights need at least 3.' }),
    series,
    summary: enough
      ? {
          first_week_median: '391.00',
          second_week_median: '370.00',
          median_change_pct: '-5.4',
          lowest: {
            item_id: 'v1|111|0',
            title: 'LEGO 42100 sealed box',
            item_url: 'https://www.ebay.com/itm/111',
            price: '321.00',
            date: '2026-11-19',
          },
          good_deals: [
            {
              item_id: 'v1|222|0',
              title: 'LEGO Technic 42100 new',
              item_url: 'https://www.ebay.com/itm/222',
              price: '329.00',
              date: '2026-11-21',
            },
          ],
          biggest_drops: [
            {
              item_id: 'v1|333|0',
              title: 'Liebherr excavator set',
              item_url: 'https://www.ebay.com/itm/333',
              from: '420.00',
              to: '360.00',
              change_pct: '-14.3',
            },
          ],
          new_listings: 12,
        }
      : { good_deals: [], biggest_drops: [], new_listings: 0 },
    main_segment: enough ? 'new/fixed_price' : undefined,
    segments: enough
      ? [
          {
            segment: 'new/fixed_price',
            label: 'New, fixed price',
            comparable: true,
            count: 240,
            without_shipping: 3,
            typical: '380.00',
            lowest: { price: '321.00', date: '2026-11-19' },
            median_change_pct: '-5.4',
            change_explained:
              'The typical price (the median of each day’s median) fell 5.4 %: 391.00 for Nov 8–Nov 14 against 370.00 for Nov 15–Nov 21.',
            deals: [
              {
                item_id: 'v1|222|0',
                title: 'LEGO Technic 42100 new',
                item_url: 'https://www.ebay.com/itm/222',
                price: '329.00',
                deal: { kind: 'lowest_in_30_days', percent_below_typical: '13.4' },
              },
            ],
          },
          {
            segment: 'for_parts/fixed_price',
            label: 'For parts or not working, fixed price',
            comparable: false,
            count: 14,
            typical: '90.00',
            lowest: { price: '26.99', date: '2026-11-20' },
            deals: [],
          },
        ]
      : [],
  };
}
