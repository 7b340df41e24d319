import { Link } from 'react-router';

import { ErrorState, Loading } from '@/components/ui/states';
import { useOutbox } from '@/features/outbox/api/get-outbox';
import { OutboxList } from '@/features/outbox/components/outbox-list';

export function Component() {
  const outbox = useOutbox({ poll: true });

  return (
    <div className="stack">
      <title>Outbox · eBay Alerts</title>
      <h1>Outbox</h1>
      {outbox.isPending ? (
        <Loading label="Loading the outbox…" />
      ) : outbox.isError ? (
        <ErrorState error={outbox.error} title="Could not load the outbox" onRetry={() => void outbox.refetch()} isRetrying={outbox.isFetching} />
      ) : outbox.data === null ? (
        <p>
          This server sends real emails, so there is no outbox to show. The outbox exists only in the zero-setup mode.{' '}
          <Link to="/">Back to the dashboard</Link>
        </p>
      ) : (
        <>
          <p className="muted">
            This server runs in the zero-setup mode: instead of sending emails it keeps them here, newest first. Open a
            sign-in link to sign in as that address.
          </p>
          {outbox.data.length === 0 ? (
            <p>No emails yet. Ask for a sign-in link and it appears here within a few seconds.</p>
          ) : (
            <OutboxList emails={outbox.data} />
          )}
        </>
      )}
    </div>
  );
}
