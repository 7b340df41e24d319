import { Link } from 'react-router';

import type { Alert } from '@/lib/api-models';
import { useNow } from '@/lib/use-now';

import { AlertActions } from './alert-actions';
import { AlertFilters, AlertSchedule, StatusBadge } from './alert-details';

interface AlertsListProps {
  alerts: Alert[];
  onDeleted: (alert: Alert) => void;
}

export function AlertsList({ alerts, onDeleted }: AlertsListProps) {
  const now = useNow();
  return (
    <ul className="alert-list" aria-label="Alerts">
      {alerts.map((alert) => (
        <li key={alert.id} className="card alert-card">
          <article aria-labelledby={`alert-${alert.id}-title`}>
            <header className="alert-card__header">
              <h2 id={`alert-${alert.id}-title`} className="alert-card__title">
                <Link to={`/alerts/${alert.id}`}>{alert.search_phrase}</Link>
              </h2>
              <StatusBadge alert={alert} />
            </header>
            <AlertFilters alert={alert} />
            <AlertSchedule alert={alert} now={now} />
            <AlertActions alert={alert} onDeleted={onDeleted} />
          </article>
        </li>
      ))}
    </ul>
  );
}
