//! CSV rows written as they are produced: a row is formatted into a reused buffer ([`Row`]) and
//! written to a [`Sink`], so memory does not grow with simulated time. Units are in the column
//! names, declared with their definitions in the [metrics registry](super::registry).

use std::any::Any;
use std::io::Write;

/// Where rows go: a file, a `Vec<u8>` in tests, a fold in forecasts. Type-erased so that the
/// recorders can live in the World; the engine gets the concrete sink back at the end
/// ([`Sink::into_any`]).
pub trait Sink: Write + Send + Sync + 'static {
    /// The sink as `Any`, to downcast to its concrete type.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<W: Write + Send + Sync + 'static> Sink for W {
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// A row built as bytes in a reused buffer: numbers are written digit by digit, because the
/// `core::fmt` path (and above all exact-precision floats like `{:.3}`) costs several times more
/// and a year at one-minute steps writes half a million rows.
#[derive(Default)]
pub struct Row {
    /// The row so far.
    pub buf: Vec<u8>,
}

impl Row {
    /// Empties the row.
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// A field separator.
    pub fn sep(&mut self) {
        self.buf.push(b',');
    }

    /// Text as it is.
    pub fn str(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// An integer.
    pub fn u64(&mut self, mut n: u64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[i..]);
    }

    /// A number with `d` decimals (at most 6), rounded half away from zero; values beyond
    /// 2^53 fall back to the standard formatter.
    pub fn fixed(&mut self, v: f64, d: u32) {
        const POW10: [u64; 7] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
        let m = POW10[d.min(6) as usize];
        let x = (v * m as f64).round();
        if !x.is_finite() || x.abs() >= 9.0e15 || d > 6 {
            self.str(&format!("{v:.*}", d as usize));
            return;
        }
        if x < 0.0 {
            self.buf.push(b'-');
        }
        let n = x.abs() as u64;
        self.u64(n / m);
        if d > 0 {
            self.buf.push(b'.');
            let frac = n % m;
            for k in (0..d).rev() {
                self.buf.push(b'0' + ((frac / POW10[k as usize]) % 10) as u8);
            }
        }
    }

    /// Milliseconds as seconds, exactly ("12", "12.345").
    pub fn secs(&mut self, ms: u64) {
        self.u64(ms / 1000);
        if !ms.is_multiple_of(1000) {
            let r = ms % 1000;
            self.buf.extend_from_slice(&[b'.', b'0' + (r / 100) as u8, b'0' + (r / 10 % 10) as u8, b'0' + (r % 10) as u8]);
        }
    }

    /// Milliseconds as seconds, or nothing.
    pub fn opt_secs(&mut self, ms: Option<u64>) {
        if let Some(ms) = ms {
            self.secs(ms);
        }
    }

    /// An integer, or nothing.
    pub fn opt_u64(&mut self, n: Option<u64>) {
        if let Some(n) = n {
            self.u64(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Row;

    #[test]
    fn row_numbers_match_the_standard_formatter_away_from_ties() {
        for (v, d) in [(0.0, 3), (1.23456, 3), (-1.23456, 2), (45.511, 3), (0.1 + 0.2, 6), (123456.789, 1), (7.0, 0), (2.5e20, 3)] {
            let mut r = Row::default();
            r.fixed(v, d);
            assert_eq!(String::from_utf8(r.buf).unwrap(), format!("{v:.*}", d as usize), "{v} {d}");
        }
        let mut r = Row::default();
        r.secs(12_345);
        r.sep();
        r.secs(7_000);
        r.sep();
        r.secs(5);
        r.sep();
        r.u64(0);
        assert_eq!(String::from_utf8(r.buf).unwrap(), "12.345,7,0.005,0");
    }
}
