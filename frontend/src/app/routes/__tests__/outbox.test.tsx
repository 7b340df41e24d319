import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { db, findHeading, renderApp } from '@/testing/test-utils';

describe('the dev outbox', () => {
  it('lists captured emails and opens the sign-in link on this origin', async () => {
    db.outbox = [
      {
        id: 'm2',
        to: 'ada@example.com',
        subject: 'Your eBay Alerts sign-in link',
        text: 'Open this link to sign in:\nhttp://127.0.0.1:8080/auth/verify?token=abc123\n\nIt works once.',
        html: '<p>Open <a href="http://127.0.0.1:8080/auth/verify?token=abc123">this link</a></p>',
        created_at: '2026-11-21T10:00:00Z',
      },
      {
        id: 'm1',
        to: 'ada@example.com',
        subject: '3 new listings for “lego 42100”',
        text: 'LEGO 42100 — $350.00\nhttps://www.ebay.com/itm/1',
        html: null,
        created_at: '2026-11-21T09:00:00Z',
      },
    ];
    const { user } = renderApp('/outbox', { signedIn: false });

    await findHeading('Outbox');
    const emails = within(await screen.findByRole('list', { name: 'Captured emails' }));
    expect(emails.getAllByRole('listitem')).toHaveLength(2);
    const signIn = emails.getByRole('link', { name: /Open the sign-in link/ });
    expect(signIn).toHaveAttribute('href', '/auth/verify?token=abc123');
    expect(emails.getByRole('heading', { name: '3 new listings for “lego 42100”' })).toBeInTheDocument();

    await user.click(emails.getAllByText('Show the message')[1]!);
    expect(emails.getByRole('link', { name: 'https://www.ebay.com/itm/1' })).toHaveAttribute('href', 'https://www.ebay.com/itm/1');

    await user.click(emails.getAllByText('Show the message')[0]!);
    await user.click(emails.getByRole('button', { name: 'Show the HTML version' }));
    const frame = emails.getByTitle('HTML version of “Your eBay Alerts sign-in link”');
    // Measurable (same origin) but inert: no allow-scripts.
    expect(frame).toHaveAttribute('sandbox', 'allow-same-origin');
  });

  it('sizes the HTML preview to the email instead of a fixed 384 px', async () => {
    db.outbox = [
      {
        id: 'm1',
        to: 'ada@example.com',
        subject: 'Price insights for “lego 42100”: median down 5.4 % this week',
        text: 'The report',
        html: '<h1>Report</h1><p>Long report</p>',
        created_at: '2026-11-21T10:00:00Z',
      },
    ];
    const { user } = renderApp('/outbox', { signedIn: false });
    const emails = within(await screen.findByRole('list', { name: 'Captured emails' }));
    await user.click(emails.getByText('Show the message'));
    await user.click(emails.getByRole('button', { name: 'Show the HTML version' }));
    const frame = emails.getByTitle<HTMLIFrameElement>(/HTML version of/);
    const doc = frame.contentDocument?.documentElement;
    if (!doc) throw new Error('the preview has no document');
    // jsdom lays nothing out: give the email a height as a browser would.
    Object.defineProperty(doc, 'scrollHeight', { configurable: true, value: 1234 });
    fireEvent.load(frame);
    expect(frame.style.height).toBe('1236px');
  });

  it('reads the outbox afresh on opening, shows the link just asked for first and marks it', async () => {
    const old = {
      id: 'old',
      to: 'grace@example.com',
      subject: 'Your eBay Alerts sign-in link',
      text: 'Open this link to sign in:\nhttp://127.0.0.1:8080/auth/verify?token=used\n',
      html: null,
      created_at: new Date(Date.now() - 60_000).toISOString(),
    };
    db.outbox = [old];
    // First visit: the outbox (with only the older link) is cached.
    const { user } = renderApp('/outbox', { signedIn: false });
    const first = within(await screen.findByRole('list', { name: 'Captured emails' }));
    expect(first.getAllByRole('listitem')).toHaveLength(1);

    await user.click(screen.getByRole('link', { name: 'Sign in' }));
    await user.type(await screen.findByLabelText('Email address'), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));
    await findHeading('Check your email');
    // Someone else's email arrives after ours: ours must still come first.
    db.outbox.unshift({ ...old, id: 'later', to: 'lin@example.com', created_at: new Date(Date.now() + 1000).toISOString() });
    await user.click(screen.getByRole('link', { name: 'open your sign-in link in the outbox' }));

    await findHeading('Outbox');
    expect(await screen.findByText(/Your new sign-in link for/)).toBeInTheDocument();
    const emails = within(screen.getByRole('list', { name: 'Captured emails' }));
    const items = emails.getAllByRole('listitem');
    expect(items).toHaveLength(3);
    expect(items[0]).toHaveAttribute('aria-current', 'true');
    expect(within(items[0]!).getByText('Your new sign-in link')).toBeInTheDocument();
    expect(within(items[0]!).getByRole('link', { name: /Open the sign-in link/ })).toHaveAttribute(
      'href',
      '/auth/verify?token=tok_1',
    );
  });

  it('appears in the navigation only where the server has it', async () => {
    db.outbox = [];
    renderApp('/');
    await findHeading('Your alerts');
    const nav = within(screen.getByRole('navigation', { name: 'Main' }));
    expect(await nav.findByRole('link', { name: 'Outbox' })).toHaveAttribute('href', '/outbox');
  });

  it('explains itself where the server sends real emails', async () => {
    renderApp('/outbox', { signedIn: false });
    await findHeading('Outbox');
    expect(await screen.findByText(/This server sends real emails/)).toBeInTheDocument();
  });

  it('says when nothing has been captured yet', async () => {
    db.outbox = [];
    renderApp('/outbox', { signedIn: false });
    expect(await screen.findByText(/No emails yet/)).toBeInTheDocument();
  });
});
