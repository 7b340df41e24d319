import { screen, waitFor, within } from '@testing-library/react';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';

import { apiError, buildAlert, db, findHeading, renderApp, server } from '@/testing/test-utils';

describe('creating an alert', () => {
  it('chooses a daily digest and its hour', async () => {
    const { user } = renderApp('/alerts/new');
    await findHeading('New alert');
    expect(screen.getByLabelText('Send notifications')).toHaveValue('immediate');
    expect(screen.queryByLabelText('Digest at')).not.toBeInTheDocument();

    await user.type(screen.getByLabelText('Search phrase'), 'switch oled');
    await user.selectOptions(screen.getByLabelText('Send notifications'), 'One digest a day');
    expect(screen.getByLabelText('Digest at')).toHaveValue('8');
    await user.selectOptions(screen.getByLabelText('Digest at'), '19:00');
    await user.click(screen.getByRole('button', { name: 'Create alert' }));

    await findHeading('switch oled');
    expect(db.alerts[0]).toMatchObject({ delivery: 'digest', digest_hour: 19 });
  });

  it('sends the trimmed values with the server’s defaults and opens the new alert', async () => {
    const { user, router } = renderApp('/alerts/new');
    await findHeading('New alert');

    expect(screen.getByLabelText('Currency')).toHaveValue('USD');
    expect(screen.getByLabelText('Buying format')).toHaveValue('fixed_price');
    expect(screen.getByRole('checkbox', { name: 'For parts or not working' })).not.toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'Used' })).toBeChecked();
    expect(within(screen.getByLabelText('How often to search')).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Every 2 minutes',
      'Every 10 minutes',
      'Every 30 minutes',
      'Every hour',
      'Daily',
    ]);

    await user.type(screen.getByLabelText('Search phrase'), '  lego 42100  ');
    await user.selectOptions(screen.getByLabelText('How often to search'), 'Every 10 minutes');
    await user.type(screen.getByLabelText('Minimum price'), '100');
    await user.type(screen.getByLabelText('Maximum price'), '450.5');
    await user.type(screen.getByLabelText('Target price (optional)'), '299.99');
    for (const name of ['Open box', 'Refurbished', 'Used']) await user.click(screen.getByRole('checkbox', { name }));
    await user.selectOptions(screen.getByLabelText('Compare prices as'), 'Item price only');
    await user.type(screen.getByLabelText('Words or phrases in the title'), 'lot{Enter}for parts');
    await user.type(screen.getByLabelText('Sellers'), 'junk_dealer, cheapo');
    await user.type(screen.getByLabelText('Minimum seller feedback (%)'), '98.5');
    await user.click(screen.getByRole('button', { name: 'Create alert' }));

    await findHeading('lego 42100');
    const created = db.alerts[0]!;
    expect(router.state.location.pathname).toBe(`/alerts/${created.id}`);
    expect(created).toMatchObject({
      search_phrase: 'lego 42100',
      frequency_minutes: 10,
      min_price: '100',
      max_price: '450.5',
      target_price: '299.99',
      currency: 'USD',
      conditions: ['new'],
      buying_options: 'fixed_price',
      price_basis: 'item',
      exclude_words: ['lot', 'for parts'],
      exclude_sellers: ['junk_dealer', 'cheapo'],
      min_seller_feedback_percent: 98.5,
      ending_within_hours: null,
      notify_on: 'new_listings',
    });
    expect(screen.getByText('Alert created. Its first search runs right away.')).toBeInTheDocument();
  });

  it('checks the fields with the server’s rules before sending', async () => {
    const { user } = renderApp('/alerts/new');
    await findHeading('New alert');
    const requests: unknown[] = [];
    server.events.on('request:start', ({ request }) => {
      if (request.method === 'POST') requests.push(request.url);
    });

    await user.type(screen.getByLabelText('Search phrase'), '   ');
    await user.type(screen.getByLabelText('Minimum price'), '500');
    await user.type(screen.getByLabelText('Maximum price'), '100');
    await user.type(screen.getByLabelText('Target price (optional)'), '9.999');
    await user.clear(screen.getByLabelText('Currency'));
    await user.type(screen.getByLabelText('Currency'), 'U$');
    await user.click(screen.getByRole('button', { name: 'Create alert' }));

    expect(screen.getByText('4 fields need your attention before saving.')).toBeInTheDocument();
    expect(screen.getByLabelText('Search phrase')).toHaveAccessibleDescription(/Enter what to search for\./);
    expect(screen.getByLabelText('Search phrase')).toHaveFocus();
    expect(screen.getByLabelText('Minimum price')).toHaveAccessibleDescription('Must not be more than the maximum price.');
    expect(screen.getByLabelText('Target price (optional)')).toHaveAccessibleDescription(/Use at most two decimal places\./);
    expect(screen.getByLabelText('Currency')).toHaveAccessibleDescription(/three-letter currency code/);
    expect(requests).toEqual([]);

    // Fixing a field clears its message.
    await user.type(screen.getByLabelText('Search phrase'), 'tab\there');
    expect(screen.getByLabelText('Search phrase')).not.toHaveAccessibleDescription(/Enter what to search for/);
    await user.click(screen.getByRole('button', { name: 'Create alert' }));
    expect(screen.getByLabelText('Search phrase')).toHaveAccessibleDescription(/control characters/);
  });

  it('puts the server’s field errors next to the fields', async () => {
    server.use(
      http.post('*/api/v1/alerts', () =>
        apiError(422, 'validation_failed', 'Some fields are not valid.', [
          { field: 'search_phrase', message: 'is already one of your alerts' },
          { field: 'frequency_minutes', message: 'must be one of 2, 10, 30, 60, 1440' },
        ]),
      ),
    );
    const { user, router } = renderApp('/alerts/new');
    await findHeading('New alert');

    await user.type(screen.getByLabelText('Search phrase'), 'lego 42100');
    await user.click(screen.getByRole('button', { name: 'Create alert' }));

    expect(await screen.findByText('2 fields need your attention before saving.')).toBeInTheDocument();
    expect(screen.getByLabelText('Search phrase')).toHaveAccessibleDescription(/Is already one of your alerts\./);
    expect(screen.getByLabelText('How often to search')).toHaveAccessibleDescription('Must be one of 2, 10, 30, 60, 1440.');
    expect(screen.getByLabelText('Search phrase')).toHaveFocus();
    expect(router.state.location.pathname).toBe('/alerts/new');
  });

  it('shows problems the form cannot place, and server faults, above the form', async () => {
    server.use(
      http.post('*/api/v1/alerts', () =>
        apiError(422, 'validation_failed', 'Some fields are not valid.', [{ field: 'body', message: 'must be a JSON object' }]),
      ),
    );
    const { user } = renderApp('/alerts/new');
    await findHeading('New alert');
    await user.type(screen.getByLabelText('Search phrase'), 'lego');
    await user.click(screen.getByRole('button', { name: 'Create alert' }));
    expect(await screen.findByText('Some fields are not valid. body: must be a JSON object')).toBeInTheDocument();

    server.use(http.post('*/api/v1/alerts', () => apiError(500, 'internal', 'boom')));
    await user.click(screen.getByRole('button', { name: 'Create alert' }));
    expect(await screen.findByText(/Something went wrong on our side/)).toBeInTheDocument();
  });
});

describe('the precise fields', () => {
  it('say what is wrong with each, next to it, and send nothing', async () => {
    const { user } = renderApp('/alerts/new');
    await findHeading('New alert');
    const requests: unknown[] = [];
    server.events.on('request:start', ({ request }) => {
      if (request.method === 'POST') requests.push(request.url);
    });

    await user.type(screen.getByLabelText('Search phrase'), 'switch oled');
    await user.type(screen.getByLabelText('Maximum price'), '300');
    await user.type(screen.getByLabelText('Target price (optional)'), '350');
    await user.clear(screen.getByLabelText('Currency'));
    await user.type(screen.getByLabelText('Currency'), 'XYZ');
    for (const name of ['New', 'Open box', 'Refurbished', 'Used']) await user.click(screen.getByRole('checkbox', { name }));
    await user.type(screen.getByLabelText('Words or phrases in the title'), 'x'.repeat(51));
    await user.type(screen.getByLabelText('Sellers'), 'bad|name');
    await user.type(screen.getByLabelText('Minimum seller feedback (%)'), '101');
    await user.click(screen.getByRole('button', { name: 'Create alert' }));

    expect(screen.getByText('6 fields need your attention before saving.')).toBeInTheDocument();
    expect(screen.getByLabelText('Target price (optional)')).toHaveAccessibleDescription(/Must not be more than the maximum price/);
    expect(screen.getByLabelText('Currency')).toHaveAccessibleDescription(/XYZ is not a currency code/);
    expect(screen.getByText('Choose at least one condition.')).toBeInTheDocument();
    expect(screen.getByLabelText('Words or phrases in the title')).toHaveAccessibleDescription(/longer than 50 characters/);
    expect(screen.getByLabelText('Sellers')).toHaveAccessibleDescription(/“bad\|name” is not an eBay user name/);
    expect(screen.getByLabelText('Minimum seller feedback (%)')).toHaveAccessibleDescription(/from 0 to 100/);
    expect(requests).toEqual([]);
  });

  it('offer the auction window only with auctions, and explain deals only honestly', async () => {
    const { user } = renderApp('/alerts/new');
    await findHeading('New alert');
    expect(screen.queryByLabelText('Auctions ending within (hours, optional)')).not.toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Buying format'), 'Buy It Now or auction');
    await user.type(screen.getByLabelText('Auctions ending within (hours, optional)'), '80');
    await user.selectOptions(screen.getByLabelText('Email me about'), 'Deals only');
    expect(screen.getByLabelText('Email me about')).toHaveAccessibleDescription(/Deal verdicts are not computed yet/);
    await user.type(screen.getByLabelText('Search phrase'), 'switch');
    await user.click(screen.getByRole('button', { name: 'Create alert' }));
    expect(screen.getByLabelText('Auctions ending within (hours, optional)')).toHaveAccessibleDescription(
      /whole hours from 1 to 72/,
    );
  });

  it('puts the server’s 422 for a new field next to that field', async () => {
    server.use(
      http.post('*/api/v1/alerts', () =>
        apiError(422, 'validation_failed', 'Some fields are not valid.', [
          { field: 'exclude_sellers', message: 'must be eBay user names' },
        ]),
      ),
    );
    const { user } = renderApp('/alerts/new');
    await findHeading('New alert');
    await user.type(screen.getByLabelText('Search phrase'), 'lego');
    await user.click(screen.getByRole('button', { name: 'Create alert' }));
    await waitFor(() => expect(screen.getByLabelText('Sellers')).toHaveAccessibleDescription(/Must be eBay user names\./));
  });
});

describe('editing an alert', () => {
  it('starts from the saved values and sends the changes, clearing emptied prices', async () => {
    const alert = buildAlert({
      search_phrase: 'leica m6',
      frequency_minutes: 60,
      min_price: '900.00',
      max_price: '2500.00',
      currency: 'EUR',
      conditions: ['used'],
      buying_options: 'any',
      ending_within_hours: 6,
    });
    db.alerts = [alert];
    const { user, router } = renderApp(`/alerts/${alert.id}/edit`);
    await findHeading('Edit alert');

    expect(screen.getByLabelText('Search phrase')).toHaveValue('leica m6');
    expect(screen.getByLabelText('How often to search')).toHaveValue('60');
    expect(screen.getByLabelText('Minimum price')).toHaveValue('900.00');
    expect(screen.getByLabelText('Currency')).toHaveValue('EUR');
    expect(screen.getByRole('checkbox', { name: 'Used' })).toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'New' })).not.toBeChecked();
    expect(screen.getByLabelText('Buying format')).toHaveValue('any');
    expect(screen.getByLabelText('Auctions ending within (hours, optional)')).toHaveValue('6');

    await user.clear(screen.getByLabelText('Minimum price'));
    await user.clear(screen.getByLabelText('Search phrase'));
    await user.type(screen.getByLabelText('Search phrase'), 'leica m6 black');
    await user.selectOptions(screen.getByLabelText('How often to search'), 'Daily');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    await findHeading('leica m6 black');
    expect(router.state.location.pathname).toBe(`/alerts/${alert.id}`);
    expect(screen.getByText('Changes saved.')).toBeInTheDocument();
    expect(db.alerts[0]).toMatchObject({ search_phrase: 'leica m6 black', frequency_minutes: 1440, min_price: null, max_price: '2500.00' });
  });

  it('says so when the alert does not exist', async () => {
    renderApp('/alerts/00000000-0000-0000-0000-000000000000/edit');
    await findHeading('Alert not found');
  });
});
