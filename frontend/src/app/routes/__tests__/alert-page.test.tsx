import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import { apiError, buildAlert, buildInsights, buildItem, db, findHeading, renderApp, server } from '@/testing/test-utils';

function section(name: string) {
  return within(screen.getByRole('region', { name }));
}

describe('the alert page', () => {
  it('charts two weeks of prices with the summary when there is enough data', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    db.insights[alert.id] = buildInsights(alert.id, { enough: true });
    renderApp(`/alerts/${alert.id}`);

    await findHeading('lego 42100');
    const history = section('Price history, last 14 days');
    const chart = await history.findByRole('img', { name: /Daily asking prices/ });
    expect(chart).toHaveAccessibleName(/Median asking price from \$400\.00 on Nov 8 to \$361\.00 on Nov 21/);
    expect(chart.querySelector('.chart__median')).not.toBeNull();
    expect(chart.querySelector('.chart__range')).not.toBeNull();
    expect(chart.querySelectorAll('.chart__point')).toHaveLength(14);
    // The same numbers as a table.
    expect(history.getAllByRole('row')).toHaveLength(15);

    expect(history.getByText('Down 5.4%')).toBeInTheDocument();
    expect(history.getByText(/first week against second week \(\$391\.00 → \$370\.00\)/)).toBeInTheDocument();
    expect(history.getByText('12 new listings in the last 14 days.')).toBeInTheDocument();
    const lowest = within(history.getByRole('region', { name: 'Lowest seen' }));
    expect(lowest.getByText('$321.00')).toBeInTheDocument();
    expect(lowest.getByRole('link', { name: /LEGO 42100 sealed box/ })).toHaveAttribute('href', 'https://www.ebay.com/itm/111');
    const deals = within(history.getByRole('region', { name: 'Good deals now' }));
    expect(deals.getByRole('link', { name: /LEGO Technic 42100 new/ })).toHaveAttribute('rel', 'noopener noreferrer');
    const drops = within(history.getByRole('region', { name: 'Biggest price drops' }));
    expect(drops.getByText(/\(−14\.3%\)/)).toBeInTheDocument();
  });

  it('compares like with like: names the segment, badges real deals and links the CSV exports', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    db.insights[alert.id] = buildInsights(alert.id, { enough: true });
    renderApp(`/alerts/${alert.id}`);

    await findHeading('lego 42100');
    const history = section('Price history, last 14 days');
    expect(await history.findByText(/fell 5\.4 %: 391\.00 for Nov 8–Nov 14/)).toBeInTheDocument();
    const deals = within(history.getByRole('region', { name: 'Good deals now' }));
    expect(deals.getByText('Lowest in 30 days')).toBeInTheDocument();
    const kinds = within(history.getByRole('region', { name: 'By kind of listing' }));
    expect(kinds.getByText('For parts or not working, fixed price')).toBeInTheDocument();
    expect(kinds.getByText(/not compared with working single items/)).toBeInTheDocument();
    expect(history.getByRole('link', { name: 'price history (CSV)' })).toHaveAttribute(
      'href',
      `/api/v1/alerts/${alert.id}/insights.csv?days=14`,
    );
    expect(history.getByRole('link', { name: 'listings seen (CSV)' })).toHaveAttribute(
      'href',
      `/api/v1/alerts/${alert.id}/listings.csv?days=14`,
    );
  });

  it('says "none this week" rather than calling the cheapest listing a deal', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    const report = buildInsights(alert.id, { enough: true });
    db.insights[alert.id] = { ...report, summary: { ...report.summary, good_deals: [] } };
    renderApp(`/alerts/${alert.id}`);

    await findHeading('lego 42100');
    const history = section('Price history, last 14 days');
    const deals = within(await history.findByRole('region', { name: 'Good deals now' }));
    expect(deals.getByText(/None this week/)).toBeInTheDocument();
  });

  it('says honestly when there is not enough data yet', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    db.insights[alert.id] = buildInsights(alert.id, { enough: false });
    renderApp(`/alerts/${alert.id}`);

    await findHeading('lego 42100');
    const history = section('Price history, last 14 days');
    expect(await history.findByText('Not enough data yet')).toBeInTheDocument();
    expect(history.getByText(/insights need at least 3/)).toBeInTheDocument();
    expect(history.queryByRole('img')).not.toBeInTheDocument();
  });

  it('treats a missing report (404) as no data yet', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    server.use(http.get('*/api/v1/alerts/:id/insights', () => apiError(404, 'not_found', 'No report for this alert.')));
    renderApp(`/alerts/${alert.id}`);
    await findHeading('lego 42100');
    const history = section('Price history, last 14 days');
    expect(await history.findByText('Not enough data yet')).toBeInTheDocument();
    expect(history.getByText(/No price history yet/)).toBeInTheDocument();
  });

  it('explains when price history is unavailable and retries', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    let down = true;
    server.use(
      http.get('*/api/v1/alerts/:id/insights', () => (down ? apiError(502, 'analytics_unavailable', 'upstream') : undefined)),
    );
    const { user } = renderApp(`/alerts/${alert.id}`);

    await findHeading('lego 42100');
    const history = section('Price history, last 14 days');
    const problem = await history.findByRole('alert');
    expect(problem).toHaveTextContent('Price history is unavailable right now');
    down = false;
    await user.click(within(problem).getByRole('button', { name: 'Try again' }));
    expect(await history.findByText('Not enough data yet')).toBeInTheDocument();
  });

  it('lists recent listings with price, change and first seen, linking to eBay in a new tab', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    db.items[alert.id] = [
      buildItem({ item_id: 'v1|1|0', title: 'LEGO 42100 complete', price: '350.00', previous_price: '400.00', change_pct: '-12.5', first_seen_at: new Date(Date.now() - 3 * 3_600_000).toISOString() }),
      buildItem({
        item_id: 'v1|2|0',
        title: 'Liebherr 42100 used',
        price: '289.00',
        image_url: 'https://i.ebayimg.com/2.jpg',
        deal: { kind: 'below_typical', percent_below_typical: '18.5' },
      }),
    ];
    renderApp(`/alerts/${alert.id}`);

    const listings = within(await screen.findByRole('list', { name: 'Recent listings' }));
    expect(listings.getByText('18.5% below typical')).toBeInTheDocument();
    expect(listings.getAllByText(/below typical|Lowest in 30 days/)).toHaveLength(1);
    const first = listings.getByRole('link', { name: /LEGO 42100 complete/ });
    expect(first).toHaveAttribute('href', 'https://www.ebay.com/itm/v1%7C1%7C0');
    expect(first).toHaveAttribute('target', '_blank');
    expect(first).toHaveAttribute('rel', 'noopener noreferrer');
    expect(listings.getByText('$350.00 + shipping unknown')).toBeInTheDocument();
    expect(listings.getByText('−12.5%')).toBeInTheDocument();
    expect(listings.getByText('(was $400.00)')).toBeInTheDocument();
    expect(listings.getAllByText(/First seen/)[0]).toHaveTextContent('First seen 3 hours ago');
    expect(listings.getByText('$289.00 + shipping unknown')).toBeInTheDocument();
  });

  it('shows the ten most recent listings first and the rest on request', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    db.items[alert.id] = Array.from({ length: 12 }, (_, i) => buildItem({ item_id: `v1|${i}|0`, title: `Listing ${i + 1}` }));
    const { user } = renderApp(`/alerts/${alert.id}`);

    const list = await screen.findByRole('list', { name: 'Recent listings' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(10);
    await user.click(screen.getByRole('button', { name: 'Show all 12 listings' }));
    expect(within(list).getAllByRole('listitem')).toHaveLength(12);
    expect(screen.queryByRole('button', { name: /Show all/ })).not.toBeInTheDocument();
  });

  it('reads listings in alerts-service’s SeenListing shape (last_price, no change_pct)', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    server.use(
      http.get('*/api/v1/alerts/:id/items', () =>
        HttpResponse.json({
          items: [
            {
              item_id: 'v1|9|0',
              title: 'LEGO 42100 price cut',
              item_url: 'https://www.ebay.com/itm/9',
              image_url: null,
              condition: 'Used',
              currency: 'USD',
              first_price: '400.00',
              previous_price: '400.00',
              last_price: '300.00',
              first_seen_at: new Date(Date.now() - 86_400_000).toISOString(),
              last_seen_at: new Date().toISOString(),
              last_notified_at: null,
            },
          ],
        }),
      ),
    );
    renderApp(`/alerts/${alert.id}`);
    const listings = within(await screen.findByRole('list', { name: 'Recent listings' }));
    expect(listings.getByText('$300.00 + shipping unknown')).toBeInTheDocument();
    expect(listings.getByText('−25%')).toBeInTheDocument();
    expect(listings.getByText('(was $400.00)')).toBeInTheDocument();
  });

  it('says when there are no listings yet, also before the server has the endpoint', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    server.use(http.get('*/api/v1/alerts/:id/items', () => apiError(404, 'not_found', 'No route.')));
    renderApp(`/alerts/${alert.id}`);
    expect(await screen.findByText(/No listings yet/)).toBeInTheDocument();
  });

  it('runs the alert from its page and refreshes its listings', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    const { user } = renderApp(`/alerts/${alert.id}`);
    expect(await screen.findByText(/No listings yet/)).toBeInTheDocument();

    db.items[alert.id] = [buildItem({ title: 'LEGO 42100 boxed' })];
    await user.click(screen.getByRole('button', { name: 'Run “lego 42100” now' }));
    expect(await screen.findByText('Found 12 listings, 3 new. An email is on its way.')).toBeInTheDocument();
    expect(await screen.findByRole('link', { name: /LEGO 42100 boxed/ })).toBeInTheDocument();
  });

  it('goes back to the list after deleting the alert', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    const { user, router } = renderApp(`/alerts/${alert.id}`);

    await user.click(await screen.findByRole('button', { name: 'Delete “lego 42100”' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete alert' }));
    await findHeading('Your alerts');
    await waitFor(() => expect(router.state.location.pathname).toBe('/'));
    expect(await screen.findByRole('region', { name: 'No alerts yet' })).toBeInTheDocument();
  });

  it('links to the edit form', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    const { user } = renderApp(`/alerts/${alert.id}`);
    await user.click(await screen.findByRole('link', { name: 'Edit “lego 42100”' }));
    await findHeading('Edit alert');
  });

  it('says so when the alert is not there', async () => {
    server.use(http.get('*/api/v1/alerts/:id', () => HttpResponse.json({ error: { code: 'not_found', message: 'No such alert.' } }, { status: 404 })));
    renderApp('/alerts/00000000-0000-0000-0000-000000000000');
    await findHeading('Alert not found');
    expect(screen.getByRole('link', { name: 'Back to your alerts' })).toHaveAttribute('href', '/');
  });
});
