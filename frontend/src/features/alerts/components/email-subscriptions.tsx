import { Button } from '@/components/ui/button';
import { Notice } from '@/components/ui/states';
import { errorMessage } from '@/lib/api-client';
import type { Alert } from '@/lib/api-models';

import { useUpdateAlert } from '../api/update-alert';

/**
 * Which of the alert's emails are off (after an unsubscribe link), each with a way to resume.
 * Nothing when both kinds are on.
 */
export function EmailSubscriptions({ alert }: { alert: Alert }) {
  const update = useUpdateAlert();
  const off = [
    alert.alert_emails === false && {
      field: 'alert_emails' as const,
      text: 'Alert emails are off: the alert keeps running and its listings show here, but no email is sent.',
      label: 'Resume alert emails',
    },
    alert.insight_emails === false && {
      field: 'insight_emails' as const,
      text: 'Insight emails (price trends) are off for this alert.',
      label: 'Resume insight emails',
    },
  ].filter((x) => x !== false);
  if (off.length === 0) return null;
  return (
    <div className="stack">
      {off.map(({ field, text, label }) => (
        <Notice key={field} tone="warning">
          <p>{text}</p>
          <Button
            size="sm"
            onClick={() => update.mutate({ id: alert.id, changes: { [field]: true } })}
            isLoading={update.isPending && update.variables?.changes[field] === true}
          >
            {label}
          </Button>
        </Notice>
      ))}
      {update.isError && <Notice tone="error">Could not resume: {errorMessage(update.error)}</Notice>}
    </div>
  );
}
