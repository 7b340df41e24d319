import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { PriceChart } from '../components/price-chart';

const point = (date: string, median: string, min = median, max = median) => ({
  date,
  count: 3,
  min,
  p25: null,
  median,
  p75: null,
  mean: null,
  max,
  new_listings: 0,
});

describe('the price chart', () => {
  it('leaves gaps for days without data inside the window', () => {
    render(
      <PriceChart
        currency="USD"
        windowStart="2026-11-08"
        windowEnd="2026-11-21"
        series={[point('2026-11-10', '100.00', '90.00', '120.00'), point('2026-11-20', '80.00', '70.00', '95.00')]}
      />,
    );
    const chart = screen.getByRole('img');
    const [a, b] = Array.from(chart.querySelectorAll('circle')).map((c) => Number(c.getAttribute('cx')));
    // Ten days apart in a thirteen-day window: most of the plot's width between them.
    expect(b! - a!).toBeGreaterThan(300);
    expect(chart.querySelector('.chart__quartiles')).toBeNull();
    expect(chart).toHaveAccessibleName(/ranged from \$70\.00 to \$120\.00/);
  });

  it('draws a single day and a flat price without dividing by zero', () => {
    render(<PriceChart currency="EUR" series={[point('2026-11-21', '10.00')]} />);
    const chart = screen.getByRole('img');
    expect(chart.innerHTML).not.toMatch(/NaN|Infinity/);
    expect(chart.querySelectorAll('circle')).toHaveLength(1);
  });

  it('draws nothing without usable points', () => {
    const { container } = render(<PriceChart currency="USD" series={[point('2026-11-21', 'n/a')]} />);
    expect(container).toBeEmptyDOMElement();
  });
});
