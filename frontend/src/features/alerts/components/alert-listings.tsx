import { useState } from 'react';
import { Link } from 'react-router';

import { Button } from '@/components/ui/button';
import { ErrorState, Loading } from '@/components/ui/states';
import type { Alert } from '@/lib/api-models';
import { formatAgo, formatBuyingOptions, formatCondition, formatDateTime, formatMoney, formatPercent } from '@/lib/format';
import { useNow } from '@/lib/use-now';

import { useAlertItems, type AlertItem } from '../api/get-alert-items';

function safeUrl(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

function PriceChange({ item, currency }: { item: AlertItem; currency: string }) {
  const pct = item.change_pct !== null && item.change_pct !== undefined ? Number(item.change_pct) : undefined;
  if (pct === undefined || !Number.isFinite(pct) || pct === 0) {
    return item.previous_price && item.previous_price !== item.price ? (
      <span className="muted">(was {formatMoney(item.previous_price, currency)})</span>
    ) : null;
  }
  return (
    <span className={pct < 0 ? 'text-success' : 'text-danger'}>
      {formatPercent(pct)}
      {item.previous_price && <span className="muted"> (was {formatMoney(item.previous_price, currency)})</span>}
    </span>
  );
}

/** The listing's picture, or an empty frame when there is none or it does not load. */
function ListingImage({ src }: { src: string | undefined }) {
  const [failed, setFailed] = useState(false);
  if (!src || failed) return <span className="listing__image listing__image--none" aria-hidden="true" />;
  return <img className="listing__image" src={src} alt="" loading="lazy" width={64} height={64} onError={() => setFailed(true)} />;
}

const FIRST_SHOWN = 10;

/**
 * What to change when a run found nothing: each filter that narrows the search, in the alert's
 * own terms. (How many listings the filters hid is not recorded by runs yet.)
 */
export function NothingFound({ alert }: { alert: Alert }) {
  const tips: string[] = [];
  if (alert.min_price || alert.max_price) {
    const range = [alert.min_price && `from ${formatMoney(alert.min_price, alert.currency)}`, alert.max_price && `up to ${formatMoney(alert.max_price, alert.currency)}`]
      .filter(Boolean)
      .join(' ');
    tips.push(`Widen the price range (now ${range}) or remove it.`);
  }
  if (alert.condition !== 'any') tips.push(`Allow any condition (now ${formatCondition(alert.condition)} only).`);
  if (alert.buying_options !== 'any') {
    tips.push(`Include every buying format (now ${formatBuyingOptions(alert.buying_options)} only).`);
  }
  tips.push('Use fewer or more general words in the search phrase.');
  return (
    <div className="notice notice--info">
      <p className="notice__title">The last run found no listings</p>
      <p>eBay had nothing that matches all of this alert’s filters. To find more:</p>
      <ul>
        {tips.map((tip) => (
          <li key={tip}>{tip}</li>
        ))}
      </ul>
      <p>
        <Link to={`/alerts/${alert.id}/edit`}>Edit the filters</Link>
      </p>
    </div>
  );
}

/** The listings an alert matched recently, newest first, each linking to eBay. */
export function AlertListings({ alertId, currency, alert }: { alertId: string; currency: string; alert?: Alert }) {
  const items = useAlertItems(alertId);
  const now = useNow();
  const [showAll, setShowAll] = useState(false);

  if (items.isPending) return <Loading label="Loading listings…" />;
  if (items.isError) {
    return (
      <ErrorState
        error={items.error}
        title="Could not load the listings"
        onRetry={() => void items.refetch()}
        isRetrying={items.isFetching}
      />
    );
  }
  if (items.data.length === 0) {
    // A run that worked and found nothing is a different story from no run yet (or a failed one).
    if (alert?.last_run_at && alert.last_run_status !== 'error') return <NothingFound alert={alert} />;
    return <p className="muted">No listings yet. They appear after the alert’s first run; use “Run now” to search at once.</p>;
  }
  const shown = showAll ? items.data : items.data.slice(0, FIRST_SHOWN);
  return (
    <>
      <ul className="listings" aria-label="Recent listings">
        {shown.map((item) => {
          const href = safeUrl(item.item_url);
          const image = safeUrl(item.image_url);
          const itemCurrency = item.currency ?? currency;
          return (
            <li key={item.item_id} className="listing">
              <ListingImage src={image} />
              <div className="listing__body">
                {href ? (
                  <a href={href} target="_blank" rel="noopener noreferrer" className="listing__title">
                    {item.title}
                    <span className="visually-hidden"> (opens eBay in a new tab)</span>
                  </a>
                ) : (
                  <span className="listing__title">{item.title}</span>
                )}
                <p className="listing__meta">
                  <strong className="listing__price">{formatMoney(item.price, itemCurrency)}</strong>{' '}
                  <PriceChange item={item} currency={itemCurrency} />
                </p>
                {item.first_seen_at && (
                  <p className="listing__meta muted">
                    First seen{' '}
                    <time dateTime={item.first_seen_at} title={formatDateTime(item.first_seen_at)}>
                      {formatAgo(item.first_seen_at, now)}
                    </time>
                  </p>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      {items.data.length > shown.length && (
        <div>
          <Button size="sm" onClick={() => setShowAll(true)}>
            Show all {items.data.length} listings
          </Button>
        </div>
      )}
    </>
  );
}
