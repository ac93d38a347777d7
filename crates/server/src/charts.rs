//! The sales charts, drawn server-side as SVG with plotters: the page shows them as images
//! (no charting code in the wasm) next to tables that say the same for screen readers.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use multicaisse_core::api::{SalesCharts, SalesReport};
use multicaisse_core::format::{group_thousands, Lang, NARROW_NBSP};
use multicaisse_core::freshness::{SyncAttempt, TIMELINE_DAYS};
use multicaisse_core::store::Register;
use multicaisse_core::ticket::PaymentMethod;
use plotters::prelude::*;

const SIZE: (u32, u32) = (960, 380);

/// Okabe–Ito: distinguishable with every common colour-vision deficiency.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(0, 0, 0),
];

pub fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart: {0}")]
pub struct ChartError(String);

fn failed(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// Whole euros for an axis: `1 234 €` / `€1,234`.
fn axis_eur(cents: i64, lang: Lang) -> String {
    let euros = (cents as f64 / 100.0).round() as i64;
    let sign = if euros < 0 { "-" } else { "" };
    match lang {
        Lang::Fr => format!(
            "{sign}{}\u{A0}€",
            group_thousands(euros.unsigned_abs(), NARROW_NBSP)
        ),
        Lang::En => format!("{sign}€{}", group_thousands(euros.unsigned_abs(), ',')),
    }
}

fn label_font() -> TextStyle<'static> {
    ("sans-serif", 14).into_font().color(&RGBColor(60, 60, 60))
}

/// The narrowest span of an amount axis: its six labels, in whole euros, stay distinct (a
/// day without a sale once read "0 €, 1 €, 1 €").
const MIN_AXIS_SPAN_CENTS: i64 = 10_000;

/// A ceiling with room above the highest value for the legend (and a floor below a negative
/// one).
fn y_bounds(values: impl Iterator<Item = i64>) -> (i64, i64) {
    let (mut low, mut high) = (0i64, 0i64);
    for v in values {
        low = low.min(v);
        high = high.max(v);
    }
    let (low, high) = (low + low / 10, high + high * 2 / 5);
    (low, high.max(low + MIN_AXIS_SPAN_CENTS))
}

/// Net TTC per day, one line per register.
pub fn daily(charts: &SalesCharts, lang: Lang) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let days = charts.range.days().max(1) as i32;
        let (low, high) = y_bounds(
            charts
                .daily
                .iter()
                .flat_map(|s| s.days.iter().map(|d| d.ttc.0)),
        );
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(84)
            .build_cartesian_2d(0..days - 1, low..high)
            .map_err(failed)?;
        let from = charts.range.from;
        let date_format = match lang {
            Lang::Fr => "%d/%m",
            Lang::En => "%b %d",
        };
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&|i| {
                (from + chrono::Days::new(u64::try_from(*i).unwrap_or(0)))
                    .format(date_format)
                    .to_string()
            })
            .y_label_formatter(&|c| axis_eur(*c, lang))
            .label_style(label_font())
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .map_err(failed)?;
        for (index, series) in charts.daily.iter().enumerate() {
            let style = colour(index).stroke_width(2);
            chart
                .draw_series(LineSeries::new(
                    series
                        .days
                        .iter()
                        .enumerate()
                        .map(|(i, d)| (i as i32, d.ttc.0)),
                    style,
                ))
                .map_err(failed)?
                .label(series.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        }
        legend(&mut chart)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// Tickets per local hour of the day, one line per register (with a mark per hour, so each
/// series reads without its colour).
pub fn hours(charts: &SalesCharts, lang: Lang) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let first = charts
            .hourly
            .iter()
            .flat_map(|s| s.hours.iter().map(|h| h.hour))
            .min()
            .unwrap_or(8)
            .min(8);
        let last = charts
            .hourly
            .iter()
            .flat_map(|s| s.hours.iter().map(|h| h.hour))
            .max()
            .unwrap_or(20)
            .max(20);
        let high = charts
            .hourly
            .iter()
            .flat_map(|s| s.hours.iter().map(|h| h.tickets))
            .max()
            .unwrap_or(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(
                i32::from(first)..i32::from(last),
                0u64..high + high * 2 / 5 + 1,
            )
            .map_err(failed)?;
        chart
            .configure_mesh()
            .x_labels(usize::from(last - first) + 1)
            .y_labels(6)
            .x_label_formatter(&|h| match lang {
                Lang::Fr => format!("{h}\u{A0}h"),
                Lang::En => format!("{h}:00"),
            })
            .label_style(label_font())
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .map_err(failed)?;
        for (index, series) in charts.hourly.iter().enumerate() {
            let style = colour(index).stroke_width(2);
            let points: Vec<(i32, u64)> = (first..=last)
                .map(|hour| {
                    let tickets = series
                        .hours
                        .iter()
                        .find(|h| h.hour == hour)
                        .map_or(0, |h| h.tickets);
                    (i32::from(hour), tickets)
                })
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), style))
                .map_err(failed)?
                .label(series.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            // Marks differ by register as well as colours: circle, triangle, cross.
            let c = colour(index);
            match index % 3 {
                0 => chart.draw_series(points.into_iter().map(|p| Circle::new(p, 4, c.filled()))),
                1 => chart.draw_series(
                    points
                        .into_iter()
                        .map(|p| TriangleMarker::new(p, 5, c.filled())),
                ),
                _ => chart.draw_series(
                    points
                        .into_iter()
                        .map(|p| Cross::new(p, 4, c.stroke_width(2))),
                ),
            }
            .map_err(failed)?;
        }
        legend(&mut chart)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// Net amount per payment method, one bar per register in each method's group.
pub fn payments(report: &SalesReport, lang: Lang) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let registers = report.registers.len().max(1) as i32;
        let group = registers + 1;
        let methods = PaymentMethod::ALL;
        let amount = |r: usize, m: PaymentMethod| {
            report.registers[r]
                .figures
                .payments
                .iter()
                .find(|p| p.method == m)
                .map_or(0, |p| p.amount.0)
        };
        let (low, high) = y_bounds(
            (0..report.registers.len())
                .flat_map(|r| methods.iter().map(move |m| (r, *m)))
                .map(|(r, m)| amount(r, m)),
        );
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(84)
            .build_cartesian_2d(0..group * methods.len() as i32, low..high)
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels((group * methods.len() as i32) as usize + 1)
            .y_labels(6)
            .x_label_formatter(&|x| {
                let (method, offset) = (x / group, x % group);
                if offset == registers / 2 {
                    methods
                        .get(usize::try_from(method).unwrap_or(usize::MAX))
                        .map(|m| m.label(lang).to_string())
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|c| axis_eur(*c, lang))
            .label_style(label_font())
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .map_err(failed)?;
        for (r, register) in report.registers.iter().enumerate() {
            let fill = colour(r).filled();
            let bars: Vec<Rectangle<(i32, i64)>> = methods
                .iter()
                .enumerate()
                .map(|(m, method)| {
                    let x = m as i32 * group + r as i32;
                    Rectangle::new([(x, 0), (x + 1, amount(r, *method))], fill)
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(failed)?
                .label(register.register.label.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], fill));
        }
        legend(&mut chart)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

fn legend<'a, DB, CT>(chart: &mut ChartContext<'a, DB, CT>) -> Result<(), ChartError>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: plotters::coord::CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .label_font(label_font())
        .draw()
        .map_err(failed)
}

/// The last [`TIMELINE_DAYS`] days of sync attempts, one row per register: a dot per completed
/// sync, a cross per attempt refused because another register held the lease, a ring per
/// session that never completed. Marks differ by shape, not only by colour.
pub fn sync_timeline(
    registers: &[Register],
    attempts: &[SyncAttempt],
    zone: Tz,
    now: DateTime<Utc>,
    lang: Lang,
) -> Result<String, ChartError> {
    let first_day =
        now.with_timezone(&zone).date_naive() - chrono::Days::new(TIMELINE_DAYS as u64 - 1);
    let start = zone
        .from_local_datetime(&first_day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map_or(now - chrono::Duration::days(TIMELINE_DAYS), |t| {
            t.with_timezone(&Utc)
        });
    let hours = |at: DateTime<Utc>| (at - start).num_seconds() as f64 / 3600.0;
    let end = hours(now).max(1.0);
    let rows = registers.len().max(1) as f64;
    let row_of = |id: i64| registers.iter().position(|r| r.id == id).map(|i| i as f64);
    let (done, refused, broken) = match lang {
        Lang::Fr => (
            "synchronisation réussie",
            "tentative refusée (une autre caisse synchronisait)",
            "interrompue",
        ),
        Lang::En => (
            "completed sync",
            "refused attempt (another register was syncing)",
            "interrupted",
        ),
    };
    let mut svg = String::new();
    {
        let height = 110 + 46 * registers.len().max(1) as u32;
        let root = SVGBackend::with_string(&mut svg, (SIZE.0, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(200)
            .build_cartesian_2d(0f64..end, -0.5f64..rows + 0.6)
            .map_err(failed)?;
        let date_format = match lang {
            Lang::Fr => "%d/%m",
            Lang::En => "%b %d",
        };
        chart
            .configure_mesh()
            .x_labels(TIMELINE_DAYS as usize)
            .y_labels(registers.len().max(1) * 2 + 2)
            .x_label_formatter(&|h| {
                (start + chrono::Duration::minutes((*h * 60.0) as i64))
                    .with_timezone(&zone)
                    .format(date_format)
                    .to_string()
            })
            .y_label_formatter(&|y| {
                let index = y.round();
                if (y - index).abs() > 0.01 || index < 0.0 {
                    return String::new();
                }
                registers
                    .get(index as usize)
                    .map_or(String::new(), |r| r.label.clone())
            })
            .label_style(label_font())
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .map_err(failed)?;
        let completed: Vec<(f64, f64)> = attempts
            .iter()
            .filter(|a| a.completed())
            .filter_map(|a| {
                Some((
                    hours(a.ended_at.unwrap_or(a.started_at)),
                    row_of(a.register_id)?,
                ))
            })
            .collect();
        let blue = colour(0);
        chart
            .draw_series(completed.iter().map(|&p| Circle::new(p, 5, blue.filled())))
            .map_err(failed)?
            .label(done)
            .legend(move |(x, y)| Circle::new((x + 9, y), 5, blue.filled()));
        let red = colour(5);
        chart
            .draw_series(
                attempts
                    .iter()
                    .filter(|a| a.outcome == "refused")
                    .filter_map(|a| Some((hours(a.started_at), row_of(a.register_id)?)))
                    .map(|p| Cross::new(p, 6, red.stroke_width(3))),
            )
            .map_err(failed)?
            .label(refused)
            .legend(move |(x, y)| Cross::new((x + 9, y), 6, red.stroke_width(3)));
        let grey = RGBColor(110, 110, 110);
        chart
            .draw_series(
                attempts
                    .iter()
                    .filter(|a| a.outcome == "expired" || a.outcome == "failed")
                    .filter_map(|a| Some((hours(a.started_at), row_of(a.register_id)?)))
                    .map(|p| Circle::new(p, 6, grey.stroke_width(2))),
            )
            .map_err(failed)?
            .label(broken)
            .legend(move |(x, y)| Circle::new((x + 9, y), 6, grey.stroke_width(2)));
        legend(&mut chart)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}
