/** The mock server's state, reset after every test. Tests arrange it directly. */
import type { Alert, Channel, ChannelAttempt, CreatedToken, Me } from '@/lib/api-models';

import { buildMe, resetIds, type buildInsights, type MockItem } from './data';

export interface MockEmail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  created_at: string;
}

export interface MockDb {
  /** The signed-in user, or null when the session cookie is missing/expired. */
  session: Me | null;
  /** The user who signs in by email in the sign-in flow. */
  account: Me;
  alerts: Alert[];
  items: Record<string, MockItem[]>;
  insights: Record<string, ReturnType<typeof buildInsights>>;
  tokens: CreatedToken[];
  /** `null` = not in the zero-setup mode (404). */
  outbox: MockEmail[] | null;
  quota: {
    daily_budget: number;
    calls_today: number;
    resets_at: string;
    demand_per_day?: number;
    stretch_factor?: number;
    policy?: 'adaptive' | 'uniform';
    alerts?: {
      alert_id: string;
      search_phrase: string;
      frequency_minutes: number;
      effective_interval_minutes: number;
      reason: string;
      explanation: string;
      new_listings_per_hour?: number | null;
    }[];
    asked_per_day?: number;
    given_per_day?: number;
    warning?: string | null;
  } | null;
  runOutcome: { items_found: number; new_items: number; email_sent: boolean };
  loginRequests: string[];
  /** The `return_to` of each login request, in order. */
  loginReturnTo: (string | undefined)[];
  /** Set: "Run now" answers 429 with this Retry-After (the server's per-alert limit). */
  runRetryAfter: number | null;
  /** The user's channels besides the built-in email. */
  channels: Channel[];
  /** What a test send reports. */
  channelTest: ChannelAttempt;
}

function fresh(): MockDb {
  resetIds();
  const account = buildMe();
  return {
    session: null,
    account,
    alerts: [],
    items: {},
    insights: {},
    tokens: [],
    outbox: null,
    quota: null,
    runOutcome: { items_found: 12, new_items: 3, email_sent: true },
    loginRequests: [],
    loginReturnTo: [],
    runRetryAfter: null,
    channels: [],
    channelTest: { outcome: 'delivered', status: 200, answer: '{"ok":true}', error: null, duration_ms: 42 },
  };
}

export const db: MockDb = fresh();

export function resetDb(): void {
  Object.assign(db, fresh());
}
