import { Badge } from '@/components/ui/states';
import type { Alert } from '@/lib/api-models';
import {
  capitalize,
  formatBuyingOptions,
  formatConditions,
  formatDateTime,
  formatFrequency,
  formatInterval,
  formatAgo,
  formatMoney,
  formatRelative,
} from '@/lib/format';

/** "$100.00–$450.00", "from $100.00", "up to $450.00", or undefined without bounds. */
export function priceRange(alert: Alert): string | undefined {
  const { min_price: min, max_price: max, currency } = alert;
  if (min && max) return `${formatMoney(min, currency)}–${formatMoney(max, currency)}`;
  if (min) return `from ${formatMoney(min, currency)}`;
  if (max) return `up to ${formatMoney(max, currency)}`;
  return undefined;
}

/** The alert's filters as short phrases. */
export function AlertFilters({ alert }: { alert: Alert }) {
  const range = priceRange(alert);
  return (
    <ul className="tags" aria-label="Filters">
      <li>{range ? `${range} (${alert.currency})` : `Any price (${alert.currency})`}</li>
      <li>{formatConditions(alert.conditions ?? [])}</li>
      <li>{formatBuyingOptions(alert.buying_options)}</li>
      {alert.target_price && <li>Target ≤ {formatMoney(alert.target_price, alert.currency)}</li>}
      {(alert.min_price || alert.max_price || alert.target_price) && (
        <li>{alert.price_basis === 'item' ? 'Item price only' : 'Prices include shipping'}</li>
      )}
      {alert.ending_within_hours != null && <li>Auctions ending within {alert.ending_within_hours} h</li>}
      {(alert.exclude_words ?? []).length > 0 && <li>Without “{(alert.exclude_words ?? []).join('”, “')}”</li>}
      {(alert.exclude_sellers ?? []).length > 0 && (
        <li>
          {(alert.exclude_sellers ?? []).length} seller{(alert.exclude_sellers ?? []).length === 1 ? '' : 's'} left out
        </li>
      )}
      {alert.min_seller_feedback_percent != null && <li>Seller feedback ≥ {alert.min_seller_feedback_percent}%</li>}
      {alert.notify_on === 'deals_only' && <li>Deals only</li>}
    </ul>
  );
}

export function StatusBadge({ alert }: { alert: Alert }) {
  return alert.paused ? <Badge tone="warning">Paused</Badge> : <Badge tone="success">Active</Badge>;
}

function LastRun({ alert, now }: { alert: Alert; now: number }) {
  const when = alert.last_run_at ? (
    <time dateTime={alert.last_run_at} title={formatDateTime(alert.last_run_at)}>
      {formatAgo(alert.last_run_at, now)}
    </time>
  ) : null;
  switch (alert.last_run_status) {
    case 'ok':
      return <>New listings found {when}</>;
    case 'no_new_listings':
      return <>No new listings {when}</>;
    case 'error':
      return (
        <span className="text-danger">
          Failed {when}
          {alert.last_run_error ? `: ${alert.last_run_error}` : ''}
        </span>
      );
    default:
      return when ? <>Ran {when}</> : <>Not run yet</>;
  }
}

function NextRun({ alert, now }: { alert: Alert; now: number }) {
  if (alert.paused) return <>Paused: it will not run until resumed</>;
  const at = new Date(alert.next_run_at).getTime();
  if (Number.isNaN(at)) return <>—</>;
  return (
    <time dateTime={alert.next_run_at} title={formatDateTime(alert.next_run_at)}>
      {at <= now ? 'due now' : formatRelative(alert.next_run_at, now)}
    </time>
  );
}

/** Frequency (and a budget stretch, if any), last run and next run. */
export function AlertSchedule({ alert, now }: { alert: Alert; now: number }) {
  const stretched =
    typeof alert.effective_interval_minutes === 'number' && alert.effective_interval_minutes > alert.frequency_minutes;
  return (
    <dl className="facts">
      <div>
        <dt>Frequency</dt>
        <dd>
          {capitalize(formatFrequency(alert.frequency_minutes))}
          {stretched && (
            <span className="facts__note">
              Currently runs {formatInterval(alert.effective_interval_minutes ?? 0)} to stay within the daily eBay
              budget.
            </span>
          )}
        </dd>
      </div>
      <div>
        <dt>Last run</dt>
        <dd>
          <LastRun alert={alert} now={now} />
        </dd>
      </div>
      <div>
        <dt>Next run</dt>
        <dd>
          <NextRun alert={alert} now={now} />
        </dd>
      </div>
    </dl>
  );
}
