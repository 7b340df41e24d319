import { formatDateTime, formatRelative } from '@/lib/format';

import { useQuota } from '../api/get-quota';

/** eBay calls used today against the daily budget; renders nothing where the server has no quota endpoint. */
export function QuotaUsage() {
  const quota = useQuota();
  if (!quota.data) return null;
  const { daily_budget: budget, calls_today: used, resets_at: resetsAt, demand_per_day: demand, stretch_factor: stretch } = quota.data;
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
      {typeof stretch === 'number' && stretch > 1 && (
        <p className="facts__note">
          The active alerts would need about {Math.round(demand ?? 0).toLocaleString('en-US')} searches a day, more than
          the budget, so every alert currently runs about {stretch.toLocaleString('en-US', { maximumFractionDigits: 1 })}×
          less often than chosen.
        </p>
      )}
      <p className="muted small">
        The budget is shared by every alert on this server; when it runs short, runs are spread out rather than
        dropped.
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
