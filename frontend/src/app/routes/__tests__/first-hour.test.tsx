import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { buildAlert, buildInsights, buildItem, db, findHeading, renderApp } from '@/testing/test-utils';

function section(name: string) {
  return within(screen.getByRole('region', { name }));
}

const secondsFromNow = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe('pages that say true things', () => {
  it('never shows a past run or sighting as in the future when the server’s clock is ahead', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100', last_run_at: secondsFromNow(3), last_run_status: 'ok' });
    db.alerts = [alert];
    db.items[alert.id] = [buildItem({ title: 'LEGO 42100 boxed', first_seen_at: secondsFromNow(3) })];
    renderApp(`/alerts/${alert.id}`);

    await findHeading('lego 42100');
    expect(await screen.findByText(/First seen/)).toHaveTextContent('First seen just now');
    expect(screen.getByText(/New listings found/)).toHaveTextContent('New listings found just now');
    expect(screen.queryByText(/in a moment/)).not.toBeInTheDocument();
  });

  it('says "Not enough data yet" once', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    db.insights[alert.id] = buildInsights(alert.id, { enough: false });
    renderApp(`/alerts/${alert.id}`);
    await findHeading('lego 42100');
    const history = section('Price history, last 14 days');
    await history.findByText('Not enough data yet');
    expect(history.getAllByText(/not enough data yet/i)).toHaveLength(1);
    expect(history.getByText(/^1 day with observations/)).toBeInTheDocument();
  });

  it('tells phone users the numbers table scrolls sideways', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    db.insights[alert.id] = buildInsights(alert.id, { enough: true });
    renderApp(`/alerts/${alert.id}`);
    const table = await screen.findByRole('region', { name: 'Daily asking prices' });
    expect(table).toHaveAccessibleDescription('Swipe the table sideways to see every column.');
    // Focusable, so keyboard users can scroll it too.
    expect(table).toHaveAttribute('tabindex', '0');
  });

  it('counts alerts the same way whether there is one or several on the page', async () => {
    db.alerts = [buildAlert({ search_phrase: 'a' }), buildAlert({ search_phrase: 'b' }), buildAlert({ search_phrase: 'c' })];
    renderApp('/');
    await findHeading('Your alerts');
    expect(await screen.findByText('3 alerts')).toBeInTheDocument();
    expect(screen.queryByText(/Showing/)).not.toBeInTheDocument();
  });

  it('says in the form that Buy It Now leaves auctions out', async () => {
    const { user } = renderApp('/alerts/new');
    await findHeading('New alert');
    const format = screen.getByLabelText('Buying format');
    expect(format).toHaveValue('fixed_price');
    expect(format).toHaveAccessibleDescription(/auctions are left out/);
    await user.selectOptions(format, 'any');
    expect(format).toHaveAccessibleDescription('Fixed-price listings and auctions.');
  });

  it('shows when "Run now" is throttled and rests the button until Retry-After', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    db.runRetryAfter = 42;
    const { user } = renderApp(`/alerts/${alert.id}`);
    const run = await screen.findByRole('button', { name: 'Run “lego 42100” now' });
    await user.click(run);
    expect(await screen.findByText(/Try again in 42 seconds\./)).toHaveTextContent(/limited to a few runs a minute per alert/);
    expect(run).toBeDisabled();
  });

  it('a first run that finds nothing says what to change', async () => {
    const alert = buildAlert({
      search_phrase: 'lego 42100',
      min_price: '100.00',
      max_price: '150.00',
      condition: 'new',
      conditions: ['new'],
      buying_options: 'fixed_price',
      last_run_at: secondsFromNow(-60),
      last_run_status: 'no_new_listings',
    });
    db.alerts = [alert];
    renderApp(`/alerts/${alert.id}`);
    const listings = await screen.findByRole('region', { name: 'Recent listings' });
    const notice = within(listings);
    expect(await notice.findByText('The last run found no listings')).toBeInTheDocument();
    expect(notice.getByText('Widen the price range (now from $100.00 up to $150.00) or remove it.')).toBeInTheDocument();
    expect(notice.getByText('Allow more conditions (now New only).')).toBeInTheDocument();
    expect(notice.getByText('Include every buying format (now Buy It Now only).')).toBeInTheDocument();
    expect(notice.getByRole('link', { name: 'Edit the filters' })).toHaveAttribute('href', `/alerts/${alert.id}/edit`);
  });
});
