import { Notice } from '@/components/ui/states';
import { formatDateTime, formatRelative } from '@/lib/format';

import { useQuota } from '../api/get-quota';

/** eBay calls used today against the daily budget; renders nothing where the server has no quota endpoint. */
export function QuotaUsage() {
  const quota = useQuota();
  if (!quota.data) return null;
  const {
    daily_budget: budget,
    calls_today: used,
    resets_at: resetsAt,
    demand_per_day: demand,
    stretch_factor: stretch,
    policy,
    alerts,
    warning,
  } = quota.data;
  const percent = budget > 0 ? Math.min(100, Math.round((used / budget) * 100)) : 100;
  return (
    <section className="card stack" aria-labelledby="quota-title">
      <h2 id="quota-title">eBay usage today</h2>
      <label className="quota">
        <span>
          {used.toLocaleString('en-US')} of {budget.toLocaleString('en-US')} searches used ({percent}%)
        </span>
        <progress max={budget || 1} value={Math.min(used, budget)}>
          {percent}%
        </progress>
      </label>
      {warning && <Notice tone="warning">{warning}</Notice>}
      {policy !== 'adaptive' && typeof stretch === 'number' && stretch > 1 && (
        <p className="facts__note">
          The active alerts would need about {Math.round(demand ?? 0).toLocaleString('en-US')} searches a day, more than
          the budget, so every alert currently runs about {stretch.toLocaleString('en-US', { maximumFractionDigits: 1 })}×
          less often than chosen.
        </p>
      )}
      {alerts && alerts.length > 0 && (
        <div className="stack">
          <h3 id="quota-plan-title">How often your alerts search</h3>
          <ul className="quota-plan" aria-labelledby="quota-plan-title">
            {alerts.map((alert) => (
              <li key={alert.alert_id}>
                <span className="quota-plan__phrase">{alert.search_phrase}</span>{' '}
                <span className={alert.effective_interval_minutes > alert.frequency_minutes ? 'muted' : undefined}>
                  {alert.explanation}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
      <p className="muted small">
        The budget is shared by every alert on this server; when it runs short, runs are spread out rather than
        dropped{policy === 'adaptive' ? ', and searches where new listings appear often run more often' : ''}.
        {resetsAt && (
          <>
            {' '}
            It resets <time dateTime={resetsAt} title={formatDateTime(resetsAt)}>{formatRelative(resetsAt)}</time>.
          </>
        )}
      </p>
    </section>
  );
}
