//! The figures page's charts, drawn on the server as SVG by hand: horizontal bars per unit and
//! a 12-month trend of two rates. Hand-written rather than plotters: the charts are two shapes
//! of rectangles, lines and text, about 150 lines here, where plotters would add a font stack
//! (its SVG backend measures text with a font loader) for no better result; and text stays text,
//! so Chinese unit names render in the page's own font and a screen reader can read them.

use std::fmt::Write;

/// Escapes text for SVG (XML).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A rate as a percentage with one decimal.
pub fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// One bar: the label, the value (a rate in [0, 1]) or none, and what to say when none.
pub struct Bar {
    /// The unit's name.
    pub label: String,
    /// The rate.
    pub value: Option<f64>,
    /// Said in place of a missing value.
    pub missing: String,
}

const WIDTH: f64 = 360.0;
const BAR_COLOUR: &str = "#1f5fa8";
const TRACK_COLOUR: &str = "#e3e9f2";
const TEXT_COLOUR: &str = "#1a1a1a";
const SECOND_COLOUR: &str = "#a33a00";

/// Horizontal bars, one row per unit: the name above a bar whose length is the rate, the
/// figure at its end. `id` makes the title and description ids unique on the page.
pub fn bars(id: &str, title: &str, desc: &str, rows: &[Bar]) -> String {
    let row_h = 48.0;
    let height = (rows.len().max(1) as f64) * row_h + 8.0;
    let track = 270.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let _ = write!(
            s,
            r#"<text x="0" y="{:.1}" font-size="15" fill="{TEXT_COLOUR}">{}</text>"#,
            y + 15.0,
            esc(&r.label)
        );
        let by = y + 22.0;
        let _ = write!(
            s,
            r#"<rect x="0" y="{by:.1}" width="{track}" height="16" fill="{TRACK_COLOUR}"/>"#
        );
        match r.value {
            Some(v) => {
                let w = (v.clamp(0.0, 1.0) * track).max(1.0);
                let _ = write!(
                    s,
                    r#"<rect x="0" y="{by:.1}" width="{w:.1}" height="16" fill="{BAR_COLOUR}"/><text x="{:.1}" y="{:.1}" font-size="14" fill="{TEXT_COLOUR}">{}</text>"#,
                    track + 6.0,
                    by + 13.5,
                    pct(v)
                );
            }
            None => {
                let _ = write!(
                    s,
                    r#"<text x="6" y="{:.1}" font-size="13" fill="{TEXT_COLOUR}">{}</text>"#,
                    by + 12.5,
                    esc(&r.missing)
                );
            }
        }
    }
    s.push_str("</svg>");
    s
}

/// One month of the trend.
pub struct Point {
    /// The axis label (a month number).
    pub label: String,
    /// The first series' rate.
    pub first: Option<f64>,
    /// The second series' rate.
    pub second: Option<f64>,
}

/// A line chart of two rates over the months, 0–100 %, with a legend; a month without a figure
/// breaks the line. The second series is dashed with square marks, so the two differ without
/// colour.
pub fn trend(id: &str, title: &str, desc: &str, names: (&str, &str), points: &[Point]) -> String {
    let (left, right, top, bottom) = (40.0, 350.0, 14.0, 170.0);
    let height = 222.0;
    let step = if points.len() > 1 {
        (right - left) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| left + step * i as f64;
    let y = |v: f64| bottom - v.clamp(0.0, 1.0) * (bottom - top);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
    for g in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let gy = y(g);
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{gy:.1}" x2="{right}" y2="{gy:.1}" stroke="#c4ccd6" stroke-width="1"/><text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="{TEXT_COLOUR}">{:.0}%</text>"##,
            left - 4.0,
            gy + 4.0,
            g * 100.0
        );
    }
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="{TEXT_COLOUR}">{}</text>"#,
            x(i),
            bottom + 16.0,
            esc(&p.label)
        );
    }
    type Series = (fn(&Point) -> Option<f64>, &'static str, &'static str);
    let series: [Series; 2] = [
        (|p| p.first, BAR_COLOUR, ""),
        (|p| p.second, SECOND_COLOUR, r#" stroke-dasharray="6 4""#),
    ];
    for (n, (value, colour, dash)) in series.iter().enumerate() {
        // Runs of consecutive months with a figure.
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut runs = Vec::new();
        for (i, p) in points.iter().enumerate() {
            match value(p) {
                Some(v) => run.push((x(i), y(v))),
                None => runs.push(std::mem::take(&mut run)),
            }
        }
        runs.push(run);
        for r in runs.iter().filter(|r| r.len() > 1) {
            let pts: Vec<String> = r.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect();
            let _ = write!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>"#,
                pts.join(" ")
            );
        }
        for (px, py) in runs.iter().flatten() {
            if n == 0 {
                let _ = write!(
                    s,
                    r#"<circle cx="{px:.1}" cy="{py:.1}" r="3.5" fill="{colour}"/>"#
                );
            } else {
                let _ = write!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="7" height="7" fill="{colour}"/>"#,
                    px - 3.5,
                    py - 3.5
                );
            }
        }
    }
    let ly = height - 12.0;
    let _ = write!(
        s,
        r#"<line x1="{left}" y1="{ly}" x2="{:.1}" y2="{ly}" stroke="{BAR_COLOUR}" stroke-width="2.5"/><circle cx="{:.1}" cy="{ly}" r="3.5" fill="{BAR_COLOUR}"/><text x="{:.1}" y="{:.1}" font-size="12" fill="{TEXT_COLOUR}">{}</text>"#,
        left + 24.0,
        left + 12.0,
        left + 30.0,
        ly + 4.0,
        esc(names.0)
    );
    let mid = 200.0;
    let _ = write!(
        s,
        r#"<line x1="{mid}" y1="{ly}" x2="{:.1}" y2="{ly}" stroke="{SECOND_COLOUR}" stroke-width="2.5" stroke-dasharray="6 4"/><rect x="{:.1}" y="{:.1}" width="7" height="7" fill="{SECOND_COLOUR}"/><text x="{:.1}" y="{:.1}" font-size="12" fill="{TEXT_COLOUR}">{}</text>"#,
        mid + 24.0,
        mid + 8.5,
        ly - 3.5,
        mid + 30.0,
        ly + 4.0,
        esc(names.1)
    );
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_as_long_as_their_rates_and_text_is_escaped() {
        let rows = [
            Bar {
                label: "某县<住建局>".into(),
                value: Some(0.5),
                missing: String::new(),
            },
            Bar {
                label: "镇".into(),
                value: None,
                missing: "评价不足 5 件".into(),
            },
        ];
        let svg = bars("b", "按期办结率", "d", &rows);
        assert!(svg.contains("某县&lt;住建局&gt;"));
        assert!(
            svg.contains(r#"width="135.0""#),
            "half of the 270 track: {svg}"
        );
        assert!(svg.contains("50.0%"));
        assert!(svg.contains("评价不足 5 件"));
        assert!(svg.contains(r#"aria-labelledby="b-t b-d""#));
    }

    #[test]
    fn a_month_without_a_figure_breaks_the_line() {
        let p = |f: Option<f64>| Point {
            label: "1".into(),
            first: f,
            second: None,
        };
        let svg = trend(
            "t",
            "走势",
            "d",
            ("a", "b"),
            &[
                p(Some(1.0)),
                p(Some(0.5)),
                p(None),
                p(Some(0.2)),
                p(Some(0.4)),
            ],
        );
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(
            svg.matches("<circle").count(),
            5,
            "four marks and the legend's"
        );
    }
}
