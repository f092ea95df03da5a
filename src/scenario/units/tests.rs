use super::*;
use proptest::prelude::*;

#[test]
fn deltas_and_pressures() {
    assert_eq!(parse_delta_k("10K"), Ok(10.0));
    assert_eq!(parse_delta_k("6C"), Ok(6.0));
    assert!(parse_delta_k("-3K").is_err());
    assert!(parse_delta_k("5F").is_err());
    assert_eq!(parse_pressure_pa("250kPa"), Ok(250_000.0));
    assert_eq!(parse_pressure_pa("2.5bar"), Ok(250_000.0));
    assert_eq!(parse_pressure_pa("0.3MPa"), Ok(300_000.0));
    assert!(parse_pressure_pa("3psi").is_err());
    for x in [0.0, 1.5, 12.3456, 1e-9] {
        assert_eq!(parse_delta_k(&format_delta(x)), Ok(x));
        assert_eq!(parse_pressure_pa(&format_pressure(x)), Ok(x));
    }
}

type Parse = fn(&str) -> Result<f64, UnitError>;
type Format = fn(f64) -> String;

fn duration_f64(s: &str) -> Result<f64, UnitError> {
    parse_duration_ms(s).map(|ms| ms as f64)
}

/// Checks `input=expected` pairs separated by ';' (expected parsed as an f64 literal).
fn check_ok(parse: Parse, cases: &str) {
    for case in cases.split(';') {
        let (input, want) = case.split_once('=').unwrap();
        assert_eq!(parse(input), Ok(want.parse::<f64>().unwrap()), "{input}");
    }
}

/// Checks `input|message fragment` pairs separated by ';'.
fn check_err(parse: Parse, expected: &str, cases: &str) {
    for case in cases.split(';') {
        let (input, fragment) = case.split_once('|').unwrap();
        let msg = parse(input).expect_err(input).message;
        let prefix = format!("expected {expected}, found {input:?} (");
        assert!(msg.starts_with(&prefix) && msg.contains(fragment), "{msg}");
    }
}

#[test]
fn examples_parse() {
    let t = "250ms=250;90s=90000;5m=300000;5min=300000;1.5h=5400000;30d=2592000000;\
             2w=1209600000;1y=31536000000;0s=0;5 m=300000; 0.25s =250;1.000s=1000;.5s=500";
    check_ok(duration_f64, t);
    assert_eq!(parse_duration_ms("1000y"), Ok(ceiling::DURATION_MS));
    check_ok(parse_power_w, "700W=700;35kW=35e3;1.2MW=1.2e6;0.5GW=0.5e9;-0W=0");
    check_ok(parse_temp_c, "32C=32;-5C=-5;32°C=32;273.15K=0;32F=0;212°F=100");
    assert!((parse_temp_c("300K").unwrap() - 26.85).abs() < 1e-9);
    assert!((parse_temp_c("89.6F").unwrap() - 32.0).abs() < 1e-9);
    let t = "400Gbps=400e9;100Mbps=100e6;1.6Tbps=1.6e12;10bps=10;3.35TB/s=2.68e13;\
             900GB/s=7.2e12;512MB/s=4.096e9;25Gb/s=25e9";
    check_ok(parse_bandwidth_bps, t);
    let t = "80GB=80e9;80GiB=85899345920;512MB=512e6;2TB=2e12;64KiB=65536;100B=100";
    check_ok(parse_bytes, t);
    let t = "2/s=2;3/ms=3000;7200/h=2;86400/d=1;120/min=2;60/m=1;604800/w=1";
    check_ok(parse_rate_per_s, t);
    assert_eq!(parse_rate_per_s("12/h"), Ok(12.0 / 3600.0));
    assert_eq!(parse_rate_per_s("300/d"), Ok(300.0 / 86400.0));
    assert_eq!(parse_rate_per_s("0.5/min"), Ok(0.5 / 60.0));
    assert_eq!(parse_rate_per_s("1/w"), Ok(1.0 / 604800.0));
    assert_eq!(parse_rate_per_s("2 / y"), Ok(2.0 / 31_536_000.0));
}

#[test]
fn errors_say_what_was_expected() {
    let t = "|empty;5|unit is missing;5x|unknown unit \"x\";-5m|negative;\
             NaNs|does not start with a number;1.2.3s|does not start;m|does not start;\
             1.0005s|whole number of milliseconds;18446744073709551616ms|u64::MAX;\
             600000000y|u64::MAX;99999999999999999999999999999999999999999s|u64::MAX;1001y|1000 years";
    check_err(duration_f64, DURATION, t);
    let msg = parse_duration_ms("5x").unwrap_err().message;
    assert!(msg.starts_with(r#"expected a duration like "5m", "30d" or "250ms", found "5x""#));
    let t = format!("700|missing;-1W|negative;5kV|\"kV\";1{}W|too large;1000000GW|100 GW;99999999999999999999W|100 GW", "0".repeat(400));
    check_err(parse_power_w, POWER, &t);
    let t = "-300C|absolute zero;-1K|absolute zero;20X|unknown;1001C|1000 °C;2000K|1000 °C";
    check_err(parse_temp_c, TEMP, t);
    let t = "400Gbit|unknown unit;-1bps|negative;20000Tbps|10 Pbit/s";
    check_err(parse_bandwidth_bps, BANDWIDTH, t);
    check_err(parse_bytes, BYTES, "80GIB|unknown;inf B|does not start;2000PB|1 EB");
    let t = "12h|unknown unit;-1/s|negative;1/x|unknown;2000000000/s|billion";
    check_err(parse_rate_per_s, RATE, t);
    check_err(parse_delta_k, DELTA, "1001K|1000 K");
    check_err(parse_pressure_pa, PRESSURE, "101MPa|100 MPa;1001bar|100 MPa");
}

#[test]
fn duration_formatting() {
    let table = "0=0s;2592000000=30d;300000=5m;7200000=2h;1500=1500ms;90000=90s;86400001=86400001ms";
    for (ms, want) in table.split(';').filter_map(|c| c.split_once('=')) {
        assert_eq!(format_duration(ms.parse().unwrap()), want);
    }
}

#[test]
fn formatting_round_trips_edge_values() {
    let formats: [(Format, Parse); 4] = [
        (format_power, parse_power_w),
        (format_bytes, parse_bytes),
        (format_rate, parse_rate_per_s),
        (format_bandwidth, parse_bandwidth_bps),
    ];
    for v in [0.0, -0.0, 1e-300, 5e-324, 1e5, 0.1, 1.0 / 3.0] {
        for (format, parse) in formats {
            assert_eq!(parse(&format(v)).map(f64::to_bits), Ok(v.to_bits()));
        }
    }
    for (format, parse, max) in [
        (format_power as Format, parse_power_w as Parse, ceiling::POWER_W),
        (format_bytes, parse_bytes, ceiling::BYTES),
        (format_rate, parse_rate_per_s, ceiling::RATE_PER_S),
        (format_bandwidth, parse_bandwidth_bps, ceiling::BANDWIDTH_BPS),
        (format_temp, parse_temp_c, ceiling::TEMP_C),
        (format_delta, parse_delta_k, ceiling::DELTA_K),
        (format_pressure, parse_pressure_pa, ceiling::PRESSURE_PA),
    ] {
        assert_eq!(parse(&format(max)), Ok(max), "the ceiling itself is accepted");
        assert!(parse(&format(max.next_up())).is_err(), "just above the ceiling is refused");
    }
    for c in [-273.15, -5.0, 0.0, 26.850000000000023, 1e3] {
        assert_eq!(parse_temp_c(&format_temp(c)), Ok(c));
    }
    assert_eq!(parse_duration_ms(&format_duration(ceiling::DURATION_MS)), Ok(ceiling::DURATION_MS));
    assert!(parse_duration_ms(&format_duration(ceiling::DURATION_MS + 1)).is_err());
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct T {
    d: DurationMs,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct All {
    d: DurationMs,
    p: PowerW,
    t: TempC,
    bw: BandwidthBps,
    b: Bytes,
    r: RatePerS,
}

#[test]
fn toml_deserialize_good_and_bad() {
    let t: T = toml::from_str(r#"d = "30d""#).unwrap();
    assert_eq!(t.d, DurationMs(2_592_000_000));
    let e = toml::from_str::<T>(r#"d = "5x""#).unwrap_err();
    let want = r#"expected a duration like "5m", "30d" or "250ms", found "5x""#;
    assert!(e.message().starts_with(want), "{e}");
    let e = toml::from_str::<T>("d = 5").unwrap_err();
    let want = r#"expected a string with a unit, like "5m"; found the number 5"#;
    assert_eq!(e.message(), want);
    let e = toml::from_str::<T>("d = 5.5").unwrap_err();
    assert!(e.message().ends_with("found the number 5.5"), "{e}");
}

#[test]
fn serde_round_trip_all_newtypes() {
    let src = "d = '1.5h'\np = '35kW'\nt = '300K'\nbw = '3.35TB/s'\nb = '80GiB'\nr = '12/h'";
    let all: All = toml::from_str(src).unwrap();
    assert_eq!(all.d, DurationMs(5_400_000));
    let back: All = toml::from_str(&toml::to_string(&all).unwrap()).unwrap();
    assert_eq!(back, all);
    let json = serde_json::to_string(&all).unwrap();
    assert!(json.contains(r#""d":"90m","p":"35000W""#), "{json}");
    assert_eq!(serde_json::from_str::<All>(&json).unwrap(), all);
    let e = serde_json::from_str::<T>(r#"{"d": 7}"#).unwrap_err();
    assert!(e.to_string().contains("found the number 7"), "{e}");
    assert_eq!("2w".parse::<DurationMs>(), Ok(DurationMs(1_209_600_000)));
    assert_eq!(PowerW(1.5e3).to_string(), "1500W");
}

proptest! {
    #[test]
    fn duration_round_trip(ms in 0u64..=ceiling::DURATION_MS, unit in 0usize..5) {
        prop_assert_eq!(parse_duration_ms(&format_duration(ms)), Ok(ms));
        // Also hit the coarse units, which random values almost never divide.
        let whole = ms / 100_000_000 * [1, 1_000, 60_000, 3_600_000, 86_400_000][unit];
        prop_assert_eq!(parse_duration_ms(&format_duration(whole)), Ok(whole));
    }

    #[test]
    fn power_round_trip(w in prop::num::f64::POSITIVE | prop::num::f64::ZERO) {
        let back = parse_power_w(&format_power(w)).map(f64::to_bits);
        if w <= ceiling::POWER_W {
            prop_assert_eq!(back, Ok(w.to_bits()));
        } else {
            prop_assert!(back.is_err());
        }
    }

    #[test]
    fn other_round_trips(v in 0.0f64..1e9, c in -273.15f64..1e3) {
        prop_assert_eq!(parse_temp_c(&format_temp(c)), Ok(c));
        prop_assert_eq!(parse_bandwidth_bps(&format_bandwidth(v)), Ok(v));
        prop_assert_eq!(parse_bytes(&format_bytes(v)), Ok(v));
        prop_assert_eq!(parse_rate_per_s(&format_rate(v)), Ok(v));
    }
}
