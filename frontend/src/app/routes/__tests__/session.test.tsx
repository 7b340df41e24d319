import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { buildAlert, db, findHeading, renderApp } from '@/testing/test-utils';

describe('an ended session', () => {
  it('sends the user back to sign-in when any request answers 401', async () => {
    db.alerts = [buildAlert({ search_phrase: 'lego 42100' })];
    const { user, router } = renderApp('/');
    await screen.findByRole('heading', { level: 2, name: 'lego 42100' });

    // The session expires (or is ended in another tab) while the page is open.
    db.session = null;
    await user.click(screen.getByRole('button', { name: 'Pause “lego 42100”' }));

    await findHeading('Sign in');
    expect(router.state.location.pathname).toBe('/sign-in');
    expect(screen.queryByRole('navigation', { name: 'Main' })).not.toBeInTheDocument();
    expect(screen.getByText('Your session has ended. Sign in again to continue.')).toBeInTheDocument();
  });

  it('protects every dashboard page', async () => {
    for (const path of ['/', '/alerts/new', '/alerts/abc', '/alerts/abc/edit', '/account']) {
      const { router, unmount } = renderApp(path, { signedIn: false });
      await findHeading('Sign in');
      expect(router.state.location.pathname).toBe('/sign-in');
      unmount();
    }
  });

  it('shows the navigation to a signed-in user', async () => {
    const { user } = renderApp('/');
    await findHeading('Your alerts');
    const nav = within(screen.getByRole('navigation', { name: 'Main' }));
    expect(nav.getByRole('link', { name: 'Alerts' })).toHaveAttribute('aria-current', 'page');
    expect(nav.queryByRole('link', { name: 'Outbox' })).not.toBeInTheDocument();
    await user.click(nav.getByRole('link', { name: 'Account' }));
    await findHeading('Account');
    expect(nav.getByRole('link', { name: 'Account' })).toHaveAttribute('aria-current', 'page');
  });

  it('shows an unknown address as not found', async () => {
    renderApp('/no/such/page');
    await findHeading('Page not found');
  });
});
