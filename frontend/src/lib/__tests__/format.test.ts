import { describe, expect, it } from 'vitest';

import { formatAgo, formatFrequency, formatInterval, formatMoney, formatPercent, formatRelative } from '../format';

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
