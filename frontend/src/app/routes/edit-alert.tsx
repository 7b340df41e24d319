import { Link, useNavigate, useParams } from 'react-router';

import { ErrorState, Loading } from '@/components/ui/states';
import { useAlert } from '@/features/alerts/api/get-alert';
import { useUpdateAlert } from '@/features/alerts/api/update-alert';
import { AlertForm } from '@/features/alerts/components/alert-form';
import { formValuesFromAlert } from '@/features/alerts/validation';
import { isNotFound } from '@/lib/api-client';

import { AlertNotFound } from './alert';

export function Component() {
  const { id = '' } = useParams();
  const alert = useAlert(id);
  const update = useUpdateAlert();
  const navigate = useNavigate();

  if (alert.isPending) return <Loading label="Loading the alert…" />;
  if (alert.isError) {
    if (isNotFound(alert.error)) return <AlertNotFound />;
    return <ErrorState error={alert.error} title="Could not load the alert" onRetry={() => void alert.refetch()} isRetrying={alert.isFetching} />;
  }

  return (
    <div className="narrow">
      <title>{`Edit “${alert.data.search_phrase}” · eBay Alerts`}</title>
      <p>
        <Link to={`/alerts/${id}`}>← Back to the alert</Link>
      </p>
      <h1>Edit alert</h1>
      <AlertForm
        // A fresh form per revision, so values saved elsewhere are not overwritten by stale ones.
        key={alert.data.revision}
        initialValues={formValuesFromAlert(alert.data)}
        submitLabel="Save changes"
        isPending={update.isPending}
        cancelTo={`/alerts/${id}`}
        onSubmit={async (input) => {
          await update.mutateAsync({ id, changes: input });
          await navigate(`/alerts/${id}`, { state: { saved: 'updated' } });
        }}
      />
    </div>
  );
}
