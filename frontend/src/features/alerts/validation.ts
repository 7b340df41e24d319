/**
 * The alert form's rules, the same as the server's (alerts-service `domain/`), so most mistakes
 * are caught before a round trip. The server still has the final word: its 422 field errors are
 * shown in the same places.
 */
import {
  CONDITION_GROUPS,
  FREQUENCIES,
  type Alert,
  type AlertInput,
  type BuyingOptions,
  type ConditionGroup,
  type NotifyOn,
  type PriceBasis,
} from '@/lib/api-models';
import { CURRENCIES } from '@/lib/iso-codes';

export const PHRASE_MAX_CHARS = 200;
const PRICE_LIMIT = 1_000_000_000;
export const MAX_EXCLUDE_WORDS = 20;
export const MAX_EXCLUDE_WORD_CHARS = 50;
export const MAX_EXCLUDE_SELLERS = 50;

export interface AlertFormValues {
  search_phrase: string;
  frequency_minutes: string;
  min_price: string;
  max_price: string;
  currency: string;
  conditions: ConditionGroup[];
  buying_options: BuyingOptions;
  target_price: string;
  price_basis: PriceBasis;
  /** One word or phrase per line (or comma-separated). */
  exclude_words: string;
  /** eBay user names, separated by commas, spaces or lines. */
  exclude_sellers: string;
  min_seller_feedback_percent: string;
  ending_within_hours: string;
  notify_on: NotifyOn;
  delivery: 'immediate' | 'digest';
  /** 0–23, as text from the select. */
  digest_hour: string;
}

export type AlertField = keyof AlertFormValues;
export type AlertFormErrors = Partial<Record<AlertField, string>>;

export const ALERT_FIELDS: readonly AlertField[] = [
  'search_phrase',
  'frequency_minutes',
  'min_price',
  'max_price',
  'currency',
  'conditions',
  'buying_options',
  'target_price',
  'price_basis',
  'exclude_words',
  'exclude_sellers',
  'min_seller_feedback_percent',
  'ending_within_hours',
  'notify_on',
  'delivery',
  'digest_hour',
];

/** Every group but "for parts": broken units are what a buyer least expects. */
export const DEFAULT_CONDITIONS: ConditionGroup[] = ['new', 'open_box', 'refurbished', 'used'];

export const EMPTY_ALERT_FORM: AlertFormValues = {
  search_phrase: '',
  frequency_minutes: '30',
  min_price: '',
  max_price: '',
  currency: 'USD',
  conditions: DEFAULT_CONDITIONS,
  buying_options: 'fixed_price',
  target_price: '',
  price_basis: 'with_shipping',
  exclude_words: '',
  exclude_sellers: '',
  min_seller_feedback_percent: '',
  ending_within_hours: '',
  notify_on: 'new_listings',
  delivery: 'immediate',
  digest_hour: '8',
};

export function formValuesFromAlert(alert: Alert): AlertFormValues {
  const groups = (alert.conditions ?? []).filter((g): g is ConditionGroup =>
    (CONDITION_GROUPS as readonly string[]).includes(g),
  );
  return {
    search_phrase: alert.search_phrase,
    frequency_minutes: String(alert.frequency_minutes),
    min_price: alert.min_price ?? '',
    max_price: alert.max_price ?? '',
    currency: alert.currency,
    conditions: groups.length ? groups : DEFAULT_CONDITIONS,
    buying_options: (['fixed_price', 'auction', 'any'].includes(alert.buying_options)
      ? alert.buying_options
      : 'fixed_price') as BuyingOptions,
    target_price: alert.target_price ?? '',
    price_basis: alert.price_basis === 'item' ? 'item' : 'with_shipping',
    exclude_words: (alert.exclude_words ?? []).join('\n'),
    exclude_sellers: (alert.exclude_sellers ?? []).join(', '),
    min_seller_feedback_percent:
      alert.min_seller_feedback_percent === null || alert.min_seller_feedback_percent === undefined
        ? ''
        : String(alert.min_seller_feedback_percent),
    ending_within_hours:
      alert.ending_within_hours === null || alert.ending_within_hours === undefined
        ? ''
        : String(alert.ending_within_hours),
    notify_on: alert.notify_on === 'deals_only' ? 'deals_only' : 'new_listings',
    delivery: alert.delivery === 'digest' ? 'digest' : 'immediate',
    digest_hour: String(alert.digest_hour ?? 8),
  };
}

/** Lines or commas separate words and phrases; spaces inside a phrase stay. */
export function splitWords(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((w) => w.trim().replace(/\s+/g, ' '))
    .filter(Boolean);
}

/** Commas, spaces and lines separate eBay user names (which contain no spaces). */
export function splitSellers(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function checkExcludeWords(words: string[]): string | undefined {
  if (words.length > MAX_EXCLUDE_WORDS) return `Use at most ${MAX_EXCLUDE_WORDS} words or phrases.`;
  const long = words.find((w) => [...w].length > MAX_EXCLUDE_WORD_CHARS);
  if (long) return `“${long.slice(0, 20)}…” is longer than ${MAX_EXCLUDE_WORD_CHARS} characters.`;
  if (words.some((w) => CONTROL.test(w))) return 'Remove tabs and other control characters.';
  if (words.some((w) => !/[\p{L}\p{N}]/u.test(w))) return 'Each word or phrase needs a letter or digit.';
  return undefined;
}

export function checkExcludeSellers(sellers: string[]): string | undefined {
  if (sellers.length > MAX_EXCLUDE_SELLERS) return `Use at most ${MAX_EXCLUDE_SELLERS} sellers.`;
  const bad = sellers.find((s) => s.length > 64 || !/^[A-Za-z0-9._*-]+$/.test(s));
  if (bad) return `“${bad}” is not an eBay user name (letters, digits, . _ - *).`;
  return undefined;
}

export function checkFeedback(value: string): string | undefined {
  const text = value.trim();
  if (!text) return undefined;
  if (!/^\d+(\.\d)?$/.test(text) || Number(text) > 100) return 'Enter a percentage from 0 to 100, e.g. 98.5.';
  return undefined;
}

export function checkEndingHours(value: string, buying: BuyingOptions): string | undefined {
  const text = value.trim();
  if (!text) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 72) return 'Enter whole hours from 1 to 72.';
  if (buying === 'fixed_price') return 'Only auctions end: choose “Auction” or “Buy It Now or auction” as the format.';
  return undefined;
}

// `char::is_control` in Rust is the Unicode category Cc.
const CONTROL = /\p{Cc}/u;

export function checkPhrase(value: string): string | undefined {
  const phrase = value.trim();
  if (!phrase) return 'Enter what to search for.';
  if ([...phrase].length > PHRASE_MAX_CHARS) return `Use at most ${PHRASE_MAX_CHARS} characters.`;
  if (CONTROL.test(phrase)) return 'Remove line breaks, tabs and other control characters.';
  return undefined;
}

/** Parses a price the way the server does; returns its value or the problem. */
export function checkPrice(value: string): { value?: number; error?: string } {
  const text = value.trim();
  if (!text) return {};
  if (/^-\d*\.?\d+$/.test(text) && Number(text) !== 0) return { error: 'Must not be negative.' };
  const match = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/.exec(text);
  if (!match) return { error: 'Enter an amount like 12.50.' };
  const decimals = (match[2] ?? match[3] ?? '').replace(/0+$/, '');
  if (decimals.length > 2) return { error: 'Use at most two decimal places.' };
  const amount = Number(text);
  if (amount >= PRICE_LIMIT) return { error: 'Must be below 1,000,000,000.' };
  return { value: amount };
}

export function checkCurrency(value: string): string | undefined {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) return 'Enter a three-letter currency code such as USD or EUR.';
  if (!CURRENCIES.includes(code)) return `${code} is not a currency code (ISO 4217), e.g. USD, EUR, GBP.`;
  return undefined;
}

/** Checks every field; with no errors also returns the body to send. */
export function validateAlertForm(values: AlertFormValues): { errors: AlertFormErrors; input?: AlertInput } {
  const errors: AlertFormErrors = {};
  const phraseError = checkPhrase(values.search_phrase);
  if (phraseError) errors.search_phrase = phraseError;

  const frequency = Number(values.frequency_minutes);
  if (!(FREQUENCIES as readonly number[]).includes(frequency)) {
    errors.frequency_minutes = 'Choose how often to search.';
  }

  const min = checkPrice(values.min_price);
  const max = checkPrice(values.max_price);
  const target = checkPrice(values.target_price);
  if (min.error) errors.min_price = min.error;
  if (max.error) errors.max_price = max.error;
  if (target.error) errors.target_price = target.error;
  if (min.value !== undefined && max.value !== undefined && min.value > max.value) {
    errors.min_price = 'Must not be more than the maximum price.';
  }
  if (target.value !== undefined && max.value !== undefined && target.value > max.value && !errors.target_price) {
    errors.target_price = 'Must not be more than the maximum price: nothing above it is searched.';
  }

  const currencyError = checkCurrency(values.currency);
  if (currencyError) errors.currency = currencyError;

  if (values.conditions.length === 0) errors.conditions = 'Choose at least one condition.';
  const words = splitWords(values.exclude_words);
  const wordsError = checkExcludeWords(words);
  if (wordsError) errors.exclude_words = wordsError;
  const sellers = splitSellers(values.exclude_sellers);
  const sellersError = checkExcludeSellers(sellers);
  if (sellersError) errors.exclude_sellers = sellersError;
  const feedbackError = checkFeedback(values.min_seller_feedback_percent);
  if (feedbackError) errors.min_seller_feedback_percent = feedbackError;
  const hoursError = checkEndingHours(values.ending_within_hours, values.buying_options);
  if (hoursError) errors.ending_within_hours = hoursError;
  const digestHour = Number(values.digest_hour);
  if (!Number.isInteger(digestHour) || digestHour < 0 || digestHour > 23 || !values.digest_hour.trim()) {
    errors.digest_hour = 'Choose an hour from 0 to 23.';
  }

  if (Object.keys(errors).length > 0) return { errors };

  const price = (text: string) => (text.trim() ? text.trim() : null);
  return {
    errors,
    input: {
      search_phrase: values.search_phrase.trim(),
      frequency_minutes: frequency,
      min_price: price(values.min_price),
      max_price: price(values.max_price),
      target_price: price(values.target_price),
      currency: values.currency.trim().toUpperCase(),
      conditions: CONDITION_GROUPS.filter((g) => values.conditions.includes(g)),
      buying_options: values.buying_options,
      price_basis: values.price_basis,
      exclude_words: words,
      exclude_sellers: sellers,
      min_seller_feedback_percent: values.min_seller_feedback_percent.trim()
        ? Number(values.min_seller_feedback_percent.trim())
        : null,
      ending_within_hours: values.ending_within_hours.trim() ? Number(values.ending_within_hours.trim()) : null,
      notify_on: values.notify_on,
      delivery: values.delivery,
      digest_hour: digestHour,
    },
  };
}

/** The server's messages are fragments ("must be one of …"); make them sentences. */
export function serverMessage(message: string): string {
  const text = message.trim();
  if (!text) return 'Not accepted by the server.';
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
