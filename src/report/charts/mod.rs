//! Every chart, of runs and of sweeps: what a chart shows ([`Plot`]), drawn as SVG and PNG
//! with `plotters`. The charts of a run are chosen in `run.rs`; a sweep's come from
//! [`crate::study::sweep::SweepResult::plots`].
//!
//! Text uses DejaVu Sans, embedded in the binary, so PNGs render the same on a machine with no
//! fonts installed, and the layout of SVGs (which depends on font metrics) is identical on
//! every machine.

mod run;

pub use run::run_plots;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;
use std::sync::Once;

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (960, 540);

static FONT: Once = Once::new();

fn register_font() {
    FONT.call_once(|| {
        // The bytes are a valid TrueType font shipped by the `dejavu` crate.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

/// One named line of points, with optional vertical error bars (low, high) per point.
#[derive(Debug, Clone)]
pub struct Line {
    /// Legend label.
    pub name: String,
    /// (x, y) points.
    pub points: Vec<(f64, f64)>,
    /// Error bars as (low, high), one per point, when given.
    pub errors: Option<Vec<(f64, f64)>>,
}

/// What a chart shows.
#[derive(Debug, Clone)]
pub enum Chart {
    /// Points without lines, one colour per series, the first on top (e.g. `advise`'s cost
    /// against latency).
    Scatter {
        /// X axis label, with unit.
        x_desc: String,
        /// Y axis label, with unit.
        y_desc: String,
        /// The series; a `Line`'s points are drawn as dots, its errors ignored.
        series: Vec<Line>,
    },
    /// Lines over x, with optional shaded x ranges (fault windows).
    Lines {
        /// X axis label, with unit.
        x_desc: String,
        /// Y axis label, with unit.
        y_desc: String,
        /// The lines.
        lines: Vec<Line>,
        /// Shaded x ranges.
        shade: Vec<(f64, f64)>,
        /// Logarithmic x axis.
        log_x: bool,
        /// Names for integer x positions (categorical axis), when given.
        x_names: Option<Vec<String>>,
    },
    /// Labelled bars.
    Bars {
        /// Y axis label, with unit.
        y_desc: String,
        /// (label, value).
        bars: Vec<(String, f64)>,
    },
    /// Bars on lanes over time: one lane per name, each bar `(lane, start, end, class)`
    /// coloured by its class (the palette in order; a class named `pause` in light grey), with
    /// a legend of the classes (`explain`'s swimlanes).
    Lanes {
        /// X axis label, with unit.
        x_desc: String,
        /// Lane names, top first.
        lanes: Vec<String>,
        /// Class names, in legend order.
        classes: Vec<String>,
        /// `(lane, start, end, class)`.
        bars: Vec<(usize, f64, f64, usize)>,
    },
    /// A grid of values: rows by columns, with axis names.
    Heatmap {
        /// X axis label.
        x_desc: String,
        /// Y axis label.
        y_desc: String,
        /// Column names.
        x_names: Vec<String>,
        /// Row names.
        y_names: Vec<String>,
        /// `values[row][column]`.
        values: Vec<Vec<f64>>,
    },
}

/// A chart with a title and a file name.
#[derive(Debug, Clone)]
pub struct Plot {
    /// File stem: `<stem>.svg`, `<stem>.png`.
    pub stem: String,
    /// Title.
    pub title: String,
    /// Content.
    pub chart: Chart,
}

const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("cannot draw: {e:?}")
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        (0.0, 1.0)
    } else if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    }
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, plot: &Plot) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let caption = (plot.title.as_str(), ("sans-serif", 22));
    match &plot.chart {
        Chart::Lines {
            x_desc,
            y_desc,
            lines,
            shade,
            log_x,
            x_names,
        } => {
            let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
            let (x0, x1) = bounds(xs);
            let ys = lines.iter().flat_map(|l| {
                l.points
                    .iter()
                    .map(|p| p.1)
                    .chain(l.errors.iter().flatten().flat_map(|e| [e.0, e.1]))
            });
            let (_, y1) = bounds(ys);
            let y_range = 0f64..(y1 * 1.08).max(1e-9);
            let mut builder = ChartBuilder::on(&root);
            builder
                .caption(caption.0, caption.1)
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(80);
            if *log_x {
                let lo = x0.max(1e-6);
                let hi = x1.max(lo * 10.0);
                let mut chart = builder
                    .build_cartesian_2d((lo..hi).log_scale(), y_range.clone())
                    .map_err(err)?;
                chart
                    .configure_mesh()
                    .x_desc(x_desc.as_str())
                    .y_desc(y_desc.as_str())
                    .x_label_formatter(&axis_label)
                    .y_label_formatter(&axis_label)
                    .label_style(("sans-serif", 14))
                    .draw()
                    .map_err(err)?;
                for (i, l) in lines.iter().enumerate() {
                    let color = PALETTE[i % PALETTE.len()];
                    let pts: Vec<(f64, f64)> =
                        l.points.iter().filter(|p| p.0 >= lo).copied().collect();
                    chart
                        .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                        .map_err(err)?
                        .label(l.name.as_str())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                        });
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::LowerRight)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .label_font(("sans-serif", 14))
                    .draw()
                    .map_err(err)?;
            } else {
                let pad = if x_names.is_some() { 0.5 } else { 0.0 };
                let mut chart = builder
                    .build_cartesian_2d((x0 - pad)..(x1 + pad), y_range.clone())
                    .map_err(err)?;
                let names = x_names.clone();
                let formatter = move |x: &f64| match &names {
                    Some(n) => category_name(n, *x),
                    None => axis_label(x),
                };
                let mut mesh = chart.configure_mesh();
                mesh.x_desc(x_desc.as_str())
                    .y_desc(y_desc.as_str())
                    .x_label_formatter(&formatter)
                    .y_label_formatter(&axis_label)
                    .label_style(("sans-serif", 14));
                if let Some(n) = x_names {
                    mesh.x_labels(n.len() * 2 + 1);
                }
                mesh.draw().map_err(err)?;
                for &(a, b) in shade {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(a.max(x0), 0.0), (b.min(x1), y_range.end)],
                            RGBColor(214, 39, 40).mix(0.12).filled(),
                        )))
                        .map_err(err)?;
                }
                for (i, l) in lines.iter().enumerate() {
                    let color = PALETTE[i % PALETTE.len()];
                    chart
                        .draw_series(LineSeries::new(l.points.clone(), color.stroke_width(2)))
                        .map_err(err)?
                        .label(l.name.as_str())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                        });
                    if let Some(errors) = &l.errors {
                        chart
                            .draw_series(l.points.iter().zip(errors).map(|(p, e)| {
                                ErrorBar::new_vertical(p.0, e.0, p.1, e.1, color.filled(), 8)
                            }))
                            .map_err(err)?;
                    }
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .label_font(("sans-serif", 14))
                    .draw()
                    .map_err(err)?;
            }
        }
        Chart::Scatter {
            x_desc,
            y_desc,
            series,
        } => {
            let (x0, x1) = bounds(series.iter().flat_map(|l| l.points.iter().map(|p| p.0)));
            let (_, y1) = bounds(series.iter().flat_map(|l| l.points.iter().map(|p| p.1)));
            let pad = (x1 - x0).abs().max(1e-9) * 0.05;
            let mut chart = ChartBuilder::on(&root)
                .caption(caption.0, caption.1)
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(80)
                .build_cartesian_2d((x0 - pad)..(x1 + pad), 0f64..(y1 * 1.1).max(1e-9))
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_desc(x_desc.as_str())
                .y_desc(y_desc.as_str())
                .x_label_formatter(&axis_label)
                .y_label_formatter(&axis_label)
                .label_style(("sans-serif", 14))
                .draw()
                .map_err(err)?;
            // Earlier series are drawn last, on top of the later ones.
            for (i, l) in series.iter().enumerate().rev() {
                let color = PALETTE[i % PALETTE.len()];
                chart
                    .draw_series(l.points.iter().map(|&p| Circle::new(p, 6, color.filled())))
                    .map_err(err)?
                    .label(l.name.as_str())
                    .legend(move |(x, y)| Circle::new((x + 10, y), 6, color.filled()));
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 14))
                .draw()
                .map_err(err)?;
        }
        Chart::Bars { y_desc, bars } => {
            let (_, y1) = bounds(bars.iter().map(|b| b.1).chain([0.0]));
            let n = bars.len().max(1);
            let mut chart = ChartBuilder::on(&root)
                .caption(caption.0, caption.1)
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(90)
                .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..(y1 * 1.1).max(1.0))
                .map_err(err)?;
            let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
            let formatter = move |x: &f64| category_name(&names, *x);
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(n * 2 + 1)
                .x_label_formatter(&formatter)
                .y_label_formatter(&axis_label)
                .y_desc(y_desc.as_str())
                .label_style(("sans-serif", 14))
                .draw()
                .map_err(err)?;
            chart
                .draw_series(bars.iter().enumerate().map(|(i, b)| {
                    let x = i as f64;
                    Rectangle::new(
                        [(x - 0.35, 0.0), (x + 0.35, b.1)],
                        PALETTE[i % PALETTE.len()].filled(),
                    )
                }))
                .map_err(err)?;
            // The value above each bar, so that small counts are not lost.
            chart
                .draw_series(bars.iter().enumerate().map(|(i, b)| {
                    Text::new(
                        round_sig(b.1),
                        (i as f64 - 0.3, b.1 + y1 * 0.06),
                        ("sans-serif", 14).into_font(),
                    )
                }))
                .map_err(err)?;
        }
        Chart::Lanes {
            x_desc,
            lanes,
            classes,
            bars,
        } => {
            let (x0, x1) = bounds(bars.iter().flat_map(|b| [b.1, b.2]));
            let span = (x1 - x0).max(1e-3);
            let n = lanes.len().max(1);
            let mut chart = ChartBuilder::on(&root)
                .caption(caption.0, caption.1)
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(170)
                .build_cartesian_2d(
                    (x0 - span * 0.02)..(x1 + span * 0.02),
                    -0.5f64..(n as f64 - 0.5),
                )
                .map_err(err)?;
            // Lane 0 at the top: the y axis counts from the bottom.
            let names: Vec<String> = lanes.iter().rev().cloned().collect();
            let formatter = move |y: &f64| category_name(&names, *y);
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(n * 2 + 1)
                .y_label_formatter(&formatter)
                .x_label_formatter(&axis_label)
                .x_desc(x_desc.as_str())
                .label_style(("sans-serif", 14))
                .draw()
                .map_err(err)?;
            // A bar is at least 0.2% of the span wide, so that short attempts show.
            let min_w = span * 0.002;
            for (c, name) in classes.iter().enumerate() {
                let color = if name == "pause" {
                    RGBColor(200, 200, 200)
                } else {
                    PALETTE[c % PALETTE.len()]
                };
                chart
                    .draw_series(bars.iter().filter(|b| b.3 == c).map(|b| {
                        let y = (n - 1 - b.0.min(n - 1)) as f64;
                        Rectangle::new(
                            [(b.1, y - 0.3), (b.2.max(b.1 + min_w), y + 0.3)],
                            color.filled(),
                        )
                    }))
                    .map_err(err)?
                    .label(name.as_str())
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 16, y + 5)], color.filled())
                    });
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .label_font(("sans-serif", 14))
                .draw()
                .map_err(err)?;
        }
        Chart::Heatmap {
            x_desc,
            y_desc,
            x_names,
            y_names,
            values,
        } => {
            let (lo, hi) = bounds(values.iter().flatten().copied());
            let (nx, ny) = (x_names.len().max(1), y_names.len().max(1));
            let mut chart = ChartBuilder::on(&root)
                .caption(caption.0, caption.1)
                .margin(16)
                .x_label_area_size(48)
                .y_label_area_size(90)
                .build_cartesian_2d(-0.5f64..(nx as f64 - 0.5), -0.5f64..(ny as f64 - 0.5))
                .map_err(err)?;
            let (xn, yn) = (x_names.clone(), y_names.clone());
            let fx = move |x: &f64| {
                xn.get(x.round().max(0.0) as usize)
                    .cloned()
                    .unwrap_or_default()
            };
            let fy = move |y: &f64| {
                yn.get(y.round().max(0.0) as usize)
                    .cloned()
                    .unwrap_or_default()
            };
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(nx)
                .y_labels(ny)
                .x_label_formatter(&fx)
                .y_label_formatter(&fy)
                .x_desc(x_desc.as_str())
                .y_desc(y_desc.as_str())
                .label_style(("sans-serif", 14))
                .draw()
                .map_err(err)?;
            for (r, row) in values.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.0 };
                    // White (low) to dark blue (high).
                    let shade = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
                    let color =
                        RGBColor(shade(247.0, 8.0), shade(251.0, 48.0), shade(255.0, 107.0));
                    let (x, y) = (c as f64, r as f64);
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                            color.filled(),
                        )))
                        .map_err(err)?;
                    let text_color = if t > 0.5 { WHITE } else { BLACK };
                    chart
                        .draw_series(std::iter::once(Text::new(
                            round_sig(*v),
                            (x - 0.2, y),
                            ("sans-serif", 14).into_font().color(&text_color),
                        )))
                        .map_err(err)?;
                }
            }
        }
    }
    root.present().map_err(err)
}

/// An axis label: `700k`, `1.2M`, `0.25`, `3`.
fn axis_label(v: &f64) -> String {
    let a = v.abs();
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if a >= 1e9 {
        trim(format!("{:.2}", v / 1e9)) + "G"
    } else if a >= 1e6 {
        trim(format!("{:.2}", v / 1e6)) + "M"
    } else if a >= 1e4 {
        trim(format!("{:.1}", v / 1e3)) + "k"
    } else {
        trim(format!("{v:.3}"))
    }
}

/// A short label for a value: integers with thousands separators, others with 3 decimals.
fn round_sig(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        let out = super::grouped(v.abs() as u64);
        if v < 0.0 { format!("-{out}") } else { out }
    } else {
        format!("{v:.3}")
    }
}

/// The name at integer axis position `x` of a categorical axis (nothing between positions).
fn category_name(names: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 {
        names.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// The chart as SVG text.
pub fn svg(plot: &Plot) -> Result<String, String> {
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(root, plot)?;
    }
    Ok(out)
}

/// Writes `<dir>/<stem>.svg` and `<dir>/<stem>.png`.
pub fn write(plot: &Plot, dir: &Path, png: bool) -> Result<(), String> {
    let svg_text = svg(plot)?;
    let svg_path = dir.join(format!("{}.svg", plot.stem));
    std::fs::write(&svg_path, svg_text)
        .map_err(|e| format!("cannot write {}: {e}", svg_path.display()))?;
    if png {
        let png_path = dir.join(format!("{}.png", plot.stem));
        let root = BitMapBackend::new(&png_path, SIZE).into_drawing_area();
        draw(root, plot).map_err(|e| format!("{}: {e}", png_path.display()))?;
    }
    Ok(())
}
