import { useState } from 'react';
import { Link } from 'react-router';

import { Button } from '@/components/ui/button';
import { ErrorState, Loading } from '@/components/ui/states';
import type { Alert } from '@/lib/api-models';
import {
  formatAgo,
  formatBuyingOptions,
  formatCondition,
  formatConditions,
  formatDateTime,
  formatHidden,
  formatMoney,
  formatPercent,
  formatPriceWithShipping,
  formatTimeLeft,
} from '@/lib/format';
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

/** "Lowest in 30 days" or "18.5% below typical": the verdict's badge, as in alert emails. */
export function dealBadge(deal: AlertItem['deal']): string | undefined {
  if (!deal) return undefined;
  if (deal.kind === 'lowest_in_30_days') return 'Lowest in 30 days';
  if (deal.kind === 'below_typical') {
    return deal.percent_below_typical ? `${Number(deal.percent_below_typical)}% below typical` : 'Below typical';
  }
  return undefined;
}

/** Condition, format (with bids and time left) and seller, as a buyer scans them. */
function ListingFacts({ item, now }: { item: AlertItem; now: number }) {
  const facts: string[] = [];
  if (item.condition) facts.push(formatCondition(item.condition));
  else if (item.condition_label) facts.push(item.condition_label);
  if (item.buying_option === 'auction') {
    const bids = item.bid_count ?? 0;
    facts.push(`Auction, ${bids} bid${bids === 1 ? '' : 's'}`);
  } else if (item.buying_option) {
    facts.push(formatBuyingOptions(item.buying_option));
  }
  const left = formatTimeLeft(item.ends_at, now);
  if (left) facts.push(left);
  if (item.seller) {
    facts.push(item.seller_feedback_percent ? `${item.seller} (${Number(item.seller_feedback_percent)}% positive)` : item.seller);
  }
  if (facts.length === 0) return null;
  return (
    <ul className="listing__facts" aria-label="Details">
      {facts.map((fact) => (
        <li key={fact}>{fact}</li>
      ))}
    </ul>
  );
}

/** "12 hidden: 8 for parts, 3 excluded words, 1 seller" after the last run, if it hid any. */
export function HiddenByFilters({ alert }: { alert: Alert }) {
  const text = formatHidden(alert.last_run_hidden);
  if (!text) return null;
  return (
    <p className="muted small" data-testid="hidden-summary">
      Last run: {text}.
    </p>
  );
}

/**
 * What to change when a run found nothing: how many listings the alert's own filters hid, and
 * each filter that narrows the search, in the alert's own terms.
 */
export function NothingFound({ alert }: { alert: Alert }) {
  const tips: string[] = [];
  const hidden = formatHidden(alert.last_run_hidden);
  if ((alert.exclude_words ?? []).length > 0) tips.push('Remove some excluded words.');
  if (alert.min_seller_feedback_percent != null) tips.push('Lower the minimum seller feedback.');
  if (alert.min_price || alert.max_price) {
    const range = [alert.min_price && `from ${formatMoney(alert.min_price, alert.currency)}`, alert.max_price && `up to ${formatMoney(alert.max_price, alert.currency)}`]
      .filter(Boolean)
      .join(' ');
    tips.push(`Widen the price range (now ${range}) or remove it.`);
  }
  if ((alert.conditions ?? []).length < 4) {
    tips.push(`Allow more conditions (now ${formatConditions(alert.conditions ?? [])} only).`);
  }
  if (alert.buying_options !== 'any') {
    tips.push(`Include every buying format (now ${formatBuyingOptions(alert.buying_options)} only).`);
  }
  tips.push('Use fewer or more general words in the search phrase.');
  return (
    <div className="notice notice--info">
      <p className="notice__title">The last run found no listings</p>
      <p>
        {hidden
          ? `eBay returned listings, but this alert’s filters hid them (${hidden}). To see more:`
          : 'eBay had nothing that matches all of this alert’s filters. To find more:'}
      </p>
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
      {alert && <HiddenByFilters alert={alert} />}
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
                {dealBadge(item.deal) && <p className="deal-badge">{dealBadge(item.deal)}</p>}
                <p className="listing__meta">
                  <strong className="listing__price">
                    {item.buying_option === 'auction' ? 'Current bid ' : ''}
                    {formatPriceWithShipping(item.price, item.shipping_cost, itemCurrency)}
                  </strong>{' '}
                  {item.total_price && item.shipping_cost && Number(item.shipping_cost) > 0 && (
                    <span className="muted">= {formatMoney(item.total_price, itemCurrency)} </span>
                  )}
                  <PriceChange item={item} currency={itemCurrency} />
                </p>
                <ListingFacts item={item} now={now} />
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
