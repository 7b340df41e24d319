import { useRef, useState, type FormEvent } from 'react';

import { Button } from '@/components/ui/button';
import { CopyButton } from '@/components/ui/copy-button';
import { ConfirmDialog } from '@/components/ui/dialog';
import { TextField } from '@/components/ui/field';
import { ErrorState, Loading, Notice } from '@/components/ui/states';
import { ApiError, errorMessage } from '@/lib/api-client';
import type { ApiToken, CreatedToken } from '@/lib/api-models';
import { formatDateTime } from '@/lib/format';

import { useCreateToken, useRevokeToken, useTokens } from '../api/tokens';

function NewTokenForm({ onCreated }: { onCreated: (token: CreatedToken) => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const inputRef = useRef<HTMLInputElement>(null);
  const create = useCreateToken();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed || [...trimmed].length > 100) {
      setError(trimmed ? 'Use at most 100 characters.' : 'Give the token a name, e.g. “backup script”.');
      inputRef.current?.focus();
      return;
    }
    setError(undefined);
    create.mutate(trimmed, {
      onSuccess: (token) => {
        setName('');
        onCreated(token);
      },
      onError: (e) => {
        const detail = e instanceof ApiError ? e.details.find((d) => d.field === 'name') : undefined;
        setError(detail ? `The name ${detail.message}.` : errorMessage(e));
        inputRef.current?.focus();
      },
    });
  };

  return (
    <form className="inline-form" onSubmit={submit} noValidate>
      <TextField
        ref={inputRef}
        label="Token name"
        name="token_name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={error}
        autoComplete="off"
        hint="What will use it, so you recognise it later."
      />
      <Button type="submit" isLoading={create.isPending}>
        Create token
      </Button>
    </form>
  );
}

function TokenSecret({ token, onDone }: { token: CreatedToken; onDone: () => void }) {
  return (
    <div className="notice notice--success token-secret" role="status">
      <p className="notice__title">Token “{token.name}” created</p>
      <p>Copy it now: it is shown only once. Send it as <code>Authorization: Bearer …</code>.</p>
      <p className="token-secret__value">
        <code aria-label="New API token">{token.token}</code>
      </p>
      <div className="button-row">
        <CopyButton text={token.token} label="Copy token" />
        <Button size="sm" variant="ghost" onClick={onDone}>
          I’ve saved it
        </Button>
      </div>
    </div>
  );
}

function TokenRow({ token, onRevoke }: { token: ApiToken; onRevoke: (token: ApiToken) => void }) {
  return (
    <li className="token-row">
      <div>
        <p className="token-row__name">{token.name}</p>
        <p className="muted small">
          <code>{token.prefix}…</code> · created {formatDateTime(token.created_at)} ·{' '}
          {token.last_used_at ? `last used ${formatDateTime(token.last_used_at)}` : 'never used'}
        </p>
      </div>
      <Button size="sm" variant="danger" onClick={() => onRevoke(token)} aria-label={`Revoke “${token.name}”`}>
        Revoke
      </Button>
    </li>
  );
}

/** Personal API tokens for scripts: list, create (secret shown once) and revoke. */
export function ApiTokens() {
  const tokens = useTokens();
  const revoke = useRevokeToken();
  const [created, setCreated] = useState<CreatedToken>();
  const [revoking, setRevoking] = useState<ApiToken>();
  const [status, setStatus] = useState<string>();

  const confirmRevoke = () => {
    if (!revoking) return;
    revoke.mutate(revoking.id, {
      onSuccess: () => {
        setStatus(`Token “${revoking.name}” revoked.`);
        if (created?.id === revoking.id) setCreated(undefined);
        setRevoking(undefined);
      },
    });
  };

  return (
    <div className="stack">
      <p className="muted">
        Scripts can use the API with a token instead of signing in. Anyone with a token acts as you, so keep it secret
        and revoke it when it is no longer needed.
      </p>
      {created && <TokenSecret token={created} onDone={() => setCreated(undefined)} />}
      <NewTokenForm
        onCreated={(token) => {
          setStatus(undefined);
          setCreated(token);
        }}
      />
      {status && <Notice tone="success">{status}</Notice>}
      {tokens.isPending ? (
        <Loading label="Loading tokens…" />
      ) : tokens.isError ? (
        <ErrorState error={tokens.error} title="Could not load your tokens" onRetry={() => void tokens.refetch()} isRetrying={tokens.isFetching} />
      ) : tokens.data.items.length === 0 ? (
        <p className="muted">You have no API tokens.</p>
      ) : (
        <ul className="token-list" aria-label="API tokens">
          {tokens.data.items.map((token) => (
            <TokenRow
              key={token.id}
              token={token}
              onRevoke={(t) => {
                revoke.reset();
                setRevoking(t);
              }}
            />
          ))}
        </ul>
      )}
      {revoking && (
        <ConfirmDialog
          title="Revoke this token?"
          description={<p>Scripts using “{revoking.name}” will stop working at once.</p>}
          confirmLabel="Revoke token"
          onConfirm={confirmRevoke}
          onCancel={() => setRevoking(undefined)}
          isPending={revoke.isPending}
          error={revoke.isError ? `Could not revoke: ${errorMessage(revoke.error)}` : undefined}
        />
      )}
    </div>
  );
}
