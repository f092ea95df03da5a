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

/// The last value written in one column by [`Row::fixed_column`] or [`Row::int_column`]: its
/// rounded value scaled by 10^decimals and the decimals (fixed), its bytes, and the bits of the
/// float they were last written for with the format (decimals, or [`INT`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Field {
    scaled: Option<(i64, u32)>,
    len: u8,
    bytes: [u8; 24],
    value: Option<(u64, u32)>,
}

/// The format tag of an integer column in [`Field`].
const INT: u32 = u32::MAX;

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
    pub fn u64(&mut self, n: u64) {
        let k = n.checked_ilog10().unwrap_or(0) as usize + 1;
        let start = self.buf.len();
        // A fixed-size append (a few stores, no call) that is then cut to the digits written in
        // place: cheaper than building them aside and copying a variable length.
        self.buf.extend_from_slice(&[0u8; 20]);
        digits(&mut self.buf[start..start + k], n);
        self.buf.truncate(start + k);
    }

    /// A number with `d` decimals (at most 6), rounded half away from zero; values beyond
    /// 9e15 / 10^d, NaN and infinities fall back to the standard formatter. A zero that rounds
    /// from a negative value is written without its sign ("0.000", where `{:.3}` writes
    /// "-0.000").
    ///
    /// The rounding is `f64::round` done in integers: `y as i64` truncates exactly below 2^53,
    /// `y - trunc` is exact, and a remainder of at least one half rounds away from zero. Each
    /// precision is its own instance (the divisions by 10^d become multiplications), and the
    /// digits are written in place at the end of the row; the `reference_fixed` test proves the
    /// bytes equal to the former `round`-based formatter.
    pub fn fixed(&mut self, v: f64, d: u32) {
        self.fixed_in(v, d, None);
    }

    /// [`Row::fixed`] for a column whose last value `last` remembers: when the value rounds to
    /// the same digits as the column's previous one, they are copied instead of built again (at
    /// short sampling steps most columns repeat from one row to the next).
    ///
    /// The very same float (same bits, same decimals) is copied before any arithmetic: at
    /// one-second sampling most columns repeat their value bit for bit from one row to the next.
    pub fn fixed_column(&mut self, v: f64, d: u32, last: &mut Field) {
        if !self.repeat(v, d, last) {
            self.fixed_in(v, d, Some(last));
        }
    }

    /// An integer column holding `v` (a whole number below 2^53, as counts are), written as
    /// [`Row::u64`] writes `v as u64`; the bytes of the previous row are copied when `v` repeats.
    pub fn int_column(&mut self, v: f64, last: &mut Field) {
        if self.repeat(v, INT, last) {
            return;
        }
        let start = self.buf.len();
        self.u64(v as u64);
        let len = self.buf.len() - start;
        if len <= last.bytes.len() {
            last.bytes[..len].copy_from_slice(&self.buf[start..]);
            (last.scaled, last.len, last.value) = (None, len as u8, Some((v.to_bits(), INT)));
        }
    }

    /// Copies the column's last bytes if they were written for the very same float in the same
    /// format; whether it did.
    #[inline(always)]
    fn repeat(&mut self, v: f64, format: u32, last: &Field) -> bool {
        if last.value != Some((v.to_bits(), format)) {
            return false;
        }
        let start = self.buf.len();
        self.buf.extend_from_slice(&last.bytes);
        self.buf.truncate(start + last.len as usize);
        true
    }

    fn fixed_in(&mut self, v: f64, d: u32, last: Option<&mut Field>) {
        match d {
            0 => self.fixed_d::<0>(v, last),
            1 => self.fixed_d::<1>(v, last),
            2 => self.fixed_d::<2>(v, last),
            3 => self.fixed_d::<3>(v, last),
            4 => self.fixed_d::<4>(v, last),
            5 => self.fixed_d::<5>(v, last),
            6 => self.fixed_d::<6>(v, last),
            _ => self.str(&format!("{v:.*}", d as usize)),
        }
    }

    /// [`Row::fixed`] with `D` decimals.
    #[inline(always)]
    fn fixed_d<const D: u32>(&mut self, v: f64, mut last: Option<&mut Field>) {
        let m = 10u64.pow(D);
        let Some(x) = round_half_away(v * m as f64) else {
            self.str(&format!("{v:.*}", D as usize));
            return;
        };
        let start = self.buf.len();
        if let Some(f) = last.as_mut()
            && f.scaled == Some((x, D))
        {
            self.buf.extend_from_slice(&f.bytes);
            self.buf.truncate(start + f.len as usize);
            f.value = Some((v.to_bits(), D));
            return;
        }
        let n = x.unsigned_abs();
        let (int, mut frac) = (n / m, n % m);
        let sign = usize::from(x < 0);
        let k = int.checked_ilog10().unwrap_or(0) as usize + 1;
        let len = sign + k + if D > 0 { 1 + D as usize } else { 0 };
        // 16 integer digits at most (below 9e15), a point, 6 decimals and a sign.
        self.buf.extend_from_slice(&[0u8; 24]);
        let out = &mut self.buf[start..start + len];
        if sign == 1 {
            out[0] = b'-';
        }
        digits(&mut out[sign..sign + k], int);
        if D > 0 {
            out[sign + k] = b'.';
            for i in (sign + k + 1..len).rev() {
                out[i] = b'0' + (frac % 10) as u8;
                frac /= 10;
            }
        }
        if let Some(f) = last {
            f.bytes.copy_from_slice(&self.buf[start..start + 24]);
            (f.scaled, f.len, f.value) = (Some((x, D)), len as u8, Some((v.to_bits(), D)));
        }
        self.buf.truncate(start + len);
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

/// `y.round() as i64` (half away from zero) in integers, without the libm call, for
/// |y| < 9e15; None beyond and for NaN. Below 2^53, `y as i64` truncates exactly and `y - trunc`
/// is exact, so comparing the remainder with one half decides as `round` does (every float at or
/// past 2^52 is already an integer). Shared by the row formatter and the node power model, which
/// round once per number written and once per node update.
#[inline]
pub fn round_half_away(y: f64) -> Option<i64> {
    if y.is_nan() || y.abs() >= 9.0e15 {
        return None;
    }
    let t = y as i64;
    let rest = y - t as f64;
    // Without branches: the remainder's side is as good as random from one value to the next.
    Some(t + i64::from(rest >= 0.5) - i64::from(rest <= -0.5))
}

/// Two decimal digits per entry, "00" to "99".
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes the decimal digits of `n` at the end of `tmp` and returns where they start.
fn digits(tmp: &mut [u8], mut n: u64) -> usize {
    let mut i = tmp.len();
    while n >= 100 {
        let k = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        tmp[i..i + 2].copy_from_slice(&PAIRS[k..k + 2]);
    }
    if n >= 10 {
        let k = n as usize * 2;
        i -= 2;
        tmp[i..i + 2].copy_from_slice(&PAIRS[k..k + 2]);
    } else {
        i -= 1;
        tmp[i] = b'0' + n as u8;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::{Field, Row};

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

    /// The formatter `Row::fixed` replaced (f64::round, then digit by digit), kept to prove the
    /// bytes unchanged.
    fn reference_fixed(v: f64, d: u32) -> String {
        const POW10: [u64; 7] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
        let m = POW10[d.min(6) as usize];
        let x = (v * m as f64).round();
        if !x.is_finite() || x.abs() >= 9.0e15 || d > 6 {
            return format!("{v:.*}", d as usize);
        }
        let mut s = String::new();
        if x < 0.0 {
            s.push('-');
        }
        let n = x.abs() as u64;
        s.push_str(&(n / m).to_string());
        if d > 0 {
            s.push('.');
            let frac = n % m;
            for k in (0..d).rev() {
                s.push((b'0' + ((frac / POW10[k as usize]) % 10) as u8) as char);
            }
        }
        s
    }

    /// A small xorshift, so the property test needs no crate and repeats exactly.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn a_column_that_repeats_writes_the_bytes_of_fixed() {
        let values = [1.25, 1.25, 1.2500001, 1.26, -0.0004, 0.0004, 0.0004, -3.5, -3.5, 9.0e15, 9.0e15, f64::NAN, 7.0, 7.0];
        let mut last = Field::default();
        for d in [0, 3, 3, 6, 2] {
            for v in values {
                let (mut a, mut b) = (Row::default(), Row::default());
                a.fixed(v, d);
                b.fixed_column(v, d, &mut last);
                assert_eq!(a.buf, b.buf, "{v} at {d}");
            }
        }
    }

    #[test]
    fn an_integer_column_that_repeats_writes_the_bytes_of_u64() {
        let values = [0.0, 0.0, 7.0, 7.0, 10_240.0, 10_240.0, 9.0e15, 9.0e15, 3.0, 0.0];
        let mut last = Field::default();
        for round in 0..2 {
            for v in values {
                let (mut a, mut b) = (Row::default(), Row::default());
                a.u64(v as u64);
                b.int_column(v, &mut last);
                assert_eq!(a.buf, b.buf, "{v}");
                // The same float as a fixed column afterwards is not taken for the integer.
                let (mut c, mut d) = (Row::default(), Row::default());
                c.fixed(v, 1 + round);
                d.fixed_column(v, 1 + round, &mut last);
                assert_eq!(c.buf, d.buf, "{v} at {} decimals", 1 + round);
            }
        }
    }

    #[test]
    fn fixed_writes_the_bytes_of_the_former_formatter() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.0005,
            -0.0004,
            0.49999999999999994,
            4.5e15,
            8.999_999_999_999_999e15,
            9.0e15,
            -9.0e15,
            1e300,
            -1e-300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            u64::MAX as f64,
        ];
        for _ in 0..300_000 {
            let r = next(&mut state);
            let v = match r % 5 {
                // Any bit pattern: every exponent, NaNs and infinities included.
                0 => f64::from_bits(next(&mut state)),
                // Magnitudes a CSV column holds, 1e-9 to 1e17, either sign.
                1 | 2 => {
                    let mantissa = (next(&mut state) >> 11) as f64 / (1u64 << 53) as f64;
                    let v = mantissa * 10f64.powi((next(&mut state) % 27) as i32 - 9);
                    if r & 8 == 0 { v } else { -v }
                }
                // Exact ties and their neighbours at every precision.
                3 => {
                    let k = (next(&mut state) % 10_000_000) as f64 + 0.5;
                    let t = k / 10f64.powi((next(&mut state) % 7) as i32);
                    let t = if r & 8 == 0 { t } else { -t };
                    match r % 3 {
                        0 => t,
                        1 => t.next_up(),
                        _ => t.next_down(),
                    }
                }
                // Small integers and their neighbours.
                _ => {
                    let k = (next(&mut state) % 100_000) as f64 - 50_000.0;
                    if r & 8 == 0 { k } else { k.next_up() }
                }
            };
            values.push(v);
        }
        let mut r = Row::default();
        for v in values {
            for d in 0..=7 {
                r.clear();
                r.fixed(v, d);
                let got = std::str::from_utf8(&r.buf).unwrap();
                assert_eq!(got, reference_fixed(v, d), "{v:e} ({:#x}) at {d} decimals", v.to_bits());
            }
        }
    }

    #[test]
    fn integers_write_every_digit_count() {
        let mut r = Row::default();
        let mut n = 1u64;
        let mut state = 7u64;
        for _ in 0..20 {
            for v in [n - 1, n, n + 1, n.wrapping_mul(7) / 3, next(&mut state) % n.max(1)] {
                r.clear();
                r.u64(v);
                assert_eq!(std::str::from_utf8(&r.buf).unwrap(), v.to_string());
            }
            n = n.saturating_mul(10);
        }
        r.clear();
        r.u64(u64::MAX);
        assert_eq!(std::str::from_utf8(&r.buf).unwrap(), u64::MAX.to_string());
    }
}
