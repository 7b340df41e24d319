/**
 * The alert form's rules, the same as the server's (alerts-service `domain/`), so most mistakes
 * are caught before a round trip. The server still has the final word: its 422 field errors are
 * shown in the same places.
 */
import { FREQUENCIES, type Alert, type AlertInput, type BuyingOptions, type Condition } from '@/lib/api-models';

export const PHRASE_MAX_CHARS = 200;
const PRICE_LIMIT = 1_000_000_000;

export interface AlertFormValues {
  search_phrase: string;
  frequency_minutes: string;
  min_price: string;
  max_price: string;
  currency: string;
  condition: Condition;
  buying_options: BuyingOptions;
  target_price: string;
}

export type AlertField = keyof AlertFormValues;
export type AlertFormErrors = Partial<Record<AlertField, string>>;

export const ALERT_FIELDS: readonly AlertField[] = [
  'search_phrase',
  'frequency_minutes',
  'min_price',
  'max_price',
  'currency',
  'condition',
  'buying_options',
  'target_price',
];

export const EMPTY_ALERT_FORM: AlertFormValues = {
  search_phrase: '',
  frequency_minutes: '30',
  min_price: '',
  max_price: '',
  currency: 'USD',
  condition: 'any',
  buying_options: 'fixed_price',
  target_price: '',
};

export function formValuesFromAlert(alert: Alert): AlertFormValues {
  return {
    search_phrase: alert.search_phrase,
    frequency_minutes: String(alert.frequency_minutes),
    min_price: alert.min_price ?? '',
    max_price: alert.max_price ?? '',
    currency: alert.currency,
    condition: (['any', 'new', 'used'].includes(alert.condition) ? alert.condition : 'any') as Condition,
    buying_options: (['fixed_price', 'auction', 'any'].includes(alert.buying_options)
      ? alert.buying_options
      : 'fixed_price') as BuyingOptions,
    target_price: alert.target_price ?? '',
  };
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
  return /^[A-Za-z]{3}$/.test(value.trim()) ? undefined : 'Enter a three-letter currency code such as USD or EUR.';
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

  const currencyError = checkCurrency(values.currency);
  if (currencyError) errors.currency = currencyError;

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
      condition: values.condition,
      buying_options: values.buying_options,
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
