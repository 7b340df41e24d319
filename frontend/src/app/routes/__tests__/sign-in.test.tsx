import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { db, findHeading, renderApp } from '@/testing/test-utils';

describe('signing in', () => {
  it('a signed-out visitor is sent to sign-in, asks for a link and is told to check their email', async () => {
    const { user, router } = renderApp('/', { signedIn: false });

    await findHeading('Sign in');
    expect(router.state.location.pathname).toBe('/sign-in');
    expect(screen.queryByText(/session has ended/)).not.toBeInTheDocument();

    await user.type(screen.getByLabelText('Email address'), '  ada@example.com ');
    await user.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));

    await findHeading('Check your email');
    expect(screen.getByText('ada@example.com')).toBeInTheDocument();
    expect(db.loginRequests).toEqual(['ada@example.com']);
    // Focus follows the new screen so screen readers announce it.
    expect(screen.getByRole('heading', { name: 'Check your email' })).toHaveFocus();
  });

  it('checks the address before asking the server', async () => {
    const { user } = renderApp('/sign-in', { signedIn: false });
    await findHeading('Sign in');

    await user.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));
    expect(screen.getByLabelText('Email address')).toHaveAccessibleDescription('Enter your email address.');

    await user.type(screen.getByLabelText('Email address'), 'not-an-address');
    await user.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));
    expect(screen.getByLabelText('Email address')).toHaveAccessibleDescription(/like name@example.com/);
    expect(screen.getByLabelText('Email address')).toHaveFocus();
    expect(db.loginRequests).toEqual([]);
  });

  it('can send another link or go back to use a different address', async () => {
    const { user } = renderApp('/sign-in', { signedIn: false });
    await user.type(await screen.findByLabelText('Email address'), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));
    await findHeading('Check your email');

    await user.click(screen.getByRole('button', { name: 'Send another link' }));
    expect(await screen.findByText('Another link is on its way.')).toBeInTheDocument();
    expect(db.loginRequests).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Use a different address' }));
    await findHeading('Sign in');
    expect(screen.getByLabelText('Email address')).toHaveValue('ada@example.com');
  });

  it('explains a used or expired link', async () => {
    renderApp('/sign-in?error=invalid_link', { signedIn: false });
    await findHeading('Sign in');
    expect(screen.getByRole('alert')).toHaveTextContent(/link can’t be used/);
    expect(screen.getByRole('alert')).toHaveTextContent(/15 minutes/);
  });

  it('lands a signed-in user on their alerts', async () => {
    const { router } = renderApp('/sign-in');
    await findHeading('Your alerts');
    await waitFor(() => expect(router.state.location.pathname).toBe('/'));
  });

  it('points to the outbox in the zero-setup mode', async () => {
    db.outbox = [];
    const { user } = renderApp('/sign-in', { signedIn: false });
    await user.type(await screen.findByLabelText('Email address'), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));
    await findHeading('Check your email');
    const link = await screen.findByRole('link', { name: 'open your sign-in link in the outbox' });
    // It points at this address's new message, not just the outbox.
    const href = new URL(link.getAttribute('href') ?? '', 'http://x');
    expect(href.pathname).toBe('/outbox');
    expect(href.searchParams.get('to')).toBe('ada@example.com');
    expect(Date.parse(href.searchParams.get('after') ?? '')).not.toBeNaN();
    expect(screen.getByRole('navigation', { name: 'Main' })).toContainElement(screen.getByRole('link', { name: 'Outbox' }));
  });
});
