import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { db, findHeading, renderApp } from '@/testing/test-utils';

describe('the account page', () => {
  it('shows the signed-in address', async () => {
    renderApp('/account');
    await findHeading('Account');
    expect(screen.getByText('ada@example.com')).toBeInTheDocument();
  });

  it('creates an API token and shows its secret only once', async () => {
    const { user } = renderApp('/account');
    await findHeading('Account');
    expect(await screen.findByText('You have no API tokens.')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Create token' }));
    expect(screen.getByLabelText('Token name')).toHaveAccessibleDescription(/Give the token a name/);

    await user.type(screen.getByLabelText('Token name'), 'backup script');
    await user.click(screen.getByRole('button', { name: 'Create token' }));

    const secret = await screen.findByLabelText('New API token');
    const token = db.tokens[0]!.token;
    expect(secret).toHaveTextContent(token);
    expect(screen.getByText(/it is shown only once/)).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Copy token' }));
    expect(await screen.findByText('Copied to the clipboard.')).toBeInTheDocument();
    expect(await navigator.clipboard.readText()).toBe(token);

    const list = within(await screen.findByRole('list', { name: 'API tokens' }));
    expect(list.getByText('backup script')).toBeInTheDocument();
    expect(list.queryByText(token)).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'I’ve saved it' }));
    expect(screen.queryByLabelText('New API token')).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(token);
  });

  it('revokes a token after confirmation', async () => {
    db.tokens = [
      { id: 't1', name: 'backup script', prefix: 'eat_1a2b3c', created_at: '2026-11-02T08:00:00Z', last_used_at: '2026-11-20T08:00:00Z', token: 'eat_secret1' },
      { id: 't2', name: 'grafana', prefix: 'eat_4d5e6f', created_at: '2026-11-03T08:00:00Z', last_used_at: null, token: 'eat_secret2' },
    ];
    const { user } = renderApp('/account');

    const list = within(await screen.findByRole('list', { name: 'API tokens' }));
    expect(list.getByText(/never used/)).toBeInTheDocument();
    await user.click(list.getByRole('button', { name: 'Revoke “backup script”' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Revoke this token?' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke token' }));

    expect(await screen.findByText('Token “backup script” revoked.')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText('backup script')).not.toBeInTheDocument());
    expect(db.tokens.map((t) => t.id)).toEqual(['t2']);
  });

  it('shows today’s eBay usage where the server reports it', async () => {
    db.quota = { daily_budget: 5000, calls_today: 1250, resets_at: new Date(Date.now() + 5 * 3_600_000).toISOString() };
    renderApp('/account');
    const quota = within(await screen.findByRole('region', { name: 'eBay usage today' }));
    expect(quota.getByText('1,250 of 5,000 searches used (25%)')).toBeInTheDocument();
    expect(quota.getByRole('progressbar')).toHaveAttribute('value', '1250');
    expect(quota.getByText(/The budget is shared/)).toHaveTextContent(/It resets in 5 hours\./);
    expect(quota.queryByText(/less often than chosen/)).not.toBeInTheDocument();
  });

  it('says when the budget stretches every alert’s schedule', async () => {
    db.quota = { daily_budget: 5000, calls_today: 4000, resets_at: new Date(Date.now() + 3_600_000).toISOString(), demand_per_day: 7200, stretch_factor: 1.44 };
    renderApp('/account');
    const quota = within(await screen.findByRole('region', { name: 'eBay usage today' }));
    expect(quota.getByText(/less often than chosen/)).toHaveTextContent(
      'The active alerts would need about 7,200 searches a day, more than the budget, so every alert currently runs about 1.4× less often than chosen.',
    );
  });

  it('shows how often each alert searches and why, with a warning when they ask for more than the budget gives', async () => {
    db.quota = {
      daily_budget: 5000,
      calls_today: 4000,
      resets_at: new Date(Date.now() + 3_600_000).toISOString(),
      demand_per_day: 7200,
      stretch_factor: 1.44,
      policy: 'adaptive',
      alerts: [
        { alert_id: 'a1', search_phrase: 'iphone 13', frequency_minutes: 2, effective_interval_minutes: 6, reason: 'busy', explanation: 'busy search: every 6 min', new_listings_per_hour: 12.5 },
        { alert_id: 'a2', search_phrase: 'nikon 58mm f1.4', frequency_minutes: 10, effective_interval_minutes: 120, reason: 'quiet', explanation: 'quiet search: every 2 h', new_listings_per_hour: 0.05 },
      ],
      asked_per_day: 864,
      given_per_day: 252,
      warning: 'Your alerts ask for about 864 searches a day; the shared eBay budget gives them about 252, so some run less often than you chose.',
    };
    renderApp('/account');
    const quota = within(await screen.findByRole('region', { name: 'eBay usage today' }));
    expect(await quota.findByRole('status')).toHaveTextContent('Your alerts ask for about 864 searches a day');
    const plan = within(quota.getByRole('list', { name: 'How often your alerts search' }));
    const rows = plan.getAllByRole('listitem');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('iphone 13 busy search: every 6 min');
    expect(rows[1]).toHaveTextContent('nikon 58mm f1.4 quiet search: every 2 h');
    // The adaptive plan replaces the uniform "every alert runs 1.4× less often" sentence.
    expect(quota.queryByText(/less often than chosen/)).not.toBeInTheDocument();
  });

  it('shows no plan or warning when the server reports none', async () => {
    db.quota = { daily_budget: 5000, calls_today: 10, resets_at: new Date(Date.now() + 3_600_000).toISOString(), policy: 'adaptive', alerts: [], warning: null };
    renderApp('/account');
    const quota = within(await screen.findByRole('region', { name: 'eBay usage today' }));
    expect(quota.getByText('10 of 5,000 searches used (0%)')).toBeInTheDocument();
    expect(quota.queryByRole('list')).not.toBeInTheDocument();
    expect(quota.queryByRole('status')).not.toBeInTheDocument();
  });

  it('hides the eBay usage where the server has no quota endpoint', async () => {
    renderApp('/account');
    await screen.findByRole('list', { name: 'API tokens' }).catch(() => screen.findByText('You have no API tokens.'));
    expect(screen.queryByRole('region', { name: 'eBay usage today' })).not.toBeInTheDocument();
  });

  it('signs out', async () => {
    const { user, router } = renderApp('/account');
    await findHeading('Account');
    await user.click(screen.getByRole('button', { name: 'Sign out' }));

    await findHeading('Sign in');
    expect(router.state.location.pathname).toBe('/sign-in');
    expect(screen.getByText('You are signed out.')).toBeInTheDocument();
    expect(db.session).toBeNull();
    expect(screen.queryByRole('link', { name: 'Account' })).not.toBeInTheDocument();
  });

  it('sets quiet hours, names a bad field beside it, and removes them', async () => {
    const { user } = renderApp('/account');
    await findHeading('Account');
    expect(await screen.findByText('Now: none.')).toBeInTheDocument();
    const form = within(screen.getByRole('form', { name: 'Quiet hours' }));

    await user.clear(form.getByLabelText('Until'));
    await user.type(form.getByLabelText('Until'), '7');
    await user.click(form.getByRole('button', { name: 'Save quiet hours' }));
    expect(form.getByLabelText('Until')).toHaveAccessibleDescription(/Enter a time as HH:MM/);
    expect(db.session!.quiet_hours ?? null).toBeNull();

    await user.clear(form.getByLabelText('Until'));
    await user.type(form.getByLabelText('Until'), '07:00');
    await user.clear(form.getByLabelText('Time zone'));
    await user.type(form.getByLabelText('Time zone'), 'Mars/Olympus');
    await user.click(form.getByRole('button', { name: 'Save quiet hours' }));
    await waitFor(() =>
      expect(form.getByLabelText('Time zone')).toHaveAccessibleDescription(/Must be an IANA time zone name/),
    );

    await user.clear(form.getByLabelText('Time zone'));
    await user.type(form.getByLabelText('Time zone'), 'Europe/Berlin');
    await user.click(form.getByRole('button', { name: 'Save quiet hours' }));
    expect(await form.findByText(/Notifications made in these hours now wait/)).toBeInTheDocument();
    expect(db.session!.quiet_hours).toEqual({ start: '22:00', end: '07:00', time_zone: 'Europe/Berlin' });
    expect(form.getByText('Now: 22:00–07:00 (Europe/Berlin).')).toBeInTheDocument();

    await user.click(form.getByRole('button', { name: 'Remove quiet hours' }));
    expect(await form.findByText('Quiet hours removed.')).toBeInTheDocument();
    expect(db.session!.quiet_hours).toBeNull();
    expect(form.getByText('Now: none.')).toBeInTheDocument();
  });
});
