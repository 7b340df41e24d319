import { useState } from 'react';
import { Link } from 'react-router';

import { Button, buttonClass } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/dialog';
import { errorMessage } from '@/lib/api-client';
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
  const phrase = alert.search_phrase;

  const runNow = () => {
    setMessage(undefined);
    run.mutate(alert.id, {
      onSuccess: (outcome) => setMessage({ tone: 'success', text: describeRun(outcome) }),
      onError: (error) => setMessage({ tone: 'error', text: `Run failed: ${errorMessage(error)}` }),
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
        <Button size="sm" variant="primary" onClick={runNow} isLoading={run.isPending} aria-label={`Run “${phrase}” now`}>
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
