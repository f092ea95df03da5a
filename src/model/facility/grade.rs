//! China's data-center energy-efficiency grades and the PUE limits a scenario can name.
//!
//! ## GB 40879-2021 (数据中心能效限定值及能效等级)
//! The standard grades a data center by its 电能比 (electricity ratio: total data-center
//! electricity over IT electricity over a year, the same ratio as PUE): grade 1 ≤ 1.20,
//! grade 2 ≤ 1.30, grade 3 ≤ 1.50; grade 3 is the limit value (能效限定值) that every new and
//! extended data center must meet. Thresholds \[unverified: from memory of the standard's
//! table 1; the standard's own measurement rules (its §5-6) are not modelled: aidc grades the
//! `pue.annual` of the scenario's chosen boundary\].
//!
//! ## Named limits
//! - `east-hub` 1.25, `west-hub` 1.20: the national computing hub nodes of 东数西算 (NDRC et
//!   al., 《全国一体化大数据中心协同创新体系算力枢纽实施方案》, 2021, and the 2022 approvals of
//!   the eight hubs: eastern hubs PUE within 1.25, western hubs below 1.2) \[unverified\].
//! - `gb40879-limit` 1.50, `gb40879-grade-2` 1.30, `gb40879-grade-1` 1.20: the standard's bands.

/// Named PUE limits: (name, limit, source).
pub const NAMED_LIMITS: [(&str, f64, &str); 5] = [
    ("east-hub", 1.25, "national hub nodes in the east (东数西算, 2021-2022)"),
    ("west-hub", 1.20, "national hub nodes in the west (东数西算, 2021-2022)"),
    ("gb40879-limit", GRADE_LIMITS[2], "GB 40879-2021 limit value (grade 3)"),
    ("gb40879-grade-2", GRADE_LIMITS[1], "GB 40879-2021 grade 2"),
    ("gb40879-grade-1", GRADE_LIMITS[0], "GB 40879-2021 grade 1"),
];

/// Upper PUE of grades 1, 2 and 3 of GB 40879-2021.
pub const GRADE_LIMITS: [f64; 3] = [1.20, 1.30, 1.50];

/// The limit of a name in [`NAMED_LIMITS`].
pub fn named_limit(name: &str) -> Option<f64> {
    NAMED_LIMITS.iter().find(|(n, _, _)| *n == name).map(|(_, v, _)| *v)
}

/// The GB 40879-2021 grade of a PUE: 1 (best) to 3, or 0 when it exceeds the limit value.
pub fn gb40879_grade(pue: f64) -> u8 {
    GRADE_LIMITS.iter().position(|&lim| pue <= lim).map_or(0, |i| i as u8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_follow_the_standards_bands() {
        assert_eq!(gb40879_grade(1.0), 1);
        assert_eq!(gb40879_grade(1.20), 1);
        assert_eq!(gb40879_grade(1.2001), 2);
        assert_eq!(gb40879_grade(1.30), 2);
        assert_eq!(gb40879_grade(1.31), 3);
        assert_eq!(gb40879_grade(1.50), 3);
        assert_eq!(gb40879_grade(1.5001), 0);
        assert_eq!(named_limit("east-hub"), Some(1.25));
        assert_eq!(named_limit("west-hub"), Some(1.20));
        assert_eq!(named_limit("gb40879-limit"), Some(1.5));
        assert_eq!(named_limit("mars"), None);
    }
}
