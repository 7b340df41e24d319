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

/**
 * Currency symbols, the same table alert emails use (alerts-service `domain/money.rs`), so money
 * reads the same in the inbox and on the dashboard. Other codes go before the amount ("CHF 12.50").
 */
const SYMBOLS: Record<string, string> = {
  AUD: 'A$',
  BRL: 'R$',
  CAD: 'CA$',
  CNY: 'CN¥',
  EUR: '€',
  GBP: '£',
  HKD: 'HK$',
  ILS: '₪',
  INR: '₹',
  JPY: '¥',
  KRW: '₩',
  MXN: 'MX$',
  NZD: 'NZ$',
  PHP: '₱',
  TWD: 'NT$',
  USD: '$',
  VND: '₫',
};
/** Currencies written without decimals. */
const WHOLE_CURRENCIES = new Set(['CLP', 'ISK', 'JPY', 'KRW', 'PYG', 'UGX', 'VND', 'XAF', 'XOF']);
const groupedFormats = new Map<number, Intl.NumberFormat>();

/**
 * "$12.50" for ("12.5", "USD"), "€1,234.00", "¥1,235", "CHF 12.50"; `whole` drops the cents
 * (axis labels).
 */
export function formatMoney(value: string | number | null | undefined, currency: string, whole = false): string {
  if (value === null || value === undefined || value === '') return '—';
  const amount = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(amount)) return `${String(value)} ${currency}`;
  const decimals = whole || WHOLE_CURRENCIES.has(currency) ? 0 : 2;
  let format = groupedFormats.get(decimals);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    groupedFormats.set(decimals, format);
  }
  const number = format.format(Math.abs(amount));
  const sign = amount < 0 && number.replace(/[0.,]/g, '') !== '' ? '-' : '';
  const symbol = SYMBOLS[currency];
  return symbol ? `${sign}${symbol}${number}` : `${sign}${currency}\u00a0${number}`;
}

/**
 * A listing's price as a buyer reads it: "$89.00 + $12.50 shipping", "$89.00, free shipping",
 * "$89.00 + shipping unknown" (unknown shipping is never shown as free).
 */
export function formatPriceWithShipping(price: string, shipping: string | null | undefined, currency: string): string {
  const head = formatMoney(price, currency);
  if (shipping === null || shipping === undefined || shipping === '') return `${head} + shipping unknown`;
  if (Number(shipping) === 0) return `${head}, free shipping`;
  return `${head} + ${formatMoney(shipping, currency)} shipping`;
}

/** "ends in 2d 4h" / "ends in 3h 20m" / "ends in 12m" / "ended". */
export function formatTimeLeft(iso: string | null | undefined, now: number = Date.now()): string | undefined {
  if (!iso) return undefined;
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return undefined;
  const minutes = Math.floor((at - now) / 60_000);
  if (minutes <= 0) return 'ended';
  if (minutes >= 1440) return `ends in ${Math.floor(minutes / 1440)}d ${Math.floor((minutes % 1440) / 60)}h`;
  if (minutes >= 60) return `ends in ${Math.floor(minutes / 60)}h ${minutes % 60}m`;
  return `ends in ${minutes}m`;
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

const CONDITION_LABELS: Record<string, string> = {
  any: 'Any condition',
  new: 'New',
  open_box: 'Open box',
  refurbished: 'Refurbished',
  used: 'Used',
  for_parts: 'For parts or not working',
};
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

/** "Used, Refurbished" — or "Any condition but for parts" for the default set. */
export function formatConditions(groups: readonly string[]): string {
  const all = ['new', 'open_box', 'refurbished', 'used', 'for_parts'];
  if (all.every((g) => groups.includes(g))) return 'Any condition';
  if (groups.length === 4 && !groups.includes('for_parts')) return 'Any condition but for parts';
  return groups.map(formatCondition).join(', ');
}

const HIDDEN_REASONS: [key: string, one: string, many: string][] = [
  ['for_parts', 'for parts', 'for parts'],
  ['condition', 'condition', 'condition'],
  ['excluded_words', 'excluded word', 'excluded words'],
  ['seller', 'seller', 'sellers'],
  ['seller_feedback', 'low seller feedback', 'low seller feedback'],
  ['price', 'outside the price range', 'outside the price range'],
];

/** "12 hidden: 8 for parts, 3 excluded words, 1 seller"; undefined when nothing was hidden. */
export function formatHidden(hidden: Record<string, number> | null | undefined): string | undefined {
  if (!hidden || !hidden.total) return undefined;
  const parts = HIDDEN_REASONS.filter(([key]) => (hidden[key] ?? 0) > 0).map(
    ([key, one, many]) => `${hidden[key]} ${hidden[key] === 1 ? one : many}`,
  );
  return `${hidden.total} hidden: ${parts.join(', ')}`;
}
