import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { buildAlert, db, findHeading, renderApp } from '@/testing/test-utils';

describe('the channels page', () => {
  it('is reached from the account page and lists the built-in email channel', async () => {
    const { user } = renderApp('/account');
    await findHeading('Account');
    await user.click(screen.getByRole('link', { name: 'Manage channels' }));
    await findHeading('Notification channels');
    const list = within(await screen.findByRole('list', { name: 'Channels' }));
    expect(list.getByText('Email')).toBeInTheDocument();
    expect(list.getByText('Your verified address')).toBeInTheDocument();
    expect(list.queryByRole('button', { name: /Delete/ })).not.toBeInTheDocument();
    // Every service's form is explained.
    const forms = within(screen.getByLabelText('Channel URL forms'));
    for (const service of ['Webhook', 'ntfy', 'Telegram', 'Discord', 'Slack']) {
      expect(forms.getByText(service)).toBeInTheDocument();
    }
  });

  it('refuses an empty or unknown URL with the reason next to the field', async () => {
    const { user } = renderApp('/account/channels');
    await findHeading('Notification channels');
    await user.click(screen.getByRole('button', { name: 'Add channel' }));
    expect(screen.getByLabelText('Channel URL')).toHaveAccessibleDescription(/Paste a channel URL/);

    await user.type(screen.getByLabelText('Channel URL'), 'https://example.com/hook');
    await user.click(screen.getByRole('button', { name: 'Add channel' }));
    await waitFor(() => expect(screen.getByLabelText('Channel URL')).toHaveAccessibleDescription(/must start with one of/));
    expect(db.channels).toHaveLength(0);
  });

  it('adds a webhook and shows its signing secret only once', async () => {
    const { user } = renderApp('/account/channels');
    await findHeading('Notification channels');
    await user.type(screen.getByLabelText('Channel URL'), 'jsons://hooks.example.com/ebay');
    await user.type(screen.getByLabelText('Name (optional)'), 'My automation');
    await user.click(screen.getByRole('button', { name: 'Add channel' }));

    expect(await screen.findByLabelText('Webhook signing secret')).toHaveTextContent('whsec_');
    const list = within(await screen.findByRole('list', { name: 'Channels' }));
    expect(await list.findByText('My automation')).toBeInTheDocument();
    // The kind in words a user knows, not the URL scheme.
    expect(list.getByText('Webhook')).toBeInTheDocument();
    expect(list.getByText('Nothing sent yet')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'I’ve saved it' }));
    expect(document.body).not.toHaveTextContent('whsec_');
  });

  it('sends a test and shows the receiver’s answer and the last status', async () => {
    db.channels = [
      {
        id: 'c1',
        kind: 'tgram',
        name: 'Phone',
        url: 'tgram://123456:***/-1001',
        builtin: false,
        title_template: null,
        body_template: null,
        created_at: '2026-12-01T08:00:00Z',
        last_delivery_at: null,
        last_status: null,
        last_error: null,
      },
    ];
    db.channelTest = {
      outcome: 'failed',
      status: 401,
      answer: '{"ok":false,"description":"Unauthorized"}',
      error: 'the receiver answered 401 Unauthorized',
      duration_ms: 80,
    };
    const { user } = renderApp('/account/channels');
    const list = within(await screen.findByRole('list', { name: 'Channels' }));
    await user.click(list.getByRole('button', { name: 'Send test to “Phone”' }));

    expect(await list.findByText(/Test not delivered — the receiver answered HTTP 401/)).toBeInTheDocument();
    expect(list.getByLabelText('Receiver’s answer')).toHaveTextContent('"description":"Unauthorized"');
    expect(await list.findByText(/Last error: the receiver answered 401/)).toBeInTheDocument();
    expect(list.getByText(/^Failed /)).toBeInTheDocument();
  });

  it('deletes a channel after confirmation', async () => {
    db.channels = [
      {
        id: 'c1',
        kind: 'discord',
        name: 'Deals server',
        url: 'discord://42/***',
        builtin: false,
        title_template: null,
        body_template: null,
        created_at: '2026-12-01T08:00:00Z',
        last_delivery_at: '2026-12-02T08:00:00Z',
        last_status: 204,
        last_error: null,
      },
    ];
    const { user } = renderApp('/account/channels');
    const list = within(await screen.findByRole('list', { name: 'Channels' }));
    expect(list.getByText(/Delivered .* \(HTTP 204\)/)).toBeInTheDocument();
    await user.click(list.getByRole('button', { name: 'Delete “Deals server”' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Delete this channel?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete channel' }));
    expect(await screen.findByText('Channel “Deals server” deleted.')).toBeInTheDocument();
    expect(db.channels).toEqual([]);
  });
});

describe('an alert’s channels', () => {
  it('are chosen on the alert page and saved with one change', async () => {
    const alert = buildAlert({ search_phrase: 'steam deck' });
    db.alerts = [alert];
    db.channels = [
      {
        id: 'c1',
        kind: 'ntfy',
        name: 'Phone',
        url: 'ntfys://ntfy.sh/dea***',
        builtin: false,
        title_template: null,
        body_template: null,
        created_at: '2026-12-01T08:00:00Z',
        last_delivery_at: null,
        last_status: null,
        last_error: null,
      },
    ];
    const { user } = renderApp(`/alerts/${alert.id}`);
    await findHeading('steam deck');
    const notify = within(await screen.findByRole('group', { name: 'Notify' }));
    expect(notify.getByRole('checkbox', { name: /Email/ })).toBeChecked();
    expect(notify.getByRole('checkbox', { name: /Phone/ })).not.toBeChecked();
    expect(notify.queryByRole('button', { name: 'Save channels' })).not.toBeInTheDocument();

    await user.click(notify.getByRole('checkbox', { name: /Email/ }));
    await user.click(notify.getByRole('checkbox', { name: /Phone/ }));
    await user.click(notify.getByRole('button', { name: 'Save channels' }));

    await waitFor(() => expect(db.alerts[0]!.channels).toEqual(['c1']));
    expect(await screen.findByText('Channels saved.')).toBeInTheDocument();
  });
});

describe('a channel’s templates', () => {
  it('are previewed on sample data, refused with the line, and saved', async () => {
    db.channels = [
      {
        id: 'c1',
        kind: 'slack',
        name: 'Team',
        url: 'slack://T1/B2/***',
        builtin: false,
        title_template: null,
        body_template: null,
        created_at: '2026-12-01T08:00:00Z',
        last_delivery_at: null,
        last_status: null,
        last_error: null,
      },
    ];
    const { user } = renderApp('/account/channels');
    const list = within(await screen.findByRole('list', { name: 'Channels' }));
    await user.click(list.getByText('Message templates'));
    const form = within(list.getByRole('form', { name: 'Templates of “Team”' }));

    await user.type(form.getByLabelText('Body template'), 'ok{enter}{{{{ broken');
    await user.click(form.getByRole('button', { name: 'Preview' }));
    await waitFor(() => expect(form.getByLabelText('Body template')).toHaveAccessibleDescription(/line 2/));

    await user.clear(form.getByLabelText('Body template'));
    await user.type(form.getByLabelText('Title template'), 'Deal: {{{{ alert.search_phrase }}');
    await user.click(form.getByRole('button', { name: 'Preview' }));
    expect(await form.findByText('Deal: nintendo switch oled')).toBeInTheDocument();

    await user.click(form.getByRole('button', { name: 'Save templates' }));
    expect(await form.findByText('Templates saved.')).toBeInTheDocument();
    expect(db.channels[0]!.title_template).toBe('Deal: {{ alert.search_phrase }}');
    expect(db.channels[0]!.body_template).toBeNull();
  });
});
