/** Display helpers: frequencies, money, dates. Prices travel as decimal strings. */

const FREQUENCY_LABELS: Record<number, string> = {
  2: 'every 2 minutes',
  10: 'every 10 minutes',
  30: 'every 30 minutes',
  60: 'every hour',
  1440: 'daily',
};

/** "every 2 minutes" … "daily"; any other interval in plain words. */
export function formatFrequency(minutes: number): string {
  return FREQUENCY_LABELS[minutes] ?? formatInterval(minutes);
}

function plural(n: number, unit: string): string {
  return n === 1 ? `every ${unit}` : `every ${n} ${unit}s`;
}

/** Any interval in minutes, e.g. "every 45 minutes", "every 3 hours", "every 2 days". */
export function formatInterval(minutes: number): string {
  if (minutes > 0 && minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes > 0 && minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * "$12.50" for ("12.5", "USD"); falls back to "12.50 XYZ" for codes the browser does not know.
 * `whole` drops the cents (axis labels).
 */
export function formatMoney(value: string | number | null | undefined, currency: string, whole = false): string {
  if (value === null || value === undefined || value === '') return '—';
  const amount = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(amount)) return `${String(value)} ${currency}`;
  const key = `${currency}:${whole ? 0 : 2}`;
  let format = moneyFormats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat('en-US', {
        style: 'currency',
        currency,
        ...(whole ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {}),
      });
    } catch {
      return `${amount.toFixed(whole ? 0 : 2)} ${currency}`;
    }
    moneyFormats.set(key, format);
  }
  return format.format(amount);
}

/** "+4.2%" / "−3.1%" / "0%" from a decimal string or number. */
export function formatPercent(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return String(value);
  const abs = Math.abs(n).toLocaleString('en-US', { maximumFractionDigits: 1 });
  if (n > 0) return `+${abs}%`;
  if (n < 0) return `−${abs}%`;
  return '0%';
}

const dateTimeFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const longDayFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });

/** "Nov 21, 2026, 10:00 AM" in the viewer's time zone. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTimeFormat.format(date);
}

/** A calendar day ("2026-11-21", UTC) as "Nov 21" (or "Nov 21, 2026" when `long`). */
export function formatDay(day: string, long = false): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return (long ? longDayFormat : dayFormat).format(date);
}

const relativeFormat = new Intl.RelativeTimeFormat('en-US', { numeric: 'auto' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/**
 * "3 minutes ago" / "in 2 hours", relative to `now`, for times that may be either side of it
 * (a quota reset). For events that have happened use {@link formatAgo}.
 */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '—';
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return iso;
  const seconds = Math.round((at - now) / 1000);
  if (Math.abs(seconds) < 45) return seconds <= 0 ? 'just now' : 'in a moment';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relativeFormat.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

/**
 * "3 minutes ago" / "just now" for something that has happened (a run, a first sighting). The
 * server's clock may run a little ahead of the browser's, so a time "in the future" is clamped
 * to now: a past event is never described as "in a moment".
 */
export function formatAgo(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '—';
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return iso;
  return formatRelative(new Date(Math.min(at, now)).toISOString(), now);
}

const CONDITION_LABELS: Record<string, string> = { any: 'Any condition', new: 'New', used: 'Used' };
const BUYING_LABELS: Record<string, string> = {
  fixed_price: 'Buy It Now',
  auction: 'Auction',
  any: 'Buy It Now or auction',
};

export function formatCondition(condition: string): string {
  return CONDITION_LABELS[condition] ?? condition;
}

export function formatBuyingOptions(options: string): string {
  return BUYING_LABELS[options] ?? options;
}
