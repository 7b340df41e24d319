import { useEffect, useId, useRef, useState } from 'react';

import { formatDay, formatMoney } from '@/lib/format';

import type { DailyPoint } from '../api/get-insights';

const DEFAULT_WIDTH = 640;
const DAY_MS = 86_400_000;

/**
 * The rendered width of an element, so the SVG is drawn at its real size and its text stays
 * readable on a phone instead of being scaled down with the picture.
 */
function useWidth<T extends HTMLElement>(fallback: number) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => {
      const measured = Math.round(entry?.contentRect.width ?? 0);
      if (measured > 0) setWidth(measured);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

interface Point {
  day: number;
  date: string;
  min: number;
  p25: number | undefined;
  median: number;
  p75: number | undefined;
  max: number;
  count: number;
}

function toNumber(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function dayNumber(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/** 1, 2 or 5 times a power of ten, for round axis ticks. */
function niceStep(range: number, ticks: number): number {
  const raw = range / Math.max(1, ticks);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

function points(series: DailyPoint[]): Point[] {
  const out: Point[] = [];
  for (const p of series) {
    const day = dayNumber(p.date);
    const min = toNumber(p.min);
    const median = toNumber(p.median);
    const max = toNumber(p.max);
    if (Number.isNaN(day) || min === undefined || median === undefined || max === undefined) continue;
    out.push({ day, date: p.date, min, median, max, p25: toNumber(p.p25), p75: toNumber(p.p75), count: p.count });
  }
  return out.sort((a, b) => a.day - b.day);
}

interface PriceChartProps {
  series: DailyPoint[];
  currency: string;
  /** The window's first and last day, so days without data show as gaps at the edges. */
  windowStart?: string | null;
  windowEnd?: string | null;
}

/**
 * Daily asking prices as an SVG chart: the median as a line over the min–max range (and the
 * middle half, p25–p75, where known). A table with the same numbers follows for screen readers
 * and anyone who prefers figures.
 */
export function PriceChart({ series, currency, windowStart, windowEnd }: PriceChartProps) {
  const titleId = useId();
  const descId = useId();
  const hintId = useId();
  const [frameRef, measuredWidth] = useWidth<HTMLDivElement>(DEFAULT_WIDTH);
  const data = points(series);
  if (data.length === 0) return null;

  const WIDTH = Math.min(1200, Math.max(280, measuredWidth));
  const narrow = WIDTH < 480;
  const HEIGHT = narrow ? 220 : 260;
  const PAD = { top: 12, right: 14, bottom: 28, left: narrow ? 52 : 64 };

  const first = data[0]!;
  const last = data[data.length - 1]!;
  const startDay = windowStart ? Math.min(dayNumber(windowStart), first.day) : first.day;
  const endDay = windowEnd ? Math.max(dayNumber(windowEnd), last.day) : last.day;
  const spanDays = Math.max(1, endDay - startDay);

  const low = Math.min(...data.map((p) => p.min));
  const high = Math.max(...data.map((p) => p.max));
  const step = niceStep(high - low || Math.max(1, high * 0.1), 4);
  const yMin = Math.max(0, Math.floor(low / step) * step - (high === low ? step : 0));
  const yMax = Math.ceil(high / step) * step + (high === low ? step : 0);
  const ticks: number[] = [];
  for (let v = yMin; v <= yMax + step / 2; v += step) ticks.push(Number(v.toFixed(6)));

  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (day: number) => PAD.left + ((day - startDay) / spanDays) * plotW;
  const y = (value: number) => PAD.top + (1 - (value - yMin) / (yMax - yMin || 1)) * plotH;

  const band = (lowOf: (p: Point) => number, highOf: (p: Point) => number, pts: Point[]) =>
    pts.length === 1
      ? `M${x(pts[0]!.day) - 4},${y(highOf(pts[0]!))}H${x(pts[0]!.day) + 4}V${y(lowOf(pts[0]!))}H${x(pts[0]!.day) - 4}Z`
      : `M${pts.map((p) => `${x(p.day)},${y(highOf(p))}`).join('L')}L${[...pts]
          .reverse()
          .map((p) => `${x(p.day)},${y(lowOf(p))}`)
          .join('L')}Z`;
  const quartiles = data.filter((p) => p.p25 !== undefined && p.p75 !== undefined);
  const medianPath = `M${data.map((p) => `${x(p.day)},${y(p.median)}`).join('L')}`;

  // Label a day every ~90 px along the axis, always including the last.
  const maxLabels = Math.max(2, Math.floor(plotW / 90));
  const labelEvery = Math.max(1, Math.ceil((spanDays + 1) / maxLabels));
  const xLabels: number[] = [];
  for (let d = endDay; d >= startDay; d -= labelEvery) xLabels.unshift(d);
  const dayLabel = (d: number) => formatDay(new Date(d * DAY_MS).toISOString().slice(0, 10));

  const money = (v: number) => formatMoney(v, currency);
  const axisMoney = (v: number) => formatMoney(v, currency, step >= 1);
  const summary = `Median asking price from ${money(first.median)} on ${formatDay(first.date)} to ${money(last.median)} on ${formatDay(last.date)}; prices ranged from ${money(low)} to ${money(high)}.`;

  return (
    <figure className="chart">
      <div ref={frameRef} className="chart__frame">
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          className="chart__svg"
          role="img"
          aria-labelledby={`${titleId} ${descId}`}
          preserveAspectRatio="xMidYMid meet"
        >
          <title id={titleId}>Daily asking prices</title>
          <desc id={descId}>{summary}</desc>
          <g className="chart__grid">
            {ticks.map((t) => (
              <g key={t}>
                <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(t)} y2={y(t)} />
                <text x={PAD.left - 8} y={y(t)} dy="0.32em" textAnchor="end">
                  {axisMoney(t)}
                </text>
              </g>
            ))}
            {xLabels.map((d) => (
              <text key={d} x={x(d)} y={HEIGHT - 8} textAnchor={d === startDay ? 'start' : d === endDay ? 'end' : 'middle'}>
                {dayLabel(d)}
              </text>
            ))}
          </g>
          <path className="chart__range" d={band((p) => p.min, (p) => p.max, data)} />
          {quartiles.length > 0 && (
            <path className="chart__quartiles" d={band((p) => p.p25 ?? p.median, (p) => p.p75 ?? p.median, quartiles)} />
          )}
          <path className="chart__median" d={medianPath} />
          {data.map((p) => (
            <circle key={p.day} className="chart__point" cx={x(p.day)} cy={y(p.median)} r={3.5}>
              <title>{`${formatDay(p.date)}: median ${money(p.median)}, ${money(p.min)}–${money(p.max)}, ${p.count} observations`}</title>
            </circle>
          ))}
        </svg>
      </div>
      <figcaption className="chart__legend">
        <span className="legend legend--median">Median</span>
        <span className="legend legend--range">Lowest–highest</span>
        {quartiles.length > 0 && <span className="legend legend--quartiles">Middle half</span>}
      </figcaption>
      <details className="chart__table">
        <summary>Show the numbers</summary>
        <p className="table-scroll__hint" id={hintId}>
          Swipe the table sideways to see every column.
        </p>
        <div className="table-scroll" role="region" aria-label="Daily asking prices" aria-describedby={hintId} tabIndex={0}>
          <table>
            <caption className="visually-hidden">Daily asking prices in {currency}</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Lowest</th>
                <th scope="col">Median</th>
                <th scope="col">Highest</th>
                <th scope="col">Observations</th>
              </tr>
            </thead>
            <tbody>
              {data.map((p) => (
                <tr key={p.day}>
                  <th scope="row">{formatDay(p.date)}</th>
                  <td>{money(p.min)}</td>
                  <td>{money(p.median)}</td>
                  <td>{money(p.max)}</td>
                  <td>{p.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
