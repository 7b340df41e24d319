//! The insight email's chart: the daily median as a line over the min–max band, drawn with
//! plotters into an RGB buffer and encoded as PNG with `image`.
//!
//! The machine running this may have no fonts installed (containers rarely do), so DejaVu Sans
//! is compiled into the binary (`assets/DejaVuSans.ttf`, Bitstream Vera licence, see
//! `assets/DejaVuSans-LICENSE.txt`) and registered with plotters once.

use std::sync::OnceLock;

use chrono::{Duration, NaiveDate};
use image::ImageEncoder;
use image::codecs::png::PngEncoder;
use plotters::prelude::*;
use plotters::style::FontStyle;
use pubsub::insights::InsightReport;
use rust_decimal::prelude::ToPrimitive;

/// Width of the chart in pixels (fits a 600 px email column at 1.2× density).
pub const WIDTH: u32 = 720;
/// Height of the chart in pixels.
pub const HEIGHT: u32 = 320;

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
static FONT_READY: OnceLock<Result<(), String>> = OnceLock::new();

/// Why no chart could be drawn.
#[derive(Debug, thiserror::Error)]
#[error("could not draw the chart: {0}")]
pub struct ChartError(String);

fn register_font() -> Result<(), ChartError> {
    FONT_READY
        .get_or_init(|| {
            plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
                .map_err(|_| "the bundled font is not a valid TrueType font".to_owned())
        })
        .clone()
        .map_err(ChartError)
}

/// A PNG of the report's series; `None` when the series is empty (nothing to draw).
pub fn render_png(report: &InsightReport) -> Result<Option<Vec<u8>>, ChartError> {
    if report.series.is_empty() {
        return Ok(None);
    }
    register_font()?;
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    draw(report, &mut pixels).map_err(|e| ChartError(e.to_string()))?;
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(&pixels, WIDTH, HEIGHT, image::ExtendedColorType::Rgb8)
        .map_err(|e| ChartError(e.to_string()))?;
    Ok(Some(png))
}

fn draw(report: &InsightReport, pixels: &mut [u8]) -> Result<(), Box<dyn std::error::Error>> {
    let start = report.window_start;
    let x_of = |date: NaiveDate| (date - start).num_days() as f64;
    let f = |d: rust_decimal::Decimal| d.to_f64().unwrap_or(0.0);
    let low = report
        .series
        .iter()
        .map(|p| f(p.min))
        .fold(f64::INFINITY, f64::min);
    let high = report
        .series
        .iter()
        .map(|p| f(p.max))
        .fold(f64::NEG_INFINITY, f64::max);
    // Some air above and below, and a visible range even when every price is the same.
    let pad = ((high - low) * 0.08).max(high.abs() * 0.02).max(1.0);
    let days = f64::from(report.days.max(1)) - 1.0;

    let root = BitMapBackend::with_buffer(pixels, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Daily median and min–max, {}", report.currency),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5..days + 0.5, (low - pad).max(0.0)..high + pad)?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(238, 238, 238))
        .x_labels(8)
        .y_labels(6)
        .x_label_formatter(&|x| {
            let date = start + Duration::days(x.round() as i64);
            date.format("%b %d").to_string()
        })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(("sans-serif", 13))
        .draw()?;

    let band_color = RGBColor(191, 219, 254);
    let mut band: Vec<(f64, f64)> = report
        .series
        .iter()
        .map(|p| (x_of(p.date), f(p.max)))
        .collect();
    band.extend(report.series.iter().rev().map(|p| (x_of(p.date), f(p.min))));
    if report.series.len() == 1 {
        // A single day is a vertical bar rather than a degenerate polygon.
        let p = &report.series[0];
        let x = x_of(p.date);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x - 0.2, f(p.min)), (x + 0.2, f(p.max))],
            band_color.filled(),
        )))?;
    } else {
        chart
            .draw_series(std::iter::once(Polygon::new(band, band_color.filled())))?
            .label("lowest – highest")
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 16, y + 5)], band_color.filled())
            });
    }

    let line_color = RGBColor(29, 78, 216);
    let median: Vec<(f64, f64)> = report
        .series
        .iter()
        .map(|p| (x_of(p.date), f(p.median)))
        .collect();
    chart
        .draw_series(LineSeries::new(median.clone(), line_color.stroke_width(3)))?
        .label("median")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], line_color.stroke_width(3)));
    chart.draw_series(
        median
            .into_iter()
            .map(|(x, y)| Circle::new((x, y), 4, line_color.filled())),
    )?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(212, 212, 216))
        .label_font(("sans-serif", 13))
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use pubsub::insights::{DailyPoint, InsightSummary};
    use rust_decimal_macros::dec;
    use uuid::Uuid;

    use super::*;

    fn report(points: usize) -> InsightReport {
        let start = NaiveDate::from_ymd_opt(2026, 11, 10).unwrap();
        InsightReport {
            alert_id: Uuid::nil(),
            search_phrase: None,
            currency: "USD".into(),
            days: 14,
            window_start: start,
            window_end: start + Duration::days(13),
            generated_at: Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap(),
            days_with_data: points as u32,
            enough_data: points >= 3,
            message: None,
            series: (0..points)
                .map(|i| DailyPoint {
                    date: start + Duration::days(i as i64),
                    count: 20,
                    min: dec!(80) + rust_decimal::Decimal::from(i),
                    p25: dec!(90),
                    median: dec!(100) - rust_decimal::Decimal::from(i),
                    p75: dec!(110),
                    mean: dec!(100),
                    max: dec!(130),
                    new_listings: 1,
                })
                .collect(),
            summary: InsightSummary::default(),
            main_segment: None,
            segments: Vec::new(),
        }
    }

    #[test]
    fn the_chart_is_a_decodable_png_of_the_expected_size() {
        for points in [1, 2, 14] {
            let png = render_png(&report(points)).unwrap().unwrap();
            let image = image::load_from_memory(&png).unwrap();
            assert_eq!((image.width(), image.height()), (WIDTH, HEIGHT));
        }
    }

    #[test]
    fn an_empty_series_has_no_chart() {
        assert!(render_png(&report(0)).unwrap().is_none());
    }
}
