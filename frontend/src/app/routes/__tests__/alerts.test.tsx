import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import { apiError, buildAlert, db, findHeading, renderApp, server } from '@/testing/test-utils';

function card(phrase: string) {
  const heading = screen.getByRole('heading', { level: 2, name: phrase });
  const article = heading.closest('article');
  if (!article) throw new Error(`no card for ${phrase}`);
  return within(article);
}

describe('the alerts list', () => {
  it('explains alerts and offers to create one when there are none', async () => {
    const { user, router } = renderApp('/');
    await findHeading('Your alerts');

    const empty = await screen.findByRole('region', { name: 'No alerts yet' });
    expect(empty).toHaveTextContent(/An alert is a saved eBay search/);
    await user.click(within(empty).getByRole('link', { name: 'Create your first alert' }));
    await findHeading('New alert');
    expect(router.state.location.pathname).toBe('/alerts/new');
  });

  it('shows each alert’s phrase, filters, frequency, status, last and next run', async () => {
    db.alerts = [
      buildAlert({
        search_phrase: 'lego 42100',
        min_price: '100.00',
        max_price: '450.00',
        currency: 'USD',
        condition: 'new',
        conditions: ['new'],
        buying_options: 'auction',
        target_price: '299.99',
        frequency_minutes: 10,
        last_run_at: new Date(Date.now() - 5 * 60_000).toISOString(),
        last_run_status: 'ok',
      }),
      buildAlert({
        search_phrase: 'nintendo switch oled',
        paused: true,
        frequency_minutes: 1440,
        last_run_at: new Date(Date.now() - 60 * 60_000).toISOString(),
        last_run_status: 'error',
        last_run_error: 'eBay answered 503',
      }),
      buildAlert({ search_phrase: 'leica m6', frequency_minutes: 2, effective_interval_minutes: 45 }),
    ];
    renderApp('/');

    await screen.findByRole('heading', { level: 2, name: 'lego 42100' });
    const lego = card('lego 42100');
    expect(lego.getByText('$100.00–$450.00 (USD)')).toBeInTheDocument();
    expect(lego.getByText('New')).toBeInTheDocument();
    expect(lego.getByText('Auction')).toBeInTheDocument();
    expect(lego.getByText('Target ≤ $299.99')).toBeInTheDocument();
    expect(lego.getByText('Every 10 minutes')).toBeInTheDocument();
    expect(lego.getByText('Active')).toBeInTheDocument();
    expect(lego.getByText(/New listings found/)).toHaveTextContent('New listings found 5 minutes ago');
    expect(lego.getByText(/in 12 minutes/)).toBeInTheDocument();

    const switchCard = card('nintendo switch oled');
    expect(switchCard.getByText('Paused')).toBeInTheDocument();
    expect(switchCard.getByText('Daily')).toBeInTheDocument();
    expect(switchCard.getByText(/Failed/)).toHaveTextContent('Failed 1 hour ago: eBay answered 503');
    expect(switchCard.getByText(/will not run until resumed/)).toBeInTheDocument();
    expect(switchCard.getByRole('button', { name: 'Resume “nintendo switch oled”' })).toBeInTheDocument();

    const leica = card('leica m6');
    expect(leica.getByText('Not run yet')).toBeInTheDocument();
    expect(leica.getByText('Every 2 minutes')).toBeInTheDocument();
    expect(leica.getByText(/Currently runs every 45 minutes to stay within the daily eBay budget/)).toBeInTheDocument();
    expect(leica.getByRole('link', { name: 'leica m6' })).toHaveAttribute('href', `/alerts/${db.alerts[2]!.id}`);
  });

  it('pages through many alerts', async () => {
    db.alerts = Array.from({ length: 45 }, (_, i) => buildAlert({ search_phrase: `search ${i + 1}` }));
    const { user, router } = renderApp('/');

    await screen.findByRole('heading', { level: 2, name: 'search 1' });
    expect(screen.getByText('Showing 1–20 of 45 alerts')).toBeInTheDocument();
    const pagination = screen.getByRole('navigation', { name: 'Pagination' });
    expect(within(pagination).getByText('Page 1 of 3')).toBeInTheDocument();

    await user.click(within(pagination).getByRole('link', { name: 'Next page' }));
    await screen.findByRole('heading', { level: 2, name: 'search 21' });
    expect(router.state.location.search).toBe('?page=2');
    expect(screen.queryByRole('heading', { level: 2, name: 'search 1' })).not.toBeInTheDocument();

    await user.click(screen.getByRole('link', { name: 'Next page' }));
    await screen.findByRole('heading', { level: 2, name: 'search 45' });
    expect(screen.getByText('Showing 41–45 of 45 alerts')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Next page' })).not.toBeInTheDocument();

    await user.click(screen.getByRole('link', { name: 'Previous page' }));
    await screen.findByRole('heading', { level: 2, name: 'search 21' });
  });

  it('runs an alert now and says what it found', async () => {
    db.alerts = [buildAlert({ search_phrase: 'lego 42100' })];
    db.runOutcome = { items_found: 12, new_items: 3, email_sent: true };
    const { user } = renderApp('/');

    await screen.findByRole('heading', { level: 2, name: 'lego 42100' });
    await user.click(screen.getByRole('button', { name: 'Run “lego 42100” now' }));

    const status = await card('lego 42100').findByText(/Found 12 listings/);
    expect(status).toHaveTextContent('Found 12 listings, 3 new. An email is on its way.');
    expect(status).toHaveAttribute('role', 'status');
    // The list is refreshed with the run's outcome.
    expect(await card('lego 42100').findByText(/New listings found/)).toBeInTheDocument();
  });

  it('says when a run found nothing new, and when it failed', async () => {
    db.alerts = [buildAlert({ search_phrase: 'lego 42100' })];
    db.runOutcome = { items_found: 4, new_items: 0, email_sent: false };
    const { user } = renderApp('/');
    await user.click(await screen.findByRole('button', { name: 'Run “lego 42100” now' }));
    expect(await screen.findByText('Found 4 listings, none new. No email sent.')).toBeInTheDocument();

    server.use(
      http.post('*/api/v1/alerts/:id/run', () => apiError(502, 'upstream_failed', 'eBay did not answer as expected: timeout')),
    );
    await user.click(screen.getByRole('button', { name: 'Run “lego 42100” now' }));
    expect(await screen.findByText('Run failed: eBay did not answer as expected: timeout')).toBeInTheDocument();
  });

  it('pauses and resumes an alert', async () => {
    db.alerts = [buildAlert({ search_phrase: 'lego 42100', paused: false })];
    const { user } = renderApp('/');

    await user.click(await screen.findByRole('button', { name: 'Pause “lego 42100”' }));
    expect(await card('lego 42100').findByText('Paused.')).toBeInTheDocument();
    expect(card('lego 42100').getByText('Paused', { selector: '.badge' })).toBeInTheDocument();
    expect(db.alerts[0]!.paused).toBe(true);

    await user.click(screen.getByRole('button', { name: 'Resume “lego 42100”' }));
    expect(await card('lego 42100').findByText('Resumed.')).toBeInTheDocument();
    expect(card('lego 42100').getByText('Active')).toBeInTheDocument();
    expect(db.alerts[0]!.paused).toBe(false);
  });

  it('deletes an alert only after confirmation', async () => {
    db.alerts = [buildAlert({ search_phrase: 'lego 42100' }), buildAlert({ search_phrase: 'leica m6' })];
    const { user } = renderApp('/');

    const deleteButton = await screen.findByRole('button', { name: 'Delete “lego 42100”' });
    await user.click(deleteButton);
    let dialog = screen.getByRole('alertdialog', { name: 'Delete this alert?' });
    expect(dialog).toHaveAccessibleDescription(/“lego 42100” will stop running/);
    // The harmless choice has the focus, and Escape backs out.
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(deleteButton).toHaveFocus();
    expect(db.alerts).toHaveLength(2);

    await user.click(deleteButton);
    dialog = screen.getByRole('alertdialog', { name: 'Delete this alert?' });
    // Tab stays inside the dialog.
    await user.tab();
    expect(within(dialog).getByRole('button', { name: 'Delete alert' })).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();

    await user.click(within(dialog).getByRole('button', { name: 'Delete alert' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(await screen.findByText('Deleted “lego 42100”.')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('heading', { level: 2, name: 'lego 42100' })).not.toBeInTheDocument());
    expect(screen.getByRole('heading', { level: 2, name: 'leica m6' })).toBeInTheDocument();
    expect(db.alerts.map((a) => a.search_phrase)).toEqual(['leica m6']);
  });

  it('keeps the dialog open with the reason when deleting fails', async () => {
    db.alerts = [buildAlert({ search_phrase: 'lego 42100' })];
    server.use(http.delete('*/api/v1/alerts/:id', () => HttpResponse.json({}, { status: 500 })));
    const { user } = renderApp('/');

    await user.click(await screen.findByRole('button', { name: 'Delete “lego 42100”' }));
    const dialog = screen.getByRole('alertdialog');
    await user.click(within(dialog).getByRole('button', { name: 'Delete alert' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(/Could not delete: Something went wrong on our side/);
  });

  it('offers a retry when the server fails, and recovers', async () => {
    let fail = true;
    server.use(
      http.get('*/api/v1/alerts', () => (fail ? HttpResponse.json({ error: { code: 'internal', message: 'x' } }, { status: 503 }) : undefined)),
    );
    db.alerts = [buildAlert({ search_phrase: 'lego 42100' })];
    const { user } = renderApp('/');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load your alerts');
    expect(alert).toHaveTextContent('Something went wrong on our side');
    fail = false;
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { level: 2, name: 'lego 42100' })).toBeInTheDocument();
  });

  it('says so when the server cannot be reached', async () => {
    server.use(http.get('*/api/v1/alerts', () => HttpResponse.error()));
    renderApp('/');
    expect(await screen.findByRole('alert')).toHaveTextContent('Can’t reach the server');
  });
});
