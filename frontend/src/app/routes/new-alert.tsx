import { Link, useNavigate } from 'react-router';

import { useCreateAlert } from '@/features/alerts/api/create-alert';
import { AlertForm } from '@/features/alerts/components/alert-form';
import { EMPTY_ALERT_FORM } from '@/features/alerts/validation';

export function Component() {
  const create = useCreateAlert();
  const navigate = useNavigate();
  return (
    <div className="narrow">
      <title>New alert · eBay Alerts</title>
      <p>
        <Link to="/">← All alerts</Link>
      </p>
      <h1>New alert</h1>
      <p className="muted">Its first search runs right away; after that at the frequency you choose.</p>
      <AlertForm
        initialValues={EMPTY_ALERT_FORM}
        submitLabel="Create alert"
        isPending={create.isPending}
        cancelTo="/"
        onSubmit={async (input) => {
          const alert = await create.mutateAsync(input);
          await navigate(`/alerts/${alert.id}`, { state: { saved: 'created' } });
        }}
      />
    </div>
  );
}
