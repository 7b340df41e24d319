import { useState } from 'react';
import { Link, Navigate, useSearchParams } from 'react-router';

import { buttonClass } from '@/components/ui/button';
import { Pagination } from '@/components/ui/pagination';
import { EmptyState, ErrorState, Loading, Notice } from '@/components/ui/states';
import { ALERTS_PER_PAGE, useAlerts } from '@/features/alerts/api/get-alerts';
import { AlertsList } from '@/features/alerts/components/alerts-list';

function pageFrom(params: URLSearchParams): number {
  const page = Number(params.get('page') ?? '1');
  return Number.isInteger(page) && page >= 1 ? page : 1;
}

export function Component() {
  const [params] = useSearchParams();
  const page = pageFrom(params);
  const alerts = useAlerts(page, ALERTS_PER_PAGE);
  const [deleted, setDeleted] = useState<string>();

  const heading = (
    <div className="page-header">
      <h1>Your alerts</h1>
      <Link to="/alerts/new" className={buttonClass('primary')}>
        New alert
      </Link>
    </div>
  );

  if (alerts.isPending) {
    return (
      <>
        <title>Alerts · eBay Alerts</title>
        {heading}
        <Loading label="Loading your alerts…" />
      </>
    );
  }
  if (alerts.isError) {
    return (
      <>
        <title>Alerts · eBay Alerts</title>
        {heading}
        <ErrorState error={alerts.error} title="Could not load your alerts" onRetry={() => void alerts.refetch()} isRetrying={alerts.isFetching} />
      </>
    );
  }

  const { items, total, per_page: perPage } = alerts.data;
  const lastPage = Math.max(1, Math.ceil(total / Math.max(1, perPage)));
  // Deleting the last alert of the last page, or an old bookmark, can leave us past the end.
  if (items.length === 0 && total > 0 && page > lastPage && !alerts.isPlaceholderData) {
    return <Navigate to={lastPage === 1 ? '/' : `/?page=${lastPage}`} replace />;
  }

  const first = (page - 1) * perPage + 1;
  return (
    <>
      <title>Alerts · eBay Alerts</title>
      {heading}
      {deleted && <Notice tone="success">Deleted “{deleted}”.</Notice>}
      {total === 0 ? (
        <EmptyState title="No alerts yet">
          <p>
            An alert is a saved eBay search. Give it a phrase such as “lego 42100”, optionally a price range, condition
            and a target price, and choose how often to look. Each time it runs you get an email with the listings that
            are new to you, and the ones whose price dropped, never the same listing twice for no reason.
          </p>
          <p>
            <Link to="/alerts/new" className={buttonClass('primary')}>
              Create your first alert
            </Link>
          </p>
        </EmptyState>
      ) : (
        <div aria-busy={alerts.isPlaceholderData || undefined}>
          <p className="muted" aria-live="polite">
            {countLine(first, items.length, total)}
          </p>
          <AlertsList alerts={items} onDeleted={(alert) => setDeleted(alert.search_phrase)} />
          <Pagination page={page} perPage={perPage} total={total} hrefFor={(p) => (p === 1 ? '/' : `/?page=${p}`)} />
        </div>
      )}
    </>
  );
}

/**
 * "1 alert", "3 alerts" when they all fit on the page, "Showing 11–20 of 25 alerts" when paged:
 * one way of counting, whatever the number.
 */
export function countLine(first: number, shown: number, total: number): string {
  const noun = total === 1 ? 'alert' : 'alerts';
  if (shown >= total) return `${total} ${noun}`;
  return `Showing ${first}–${first + shown - 1} of ${total} ${noun}`;
}
