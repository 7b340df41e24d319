import { useRef, useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { ConfirmDialog } from '@/components/ui/dialog';
import { TextField } from '@/components/ui/field';
import { Badge, ErrorState, Loading, Notice } from '@/components/ui/states';
import { ApiError, errorMessage } from '@/lib/api-client';
import type { Channel, ChannelAttempt, CreatedChannel } from '@/lib/api-models';
import { formatDateTime } from '@/lib/format';

import { useChannels, useCreateChannel, useDeleteChannel, useTestChannel } from '../api/channels';
import { ChannelTemplatesForm } from './channel-templates';

/** What each kind of channel is called on the page (the API's `kind` is a URL scheme). */
export const KIND_LABELS: Record<Channel['kind'], string> = {
  email: 'Email',
  json: 'Webhook',
  ntfy: 'ntfy',
  tgram: 'Telegram',
  discord: 'Discord',
  slack: 'Slack',
};

/** The URL forms, with an example and where to find the parts (shown beside the form). */
export const URL_EXAMPLES: { service: string; example: string; help: string }[] = [
  {
    service: 'Webhook',
    example: 'jsons://hooks.example.com/ebay',
    help: 'Any HTTPS endpoint (json:// for plain HTTP). Requests are signed per Standard Webhooks; the secret is shown once.',
  },
  {
    service: 'ntfy',
    example: 'ntfys://ntfy.sh/my-deals-topic',
    help: 'Your topic on ntfy.sh or your own server (ntfys://user:password@host/topic when it is protected).',
  },
  {
    service: 'Telegram',
    example: 'tgram://123456:ABC-def/-1001234567890',
    help: 'The bot token from @BotFather, then the chat id (negative for groups) or @channelname.',
  },
  {
    service: 'Discord',
    example: 'discord://WEBHOOK_ID/WEBHOOK_TOKEN',
    help: 'From the channel’s Integrations → Webhooks → Copy URL: the two parts after /api/webhooks/.',
  },
  {
    service: 'Slack',
    example: 'slack://T00000000/B00000000/XXXXXXXXXXXX',
    help: 'From an incoming webhook URL: the three parts after hooks.slack.com/services/.',
  },
];

function AddChannelForm({ onCreated }: { onCreated: (channel: CreatedChannel) => void }) {
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<{ url?: string; name?: string; form?: string }>({});
  const urlRef = useRef<HTMLInputElement>(null);
  const create = useCreateChannel();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!url.trim()) {
      setErrors({ url: 'Paste a channel URL, e.g. ntfys://ntfy.sh/my-topic.' });
      urlRef.current?.focus();
      return;
    }
    setErrors({});
    create.mutate(
      { url: url.trim(), ...(name.trim() ? { name: name.trim() } : {}) },
      {
        onSuccess: (channel) => {
          setUrl('');
          setName('');
          onCreated(channel);
        },
        onError: (e) => {
          const field = (f: string) => (e instanceof ApiError ? e.details.find((d) => d.field === f) : undefined);
          const urlProblem = field('url');
          const nameProblem = field('name');
          setErrors({
            url: urlProblem ? `The URL ${urlProblem.message}.` : undefined,
            name: nameProblem ? `The name ${nameProblem.message}.` : undefined,
            form: urlProblem || nameProblem ? undefined : errorMessage(e),
          });
          urlRef.current?.focus();
        },
      },
    );
  };

  return (
    <form className="stack" onSubmit={submit} noValidate aria-labelledby="add-channel-title">
      <h3 id="add-channel-title">Add a channel</h3>
      <TextField
        ref={urlRef}
        label="Channel URL"
        name="channel_url"
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        error={errors.url}
        autoComplete="off"
        spellCheck={false}
        hint="One of the forms below. Secrets in it are never shown again."
      />
      <TextField
        label="Name (optional)"
        name="channel_name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={errors.name}
        autoComplete="off"
      />
      {errors.form && <Notice tone="error">{errors.form}</Notice>}
      <div>
        <Button type="submit" variant="primary" isLoading={create.isPending}>
          Add channel
        </Button>
      </div>
      <dl className="channel-examples" aria-label="Channel URL forms">
        {URL_EXAMPLES.map((e) => (
          <div key={e.service}>
            <dt>{e.service}</dt>
            <dd>
              <code>{e.example}</code>
              <p className="muted small">{e.help}</p>
            </dd>
          </div>
        ))}
      </dl>
    </form>
  );
}

function WebhookSecret({ channel, onDone }: { channel: CreatedChannel; onDone: () => void }) {
  if (!channel.secret) return null;
  return (
    <div className="notice notice--success token-secret" role="status">
      <p className="notice__title">Signing secret of “{channel.name}”</p>
      <p>
        Copy it now: it is shown only once. Verify the <code>webhook-signature</code> header with it (Standard Webhooks).
      </p>
      <p className="token-secret__value">
        <code aria-label="Webhook signing secret">{channel.secret}</code>
      </p>
      <div className="button-row">
        <CopyButton text={channel.secret} label="Copy secret" />
        <Button size="sm" variant="ghost" onClick={onDone}>
          I’ve saved it
        </Button>
      </div>
    </div>
  );
}

function lastDelivery(channel: Channel): { tone: 'neutral' | 'success' | 'danger'; text: string } {
  if (channel.builtin) return { tone: 'neutral', text: 'Your verified address' };
  if (!channel.last_delivery_at) return { tone: 'neutral', text: 'Nothing sent yet' };
  const when = formatDateTime(channel.last_delivery_at);
  if (channel.last_error) return { tone: 'danger', text: `Failed ${when}` };
  return { tone: 'success', text: `Delivered ${when}${channel.last_status ? ` (HTTP ${channel.last_status})` : ''}` };
}

function TestAnswer({ answer }: { answer: ChannelAttempt }) {
  const ok = answer.outcome === 'delivered';
  return (
    <div className={`notice notice--${ok ? 'success' : 'error'}`} role="status">
      <p className="notice__title">
        {ok ? 'Test delivered' : answer.outcome === 'retry' ? 'Test not delivered (temporary)' : 'Test not delivered'}
        {answer.status ? ` — the receiver answered HTTP ${answer.status}` : ''}
      </p>
      {answer.error && <p>{answer.error}</p>}
      {answer.answer && (
        <pre className="channel-answer" aria-label="Receiver’s answer">
          {answer.answer}
        </pre>
      )}
    </div>
  );
}

function ChannelRow({ channel, onDelete }: { channel: Channel; onDelete: (c: Channel) => void }) {
  const test = useTestChannel();
  const status = lastDelivery(channel);
  return (
    <li className="token-row channel-row">
      <div className="stack channel-row__main">
        <p className="token-row__name">
          {channel.name}{' '}
          {KIND_LABELS[channel.kind] !== channel.name && <Badge>{KIND_LABELS[channel.kind]}</Badge>}
        </p>
        <p className="muted small">
          <code>{channel.url}</code>
        </p>
        <p className="small">
          <Badge tone={status.tone}>{status.text}</Badge>
        </p>
        {channel.last_error && <p className="small field__error">Last error: {channel.last_error}</p>}
        {test.isSuccess && <TestAnswer answer={test.data} />}
        {test.isError && <Notice tone="error">Could not send a test: {errorMessage(test.error)}</Notice>}
        {!channel.builtin && (
          <details>
            <summary>Message templates</summary>
            <ChannelTemplatesForm channel={channel} />
          </details>
        )}
      </div>
      {!channel.builtin && (
        <div className="button-row">
          <Button size="sm" onClick={() => test.mutate(channel.id)} isLoading={test.isPending} aria-label={`Send test to “${channel.name}”`}>
            Send test
          </Button>
          <Button size="sm" variant="danger" onClick={() => onDelete(channel)} aria-label={`Delete “${channel.name}”`}>
            Delete
          </Button>
        </div>
      )}
    </li>
  );
}

/** Where notifications can go: the built-in email plus webhooks, ntfy, Telegram, Discord, Slack. */
export function Channels() {
  const channels = useChannels();
  const remove = useDeleteChannel();
  const [created, setCreated] = useState<CreatedChannel>();
  const [deleting, setDeleting] = useState<Channel>();
  const [status, setStatus] = useState<string>();

  const confirmDelete = () => {
    if (!deleting) return;
    remove.mutate(deleting.id, {
      onSuccess: () => {
        setStatus(`Channel “${deleting.name}” deleted.`);
        setDeleting(undefined);
      },
    });
  };

  return (
    <div className="stack">
      <p className="muted">
        Alerts notify these channels when they find something; choose them per alert. A channel that stops answering is
        retried, and its last error is shown here.
      </p>
      {status && <Notice tone="success">{status}</Notice>}
      {created && <WebhookSecret channel={created} onDone={() => setCreated(undefined)} />}
      {channels.isPending ? (
        <Loading label="Loading channels…" />
      ) : channels.isError ? (
        <ErrorState error={channels.error} title="Could not load your channels" onRetry={() => void channels.refetch()} isRetrying={channels.isFetching} />
      ) : (
        <ul className="token-list" aria-label="Channels">
          {channels.data.items.map((channel) => (
            <ChannelRow
              key={channel.id}
              channel={channel}
              onDelete={(c) => {
                remove.reset();
                setDeleting(c);
              }}
            />
          ))}
        </ul>
      )}
      <AddChannelForm
        onCreated={(channel) => {
          setStatus(`Channel “${channel.name}” added.`);
          setCreated(channel.secret ? channel : undefined);
        }}
      />
      {deleting && (
        <ConfirmDialog
          title="Delete this channel?"
          description={<p>Alerts stop notifying “{deleting.name}”; notifications not yet delivered to it are dropped.</p>}
          confirmLabel="Delete channel"
          onConfirm={confirmDelete}
          onCancel={() => setDeleting(undefined)}
          isPending={remove.isPending}
          error={remove.isError ? `Could not delete: ${errorMessage(remove.error)}` : undefined}
        />
      )}
    </div>
  );
}
