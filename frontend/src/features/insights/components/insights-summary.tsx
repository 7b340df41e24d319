import { formatDay, formatMoney, formatPercent } from '@/lib/format';

import type { InsightReport, ListingPrice, SegmentInsight } from '../api/get-insights';

function safeHref(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

function ListingLink({ title, url }: { title: string; url: string }) {
  const href = safeHref(url);
  if (!href) return <>{title}</>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {title}
      <span className="visually-hidden"> (opens eBay in a new tab)</span>
    </a>
  );
}

function WeekOverWeek({ report }: { report: InsightReport }) {
  const { median_change_pct: pct, first_week_median: before, second_week_median: after } = report.summary;
  const change = pct !== null && pct !== undefined ? Number(pct) : undefined;
  if (change === undefined || !Number.isFinite(change)) {
    return <p className="muted">Not enough data yet to compare the two weeks.</p>;
  }
  const direction = change < 0 ? 'down' : change > 0 ? 'up' : 'unchanged';
  const prices =
    before && after ? ` (${formatMoney(before, report.currency)} → ${formatMoney(after, report.currency)})` : '';
  return (
    <p>
      <strong className={change < 0 ? 'text-success' : change > 0 ? 'text-danger' : undefined}>
        {direction === 'unchanged' ? 'Unchanged' : `${direction === 'down' ? 'Down' : 'Up'} ${formatPercent(change).replace(/^[+−]/, '')}`}
      </strong>{' '}
      typical asking price, first week against second week{prices}.
    </p>
  );
}

function badge(deal: SegmentInsight['deals'][number]['deal'] | undefined): string | undefined {
  if (!deal) return undefined;
  if (deal.kind === 'lowest_in_30_days') return 'Lowest in 30 days';
  return deal.percent_below_typical ? `${Number(deal.percent_below_typical)}% below typical` : 'Below typical';
}

function Deal({ deal, currency, verdict }: { deal: ListingPrice; currency: string; verdict?: string }) {
  return (
    <li>
      <ListingLink title={deal.title} url={deal.item_url} /> — <strong>{formatMoney(deal.price, currency)}</strong>
      {verdict && <span className="deal-badge"> {verdict}</span>}
    </li>
  );
}

/** Every kind of listing the alert saw, in plain words: "Used, fixed price: typical $231 …". */
function Segments({ report }: { report: InsightReport }) {
  if (report.segments.length < 2) return null;
  return (
    <section aria-labelledby="segments-title" className="summary-block">
      <h3 id="segments-title">By kind of listing</h3>
      <ul className="plain-list">
        {report.segments.map((s) => (
          <li key={s.segment}>
            <strong>{s.label}</strong>: typical {s.typical ? formatMoney(s.typical, report.currency) : '—'}, lowest{' '}
            {s.lowest ? formatMoney(s.lowest.price, report.currency) : '—'} ({s.count} prices seen)
            {!s.comparable && <span className="muted"> — not compared with working single items</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Week-over-week change, lowest price, good deals and biggest drops. */
export function InsightsSummary({ report }: { report: InsightReport }) {
  const { summary, currency } = report;
  const main = report.segments.find((s) => s.segment === report.main_segment);
  const verdicts = new Map((main?.deals ?? []).map((d) => [d.item_id, badge(d.deal)]));
  return (
    <div className="insights-summary">
      {main && (
        <p className="muted">
          Figures for <strong>{main.label}</strong> listings, compared with each other only.
          {main.change_explained && <> {main.change_explained}</>}
        </p>
      )}
      <section aria-labelledby="wow-title" className="summary-block">
        <h3 id="wow-title">Week over week</h3>
        <WeekOverWeek report={report} />
        {typeof summary.new_listings === 'number' && (
          <p className="muted">
            {summary.new_listings === 1 ? '1 new listing' : `${summary.new_listings} new listings`} in the last {report.days} days.
          </p>
        )}
      </section>
      <section aria-labelledby="lowest-title" className="summary-block">
        <h3 id="lowest-title">Lowest seen</h3>
        {summary.lowest ? (
          <p>
            <strong>{formatMoney(summary.lowest.price, currency)}</strong>: <ListingLink title={summary.lowest.title} url={summary.lowest.item_url} />
            {summary.lowest.date && <> on {formatDay(summary.lowest.date, true)}</>}
          </p>
        ) : (
          <p className="muted">No prices yet.</p>
        )}
      </section>
      <section aria-labelledby="deals-title" className="summary-block">
        <h3 id="deals-title">Good deals now</h3>
        {summary.good_deals.length > 0 ? (
          <>
            <p className="muted">Current listings well below the typical price of comparable listings.</p>
            <ul className="plain-list">
              {summary.good_deals.map((deal) => (
                <Deal key={deal.item_id} deal={deal} currency={currency} verdict={verdicts.get(deal.item_id)} />
              ))}
            </ul>
          </>
        ) : (
          <p className="muted">None this week: no current listing is well below the typical price of comparable listings.</p>
        )}
      </section>
      <Segments report={report} />
      {summary.biggest_drops.length > 0 && (
        <section aria-labelledby="drops-title" className="summary-block">
          <h3 id="drops-title">Biggest price drops</h3>
          <ul className="plain-list">
            {summary.biggest_drops.map((drop) => (
              <li key={drop.item_id}>
                <ListingLink title={drop.title} url={drop.item_url} />: {formatMoney(drop.from, currency)} →{' '}
                <strong>{formatMoney(drop.to, currency)}</strong> ({formatPercent(drop.change_pct)})
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
