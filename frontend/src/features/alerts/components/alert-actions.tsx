import { useEffect, useState } from 'react';
import { Link } from 'react-router';

import { Button, buttonClass } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/dialog';
import { ApiError, errorMessage, formatWait } from '@/lib/api-client';
import type { Alert } from '@/lib/api-models';

import { useDeleteAlert } from '../api/delete-alert';
import { useRunAlert, type RunOutcome } from '../api/run-alert';
import { useUpdateAlert } from '../api/update-alert';

export function describeRun(outcome: RunOutcome): string {
  const found = outcome.items_found === 1 ? '1 listing' : `${outcome.items_found} listings`;
  const fresh = outcome.new_items === 0 ? 'none new' : outcome.new_items === 1 ? '1 new' : `${outcome.new_items} new`;
  const email = outcome.email_sent ? 'An email is on its way.' : 'No email sent.';
  return `Found ${found}, ${fresh}. ${email}`;
}

/**
 * Why a run was refused with 429: the server limits "Run now" per alert (a few a minute, kept in
 * Redis so every replica counts) and by the shared daily eBay budget, and says when to retry.
 */
export function describeRunLimit(error: ApiError): string {
  const wait = error.retryAfter ? `in ${formatWait(error.retryAfter)}` : 'in a moment';
  return `Not run: “Run now” is limited to a few runs a minute per alert and by the daily eBay budget. Try again ${wait}.`;
}

interface AlertActionsProps {
  alert: Alert;
  /** Called after the alert is gone (e.g. to leave its page). */
  onDeleted?: (alert: Alert) => void;
  /** Hides the Edit link (on the edit page itself). */
  showEdit?: boolean;
}

/** Run now, pause/resume, edit and delete, with their outcomes announced next to them. */
export function AlertActions({ alert, onDeleted, showEdit = true }: AlertActionsProps) {
  const run = useRunAlert();
  const update = useUpdateAlert();
  const remove = useDeleteAlert();
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [message, setMessage] = useState<{ tone: 'success' | 'error'; text: string }>();
  // After a 429 the button rests until the server's Retry-After has passed.
  const [resting, setResting] = useState(0);
  const phrase = alert.search_phrase;

  useEffect(() => {
    if (!resting) return;
    const timer = window.setTimeout(() => setResting(0), resting * 1000);
    return () => window.clearTimeout(timer);
  }, [resting]);

  const runNow = () => {
    setMessage(undefined);
    run.mutate(alert.id, {
      onSuccess: (outcome) => setMessage({ tone: 'success', text: describeRun(outcome) }),
      onError: (error) => {
        if (error instanceof ApiError && error.status === 429) {
          setMessage({ tone: 'error', text: describeRunLimit(error) });
          setResting(error.retryAfter ?? 5);
          return;
        }
        setMessage({ tone: 'error', text: `Run failed: ${errorMessage(error)}` });
      },
    });
  };

  const togglePause = () => {
    setMessage(undefined);
    const paused = !alert.paused;
    update.mutate(
      { id: alert.id, changes: { paused } },
      {
        onSuccess: () => setMessage({ tone: 'success', text: paused ? 'Paused.' : 'Resumed.' }),
        onError: (error) =>
          setMessage({ tone: 'error', text: `Could not ${paused ? 'pause' : 'resume'}: ${errorMessage(error)}` }),
      },
    );
  };

  const confirmDelete = () => {
    remove.mutate(alert.id, {
      onSuccess: () => {
        setConfirmingDelete(false);
        onDeleted?.(alert);
      },
    });
  };

  return (
    <div className="alert-actions">
      <div className="button-row">
        <Button
          size="sm"
          variant="primary"
          onClick={runNow}
          isLoading={run.isPending}
          disabled={resting > 0}
          aria-label={`Run “${phrase}” now`}
        >
          Run now
        </Button>
        <Button
          size="sm"
          onClick={togglePause}
          isLoading={update.isPending}
          aria-label={`${alert.paused ? 'Resume' : 'Pause'} “${phrase}”`}
        >
          {alert.paused ? 'Resume' : 'Pause'}
        </Button>
        {showEdit && (
          <Link to={`/alerts/${alert.id}/edit`} className={buttonClass('secondary', 'sm')} aria-label={`Edit “${phrase}”`}>
            Edit
          </Link>
        )}
        <Button
          size="sm"
          variant="danger"
          onClick={() => {
            remove.reset();
            setConfirmingDelete(true);
          }}
          aria-label={`Delete “${phrase}”`}
        >
          Delete
        </Button>
      </div>
      <p role="status" className={`action-status${message ? ` action-status--${message.tone}` : ''}`}>
        {message?.text}
      </p>
      {confirmingDelete && (
        <ConfirmDialog
          title="Delete this alert?"
          description={
            <p>
              “{phrase}” will stop running and its emails stop. Its price history goes too. This cannot be undone.
            </p>
          }
          confirmLabel="Delete alert"
          onConfirm={confirmDelete}
          onCancel={() => setConfirmingDelete(false)}
          isPending={remove.isPending}
          error={remove.isError ? `Could not delete: ${errorMessage(remove.error)}` : undefined}
        />
      )}
    </div>
  );
}
