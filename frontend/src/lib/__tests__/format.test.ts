import { describe, expect, it } from 'vitest';

import {
  formatAgo,
  formatFrequency,
  formatHidden,
  formatInterval,
  formatMoney,
  formatPercent,
  formatPriceWithShipping,
  formatRelative,
  formatTimeLeft,
} from '../format';

describe('formatting', () => {
  it.each([
    [2, 'every 2 minutes'],
    [10, 'every 10 minutes'],
    [30, 'every 30 minutes'],
    [60, 'every hour'],
    [1440, 'daily'],
    [45, 'every 45 minutes'],
    [180, 'every 3 hours'],
    [2880, 'every 2 days'],
  ])('shows %i minutes as “%s”', (minutes, text) => {
    expect(formatFrequency(minutes)).toBe(text);
  });

  it('writes intervals in the largest whole unit', () => {
    expect(formatInterval(1)).toBe('every minute');
    expect(formatInterval(60)).toBe('every hour');
    expect(formatInterval(1440)).toBe('every day');
  });

  it('formats decimal-string prices in their currency', () => {
    expect(formatMoney('12.5', 'USD')).toBe('$12.50');
    expect(formatMoney('1234.56', 'EUR')).toBe('€1,234.56');
    expect(formatMoney('3', 'XYZ')).toMatch(/XYZ/);
    expect(formatMoney(null, 'USD')).toBe('—');
  });

  it('signs percentages', () => {
    expect(formatPercent('-5.4')).toBe('−5.4%');
    expect(formatPercent('12')).toBe('+12%');
    expect(formatPercent('0')).toBe('0%');
  });

  it('says how long ago or until', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    expect(formatRelative('2026-11-21T09:55:00Z', now)).toBe('5 minutes ago');
    expect(formatRelative('2026-11-21T12:00:00Z', now)).toBe('in 2 hours');
    expect(formatRelative('2026-11-20T10:00:00Z', now)).toBe('yesterday');
    expect(formatRelative('2026-11-21T10:00:10Z', now)).toBe('in a moment');
    expect(formatRelative(null, now)).toBe('—');
  });
  it('never describes a past event as future, whatever the clocks say', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    // The server stamped the run a little after the browser's "now".
    expect(formatAgo('2026-11-21T10:00:02Z', now)).toBe('just now');
    expect(formatAgo('2026-11-21T11:00:00Z', now)).toBe('just now');
    expect(formatAgo('2026-11-21T09:57:00Z', now)).toBe('3 minutes ago');
    expect(formatAgo(null, now)).toBe('—');
    expect(formatAgo('not a date', now)).toBe('not a date');
  });
});

describe('listing formats (the same as alert emails)', () => {
  it('writes money as the emails do', () => {
    expect(formatMoney('1234.5', 'USD')).toBe('$1,234.50');
    expect(formatMoney('1234.5', 'JPY')).toBe('¥1,235');
    expect(formatMoney('12.5', 'CHF')).toBe('CHF\u00a012.50');
    expect(formatMoney('100', 'CAD')).toBe('CA$100.00');
  });

  it('never shows unknown shipping as free', () => {
    expect(formatPriceWithShipping('89', '12.5', 'USD')).toBe('$89.00 + $12.50 shipping');
    expect(formatPriceWithShipping('89', '0', 'USD')).toBe('$89.00, free shipping');
    expect(formatPriceWithShipping('89', null, 'USD')).toBe('$89.00 + shipping unknown');
  });

  it('says what a run hid and why', () => {
    expect(formatHidden({ total: 12, for_parts: 8, excluded_words: 3, seller: 1 })).toBe(
      '12 hidden: 8 for parts, 3 excluded words, 1 seller',
    );
    expect(formatHidden({ total: 0 })).toBeUndefined();
    expect(formatHidden(null)).toBeUndefined();
  });

  it('says how long an auction has left', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    expect(formatTimeLeft('2026-11-21T13:20:00Z', now)).toBe('ends in 3h 20m');
    expect(formatTimeLeft('2026-11-23T12:00:00Z', now)).toBe('ends in 2d 2h');
    expect(formatTimeLeft('2026-11-21T09:00:00Z', now)).toBe('ended');
  });
});
