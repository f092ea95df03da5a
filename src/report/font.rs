//! The one font every plot uses: DejaVu Sans (assets/fonts/, Bitstream Vera licence, see
//! assets/fonts/LICENSE-DejaVu.txt), compiled into the binary and registered with plotters once,
//! under the family name "sans-serif", so plots look the same on any machine, with no system
//! fonts installed.

use std::sync::OnceLock;

use plotters::style::FontStyle;

use super::plot::PlotError;

/// DejaVu Sans 2.37.
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers the bundled font (the first call does the work; later calls return its result).
pub fn ensure() -> Result<(), PlotError> {
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font("sans-serif", FontStyle::Normal, DEJAVU_SANS)
                .map_err(|_| "the bundled font DejaVuSans.ttf is not a valid font".to_string())
        })
        .clone()
        .map_err(PlotError)
}
