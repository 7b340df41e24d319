import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { safeReturnTo } from '@/lib/return-to';
import { buildAlert, db, findHeading, renderApp, server } from '@/testing/test-utils';

/** Every request the page makes, with the status the mock server answered. */
function recordResponses() {
  const seen: { url: string; status: number }[] = [];
  server.events.on('response:mocked', ({ request, response }) => {
    seen.push({ url: new URL(request.url).pathname, status: response.status });
  });
  return seen;
}

describe('a newcomer’s first visit', () => {
  it('a signed-out "Manage this alert" link asks for a link that lands back on that alert', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    const { user, router } = renderApp(`/alerts/${alert.id}?from=email`, { signedIn: false });

    await findHeading('Sign in');
    expect(router.state.location.pathname).toBe('/sign-in');
    expect(router.state.location.search).toBe(`?return_to=${encodeURIComponent(`/alerts/${alert.id}?from=email`)}`);
    expect(screen.getByText(/the link takes you there/)).toBeInTheDocument();

    await user.type(screen.getByLabelText('Email address'), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));
    await findHeading('Check your email');
    await user.click(screen.getByRole('button', { name: 'Send another link' }));
    await screen.findByText('Another link is on its way.');
    expect(db.loginReturnTo).toEqual([`/alerts/${alert.id}?from=email`, `/alerts/${alert.id}?from=email`]);
  });

  it('sends no return_to from the home page, and never one that leaves the origin', async () => {
    const { user } = renderApp('/sign-in?return_to=%2F%2Fevil.example', { signedIn: false });
    await user.type(await screen.findByLabelText('Email address'), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));
    await findHeading('Check your email');
    expect(db.loginReturnTo).toEqual([undefined]);
  });

  it('a signed-in visitor to the sign-in page goes on to return_to', async () => {
    const alert = buildAlert({ search_phrase: 'lego 42100' });
    db.alerts = [alert];
    const { router } = renderApp(`/sign-in?return_to=${encodeURIComponent(`/alerts/${alert.id}`)}`);
    await findHeading('lego 42100');
    expect(router.state.location.pathname).toBe(`/alerts/${alert.id}`);
  });

  it.each([
    ['/alerts/1?x=%2F', '/alerts/1?x=%2F'],
    ['//evil.example', undefined],
    ['/\\evil.example', undefined],
    ['https://evil.example', undefined],
    ['/\t/evil.example', undefined],
    ['javascript:alert(1)', undefined],
    ['', undefined],
  ])('keeps return_to %j only as a same-origin path', (value, kept) => {
    expect(safeReturnTo(value)).toBe(kept);
  });

  it('signed-out pages make no request that fails (no 401 noise in the console)', async () => {
    const seen = recordResponses();
    const { user } = renderApp('/', { signedIn: false });
    await findHeading('Sign in');
    await user.click(screen.getByRole('link', { name: 'eBay Alerts' }));
    await findHeading('Sign in');
    await waitFor(() => expect(seen.length).toBeGreaterThan(0));
    expect(seen.filter((r) => r.status >= 400)).toEqual([]);
  });

  it('fetches the outbox only on the outbox page, even in the zero-setup mode', async () => {
    db.outbox = [];
    const seen = recordResponses();
    const { user } = renderApp('/');
    await findHeading('Your alerts');
    // The navigation still knows the outbox exists.
    expect(await screen.findByRole('link', { name: 'Outbox' })).toBeInTheDocument();
    expect(seen.map((r) => r.url)).not.toContain('/api/v1/dev/outbox');

    await user.click(screen.getByRole('link', { name: 'Outbox' }));
    await findHeading('Outbox');
    await screen.findByText(/No emails yet/);
    expect(seen.map((r) => r.url)).toContain('/api/v1/dev/outbox');
  });
});
