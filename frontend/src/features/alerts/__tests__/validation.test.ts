import { describe, expect, it } from 'vitest';

import { checkPhrase, checkPrice, EMPTY_ALERT_FORM, serverMessage, validateAlertForm } from '../validation';

describe('alert form rules (the server’s, checked before sending)', () => {
  it.each([
    ['', 'Enter what to search for.'],
    ['   ', 'Enter what to search for.'],
    ['x'.repeat(201), 'Use at most 200 characters.'],
    ['lego\r\nBcc: a@b.c', 'Remove line breaks, tabs and other control characters.'],
    ['tab\there', 'Remove line breaks, tabs and other control characters.'],
  ])('rejects the phrase %j', (phrase, message) => {
    expect(checkPhrase(phrase)).toBe(message);
  });

  it.each(['lego 42100', '  padded  ', 'é'.repeat(200), 'x'.repeat(200)])('accepts the phrase %j', (phrase) => {
    expect(checkPhrase(phrase)).toBeUndefined();
  });

  it.each([
    ['12.5', 12.5],
    [' 0 ', 0],
    ['19.99', 19.99],
    ['100.000', 100],
    ['.5', 0.5],
    ['999999999.99', 999999999.99],
  ])('accepts the price %j', (price, value) => {
    expect(checkPrice(price)).toEqual({ value });
  });

  it.each([
    ['-1', 'Must not be negative.'],
    ['1.234', 'Use at most two decimal places.'],
    ['abc', 'Enter an amount like 12.50.'],
    ['1e3', 'Enter an amount like 12.50.'],
    ['1,50', 'Enter an amount like 12.50.'],
    ['1000000000', 'Must be below 1,000,000,000.'],
  ])('rejects the price %j', (price, error) => {
    expect(checkPrice(price)).toEqual({ error });
  });

  it('treats an empty price as no bound', () => {
    expect(checkPrice('  ')).toEqual({});
  });

  it('builds the request body with trimmed text, upper-case currency and null for empty prices', () => {
    const { errors, input } = validateAlertForm({
      ...EMPTY_ALERT_FORM,
      search_phrase: '  lego 42100 ',
      frequency_minutes: '1440',
      max_price: ' 450 ',
      currency: 'eur',
    });
    expect(errors).toEqual({});
    expect(input).toEqual({
      search_phrase: 'lego 42100',
      frequency_minutes: 1440,
      min_price: null,
      max_price: '450',
      target_price: null,
      currency: 'EUR',
      conditions: ['new', 'open_box', 'refurbished', 'used'],
      buying_options: 'fixed_price',
      price_basis: 'with_shipping',
      exclude_words: [],
      exclude_sellers: [],
      min_seller_feedback_percent: null,
      ending_within_hours: null,
      notify_on: 'new_listings',
      delivery: 'immediate',
      digest_hour: 8,
    });
  });

  it('reports every bad field at once, like the server', () => {
    const { errors, input } = validateAlertForm({
      ...EMPTY_ALERT_FORM,
      frequency_minutes: '5',
      min_price: '10',
      max_price: '5',
      currency: 'US',
    });
    expect(input).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual(['currency', 'frequency_minutes', 'min_price', 'search_phrase']);
  });

  it('accepts equal minimum and maximum prices', () => {
    expect(validateAlertForm({ ...EMPTY_ALERT_FORM, search_phrase: 'x', min_price: '5', max_price: '5.00' }).errors).toEqual({});
  });

  it('turns the server’s fragments into sentences', () => {
    expect(serverMessage('must be one of 2, 10, 30, 60, 1440')).toBe('Must be one of 2, 10, 30, 60, 1440.');
    expect(serverMessage('Already done.')).toBe('Already done.');
  });

  it('sends the delivery choice and checks the digest hour', () => {
    const base = { ...EMPTY_ALERT_FORM, search_phrase: 'lego 42100' };
    expect(validateAlertForm({ ...base, delivery: 'digest', digest_hour: '19' }).input).toMatchObject({
      delivery: 'digest',
      digest_hour: 19,
    });
    for (const bad of ['24', '-1', '7.5', '']) {
      expect(validateAlertForm({ ...base, digest_hour: bad }).errors.digest_hour).toBe('Choose an hour from 0 to 23.');
    }
  });
});
