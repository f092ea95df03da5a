//! Every figure kind renders into a valid PNG and SVG of the requested size.

use super::*;

/// Width and height from a PNG's IHDR chunk, after checking the signature.
pub fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.len() > 33, "PNG too short: {} bytes", png.len());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR", "first chunk is IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

fn figures() -> Vec<Figure> {
    let pts: Vec<(f64, f64)> = (0..50).map(|i| (i as f64, (i as f64 / 5.0).sin())).collect();
    let band = pts.iter().map(|p| (p.0, p.1 - 0.2, p.1 + 0.2)).collect();
    vec![
        Figure::Line(LineChart {
            title: "line".into(),
            x: Axis::new("x"),
            y: Axis::new("y"),
            series: vec![Series::line("a", pts.clone()).with_band(band)],
            y2: Some(Axis::new("z")),
            series2: vec![Series::line("b", pts.iter().map(|p| (p.0, 20.0 * p.1)).collect())],
            ..LineChart::default()
        }),
        Figure::Bar(BarChart {
            title: "bars".into(),
            x_label: "month".into(),
            categories: vec!["Jan".into(), "Feb".into()],
            values: vec![1.2, 1.3],
            y: Axis::new("PUE").range(1.0, 1.4),
        }),
        Figure::Heat(HeatMap {
            title: "heat".into(),
            x_label: "a".into(),
            y_label: "b".into(),
            value_label: "v".into(),
            x_categories: vec!["1".into(), "2".into()],
            y_categories: vec!["x".into()],
            values: vec![vec![0.1, f64::NAN]],
            min_span: 0.0,
        }),
    ]
}

#[test]
fn every_kind_renders_png_and_svg_of_the_size() {
    for (f, lang) in figures().into_iter().flat_map(|f| [(f.clone(), Lang::En), (f, Lang::Zh)]) {
        let png = to_png(&f, (400, 300), lang).expect("PNG renders");
        assert_eq!(png_size(&png), (400, 300), "{}", f.title());
        let svg = to_svg(&f, (400, 300), lang).expect("SVG renders");
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert!(svg.contains("width=\"400\"") && svg.contains("height=\"300\""));
        assert!(svg.contains(f.title()), "the caption is drawn as text");
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}

#[test]
fn chinese_text_draws_with_the_cjk_font() {
    let fig = crate::report::plot_text::translate(&figures()[1], Lang::Zh);
    let svg = to_svg(&fig, (400, 300), Lang::Zh).expect("SVG renders");
    assert!(svg.contains("1月") && svg.contains("aidc-cjk"), "months in Chinese, in the CJK family");
    // Drawn glyphs differ from the same text drawn with DejaVu (which has no CJK: boxes or nothing).
    assert_ne!(to_png(&fig, (400, 300), Lang::Zh).ok(), to_png(&fig, (400, 300), Lang::En).ok());
}

#[test]
fn ticks_read_well() {
    assert_eq!(tick(0.0), "0");
    assert_eq!(super::tick_in(1.074, 1.07, 1.09), "1.074");
    assert_eq!(super::tick_in(1.5, 0.0, 10.0), "1.5");
    assert_eq!(tick(0.25), "0.25");
    assert_eq!(tick(1.5), "1.5");
    assert_eq!(tick(12.0), "12");
    assert_eq!(tick(250.0), "250");
    assert_eq!(tick(12_345.0), "12,345");
    assert_eq!(duration_label(3600.0), "1 h");
    assert_eq!(duration_label(10f64.powf(2.5)), "5.3 min");
}
