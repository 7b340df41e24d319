import { lazy, Suspense } from 'react';

import { ErrorState, Loading } from '@/components/ui/states';
import { isNotFound } from '@/lib/api-client';
import { formatDateTime } from '@/lib/format';

import { exportUrl, INSIGHT_DAYS, useInsights } from '../api/get-insights';

import { InsightsSummary } from './insights-summary';

// Its own chunk: only an alert with enough history draws a chart, and no other page needs it.
const PriceChart = lazy(() => import('./price-chart').then((m) => ({ default: m.PriceChart })));

const MIN_DAYS = 3;
const TITLE = 'Not enough data yet';

/**
 * The server's sentence without the "Not enough data yet: " it starts with, which the notice's
 * title already says: "1 day with observations; …" reads once, not twice.
 */
export function withoutTitle(message: string): string {
  if (!message.toLowerCase().startsWith(TITLE.toLowerCase())) return message;
  const rest = message.slice(TITLE.length).replace(/^[\s:;,.—–-]+/, '');
  return rest ? rest.charAt(0).toUpperCase() + rest.slice(1) : message;
}

/** The price history of one alert: chart and summary, or an honest "not enough data yet". */
export function AlertInsights({ alertId }: { alertId: string }) {
  const insights = useInsights(alertId, INSIGHT_DAYS);

  if (insights.isPending) return <Loading label="Loading price history…" />;
  // analytics-service has no report for an alert it has not seen observations for yet.
  if (insights.isError && isNotFound(insights.error)) {
    return (
      <div className="notice notice--info">
        <p className="notice__title">{TITLE}</p>
        <p>No price history yet: it builds up each time the alert runs, and the chart appears after a few days.</p>
      </div>
    );
  }
  if (insights.isError) {
    return (
      <ErrorState
        error={insights.error}
        title="Price history is unavailable right now"
        onRetry={() => void insights.refetch()}
        isRetrying={insights.isFetching}
      />
    );
  }

  const report = insights.data;
  if (!report.enough_data) {
    const days = report.days_with_data ?? report.series.length;
    return (
      <div className="notice notice--info">
        <p className="notice__title">{TITLE}</p>
        <p>
          {report.message
            ? withoutTitle(report.message)
            : `Price insights need observations on at least ${MIN_DAYS} different days; this alert has ${days === 1 ? '1 day' : `${days} days`} so far.`}
        </p>
        <p className="muted">The chart appears once the alert has run on a few different days.</p>
      </div>
    );
  }

  return (
    <div className="stack">
      <Suspense fallback={<Loading label="Drawing the chart…" />}>
        <PriceChart series={report.series} currency={report.currency} windowStart={report.window_start} windowEnd={report.window_end} />
      </Suspense>
      <InsightsSummary report={report} />
      <p className="small">
        Download: <a href={exportUrl(alertId, 'insights')} download>price history (CSV)</a> ·{' '}
        <a href={exportUrl(alertId, 'listings')} download>listings seen (CSV)</a>
      </p>
      {report.generated_at && <p className="muted small">Computed {formatDateTime(report.generated_at)}.</p>}
    </div>
  );
}
