//! The fonts plots use, compiled into the binary and registered with plotters once, so plots look
//! the same on any machine, with no system fonts installed: DejaVu Sans (Bitstream Vera licence,
//! assets/fonts/LICENSE-DejaVu.txt) for English plots, under the family "sans-serif", and a
//! subset of Noto Sans CJK SC (SIL OFL 1.1, assets/fonts/LICENSE-NotoSansCJK.txt) for Chinese
//! plots, under "aidc-cjk". The subset holds printable ASCII, Latin-1 and every non-ASCII
//! character in src/ (scripts/cjk-font.sh rebuilds it; a test fails when a Chinese text of the
//! reports or the metrics registry has a character it lacks).

use std::sync::OnceLock;

use plotters::style::FontStyle;

use super::i18n::Lang;
use super::plot::PlotError;

/// DejaVu Sans 2.37.
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Noto Sans CJK SC 2.004, subset.
pub static NOTO_CJK_SC: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-subset.otf");

static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers the bundled fonts (the first call does the work; later calls return its result) and
/// returns the family of `lang`'s plot text.
pub fn ensure(lang: Lang) -> Result<&'static str, PlotError> {
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font("sans-serif", FontStyle::Normal, DEJAVU_SANS)
                .map_err(|_| "the bundled font DejaVuSans.ttf is not a valid font".to_string())?;
            plotters::style::register_font("aidc-cjk", FontStyle::Normal, NOTO_CJK_SC)
                .map_err(|_| "the bundled font NotoSansCJKsc-subset.otf is not a valid font".to_string())
        })
        .clone()
        .map_err(PlotError)?;
    Ok(match lang {
        Lang::En => "sans-serif",
        Lang::Zh => "aidc-cjk",
    })
}

/// The characters of `text` that the bundled CJK font has no glyph for.
pub fn cjk_missing(text: &str) -> Vec<char> {
    use ab_glyph::Font as _;
    let Ok(font) = ab_glyph::FontRef::try_from_slice(NOTO_CJK_SC) else { return text.chars().collect() };
    let mut out: Vec<char> = text.chars().filter(|c| !c.is_control() && font.glyph_id(*c).0 == 0).collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cjk_font_covers_every_chinese_text() {
        let mut all = String::new();
        for e in crate::metrics::registry::summary().chain(crate::metrics::registry::timeseries()) {
            all.push_str(e.label.zh);
            all.push_str(e.definition.zh);
        }
        for f in crate::metrics::registry::PERCENTILES.iter().chain(crate::metrics::registry::RANGE) {
            all.push_str(f.label.zh);
        }
        all.push_str(&format!("{:?}", Lang::Zh.text()));
        for (_, zh) in super::super::plot_text::PLOT_TEXT {
            all.push_str(zh);
        }
        all.push_str("0123456789.,:;%()[]+-=/°±× abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
        assert_eq!(cjk_missing(&all), Vec::<char>::new(), "run scripts/cjk-font.sh to add these to the font subset");
        assert_eq!(cjk_missing("中"), Vec::<char>::new());
        assert_eq!(cjk_missing("\u{4e28}"), vec!['\u{4e28}'], "a character no report uses is left out of the subset");
    }

    #[test]
    fn the_cjk_font_stays_small() {
        assert!(NOTO_CJK_SC.len() < 1 << 20, "{} bytes", NOTO_CJK_SC.len());
    }

    #[test]
    fn both_fonts_register() {
        assert_eq!(ensure(Lang::En).ok(), Some("sans-serif"));
        assert_eq!(ensure(Lang::Zh).ok(), Some("aidc-cjk"));
    }
}
