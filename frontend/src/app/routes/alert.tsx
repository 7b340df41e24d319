import { Link, useLocation, useNavigate, useParams } from 'react-router';

import { ErrorState, Loading, Notice } from '@/components/ui/states';
import { useAlert } from '@/features/alerts/api/get-alert';
import { AlertActions } from '@/features/alerts/components/alert-actions';
import { AlertFilters, AlertSchedule, StatusBadge } from '@/features/alerts/components/alert-details';
import { AlertListings } from '@/features/alerts/components/alert-listings';
import { EmailSubscriptions } from '@/features/alerts/components/email-subscriptions';
import { AlertChannels } from '@/features/channels/components/alert-channels';
import { AlertInsights } from '@/features/insights/components/alert-insights';
import { isNotFound } from '@/lib/api-client';
import { useNow } from '@/lib/use-now';

export function AlertNotFound() {
  return (
    <>
      <title>Alert not found · eBay Alerts</title>
      <h1>Alert not found</h1>
      <p>It may have been deleted.</p>
      <p>
        <Link to="/">Back to your alerts</Link>
      </p>
    </>
  );
}

export function Component() {
  const { id = '' } = useParams();
  const alert = useAlert(id);
  const navigate = useNavigate();
  const location = useLocation();
  const now = useNow();
  const saved = (location.state as { saved?: 'created' | 'updated' } | null)?.saved;

  if (alert.isPending) return <Loading label="Loading the alert…" />;
  if (alert.isError) {
    if (isNotFound(alert.error)) return <AlertNotFound />;
    return <ErrorState error={alert.error} title="Could not load the alert" onRetry={() => void alert.refetch()} isRetrying={alert.isFetching} />;
  }

  const data = alert.data;
  return (
    <div className="stack-lg">
      <title>{`${data.search_phrase} · eBay Alerts`}</title>
      <p>
        <Link to="/">← All alerts</Link>
      </p>
      {saved && <Notice tone="success">{saved === 'created' ? 'Alert created. Its first search runs right away.' : 'Changes saved.'}</Notice>}
      <section className="card stack" aria-labelledby="alert-title">
        <div className="alert-card__header">
          <h1 id="alert-title" className="alert-page__title">
            {data.search_phrase}
          </h1>
          <StatusBadge alert={data} />
        </div>
        <AlertFilters alert={data} />
        <AlertSchedule alert={data} now={now} />
        <EmailSubscriptions alert={data} />
        <AlertChannels alert={data} />
        <AlertActions alert={data} onDeleted={() => void navigate('/', { replace: true })} />
      </section>
      <section className="card stack" aria-labelledby="history-title">
        <h2 id="history-title">Price history, last 14 days</h2>
        <AlertInsights alertId={id} />
      </section>
      <section className="card stack" aria-labelledby="listings-title">
        <h2 id="listings-title">Recent listings</h2>
        <AlertListings alertId={id} currency={data.currency} alert={data} />
      </section>
    </div>
  );
}
