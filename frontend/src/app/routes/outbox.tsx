import { Link, useSearchParams } from 'react-router';

import { ErrorState, Loading } from '@/components/ui/states';
import { findNewLink, useOutbox, type NewLinkTarget } from '@/features/outbox/api/get-outbox';
import { OutboxList } from '@/features/outbox/components/outbox-list';

/** `?to=ada@example.com&after=<ISO time>`: the link the check-your-email page sent the person for. */
function useTarget(): NewLinkTarget | undefined {
  const [params] = useSearchParams();
  const to = params.get('to');
  if (!to) return undefined;
  const askedAt = Date.parse(params.get('after') ?? '');
  return { to, askedAt: Number.isNaN(askedAt) ? undefined : askedAt };
}

export function Component() {
  const target = useTarget();
  const outbox = useOutbox({ waitingFor: target });
  const newLink = target && outbox.data ? findNewLink(outbox.data, target) : undefined;
  // The link just asked for goes first, whatever arrived after it.
  const emails = outbox.data && newLink ? [newLink, ...outbox.data.filter((e) => e.id !== newLink.id)] : outbox.data;

  return (
    <div className="stack">
      <title>Outbox · eBay Alerts</title>
      <h1>Outbox</h1>
      {outbox.isPending ? (
        <Loading label="Loading the outbox…" />
      ) : outbox.isError ? (
        <ErrorState error={outbox.error} title="Could not load the outbox" onRetry={() => void outbox.refetch()} isRetrying={outbox.isFetching} />
      ) : !emails ? (
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
          {target && (
            <div role="status">
              {/* One live region for both states, so the change is announced. */}
              <p className={`notice notice--${newLink ? 'success' : 'info'}`}>
                {/* One span: the notice lays out its children as a column. */}
                {newLink ? (
                  <span>
                    Your new sign-in link for <strong>{target.to}</strong> is the first email below.
                  </span>
                ) : (
                  <span>
                    Waiting for the sign-in email to <strong>{target.to}</strong>; it arrives within a few seconds.
                  </span>
                )}
              </p>
            </div>
          )}
          {emails.length === 0 ? (
            <p>No emails yet. Ask for a sign-in link and it appears here within a few seconds.</p>
          ) : (
            <OutboxList emails={emails} newLinkId={newLink?.id} />
          )}
        </>
      )}
    </div>
  );
}
