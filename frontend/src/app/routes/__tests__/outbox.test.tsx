import { screen, within } from '@testing-library/react';
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
    expect(frame).toHaveAttribute('sandbox', '');
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
