//! Finance (`[finance]`): the cash flows against closed forms, the energy cost against the
//! grid ledger, the outputs it adds, and its round trip through the resolved form.

use crate::support::*;

/// One rack of 2 x 8 H100 for 31 days (January 2025), with `classes` and `finance` lines.
fn center(classes: &str, finance: &str) -> String {
    format!("{}\n[finance]\n{finance}\n", small(1, classes, "fifo", "31d"))
}

/// A class that keeps all 16 accelerators allocated from its first arrival on.
const FULL: &str = r#"[[workload.classes]]
name = "all"
kind = "pretrain"
rate = "100/d"
size = { dist = "fixed", value = 16 }
duration = { dist = "fixed", value = "100d" }"#;

/// Everything but capital and lease revenue set to zero, no tax, no price decline, lives past
/// the analysis: cumulative cash flow = −capital + price x delivered accelerator-hours.
const BARE: &str = "income_tax_rate = 0\nprice_decline_per_year = 0\ncontracted_share = 0\nenergy_cny_per_kwh = 0\nwater_cny_per_m3 = 0\n\
staff_cny_per_mw_year = 0\nmaintenance_share = 0\nbandwidth_gbps = 0\nserver_life_years = 20\nnetwork_life_years = 20\n\
storage_life_years = 20\nfacility_life_years = 20\n";

fn finance(s: &aidc::engine::Summary) -> &aidc::model::finance::FinanceSummary {
    s.finance.as_ref().expect("a finance section")
}

/// Payback month (from 1) at lease price `p`: the first m with p x Σ_{i<m} delivered_i >= capital.
fn closed_form_payback(delivered: &[f64], p: f64, capital: f64) -> Option<usize> {
    let mut cum = 0.0;
    delivered
        .iter()
        .position(|d| {
            cum += d;
            p * cum >= capital
        })
        .map(|i| i + 1)
}

#[test]
fn doubling_the_lease_price_shortens_payback_as_the_closed_form_says() {
    let s1 = run_text(&center(FULL, &format!("{BARE}accelerators.H100-SXM = {{ lease_cny_per_hour = 12 }}")));
    let s2 = run_text(&center(FULL, &format!("{BARE}accelerators.H100-SXM = {{ lease_cny_per_hour = 24 }}")));
    let (f1, f2) = (finance(&s1), finance(&s2));
    assert_eq!(f1.capex_cny, f2.capex_cny);
    let delivered: Vec<f64> = f1.months.iter().map(|m| m.delivered_h).collect();
    assert!(f1.delivered_share > 0.99, "the class keeps the rack busy: {}", f1.delivered_share);
    let m1 = closed_form_payback(&delivered, 12.0, f1.capex_cny).expect("pays back within 10 years at 12 CNY");
    let m2 = closed_form_payback(&delivered, 24.0, f1.capex_cny).expect("pays back at 24 CNY");
    assert_eq!(f1.payback_month, Some(m1 as f64));
    assert_eq!(f2.payback_month, Some(m2 as f64));
    // With months of ~730 h the payback month is about capital / (p x 16 x 730 h): doubling
    // the price halves it, to within a month (month lengths, the first arrival).
    let h = 16.0 * 8766.0 / 12.0 * f1.delivered_share;
    let approx = |p: f64| f1.capex_cny / (p * h);
    assert!((m1 as f64 - approx(12.0)).abs() <= 1.0 && (m2 as f64 - approx(24.0)).abs() <= 1.0, "{m1} {m2} {}", approx(12.0));
    assert!(m2 < m1 && (2 * m2).abs_diff(m1) <= 2, "{m1} -> {m2}");
    // No opex, no tax: the revenue is the price x delivered hours, doubled.
    assert!((f2.revenue_cny - 2.0 * f1.revenue_cny).abs() < 1e-6 * f2.revenue_cny);
    assert!(f2.npv_cny > f1.npv_cny && f2.irr.unwrap() > f1.irr.unwrap());
}

#[test]
fn zero_utilization_never_pays_back() {
    // Jobs asking for more accelerators than the rack holds are all rejected.
    let none = FULL.replace("value = 16", "value = 32");
    let s = run_text(&center(&none, "voucher_share = 0.5"));
    assert_eq!(s.jobs.completed + s.jobs.running_at_end, 0);
    let f = finance(&s);
    assert_eq!(f.revenue_cny, 0.0);
    assert_eq!(f.subsidies_cny, 0.0, "vouchers are a share of revenue");
    assert_eq!(f.payback_month, None);
    // Only the residual value comes back: the rate of return, if any, is below zero.
    assert!(f.irr.is_none_or(|r| r < 0.0), "{:?}", f.irr);
    assert!(f.npv_cny < -f.capex_cny * 0.5, "{} vs capital {}", f.npv_cny, f.capex_cny);
    assert!(f.lost_revenue_cny > 0.0 && f.cost_per_accelerator_hour_cny.is_none());
    assert!(f.months.iter().all(|m| m.cumulative < 0.0));
}

#[test]
fn energy_cost_equals_the_grid_ledger_to_the_cent() {
    // IT only, and with a facility (the classroom center), across a month end.
    let it_only = center(FULL, "").replace("horizon = \"31d\"", "horizon = \"40d\"") + "[grid]\n";
    let classroom = std::fs::read_to_string(ready_path("classroom.toml")).unwrap();
    let facility = edit(&classroom, "horizon = \"30d\"", "horizon = \"35d\"") + "\n[grid]\n[finance]\n";
    for text in [it_only, facility] {
        let s = run_text(&text);
        let f = finance(&s);
        let ledger = s.grid.cost.as_ref().expect("a grid ledger").total_cny;
        assert!((f.simulated.energy_cny - ledger).abs() < 0.005, "{} vs {ledger}", f.simulated.energy_cny);
        assert!(f.simulated.months >= 2);
        // The simulated months' energy in the monthly rows: measured, partly covered ones scaled.
        assert!(f.months.iter().filter(|m| m.simulated).count() as u64 == f.simulated.months);
    }
}

#[test]
fn finance_writes_its_csv_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let text = center(FULL, "voucher_share = 0.2\nvoucher_cap_cny_per_year = 100000\nanalysis_years = 3");
    let sc = from_text(&text, dir.path()).unwrap();
    assert_round_trips(&sc, dir.path(), "resolved.toml");
    let out = dir.path().join("out");
    aidc::engine::run_to_dir(&sc, &out, &aidc::engine::RunOptions::default()).unwrap();
    let rows = csv_rows(&out.join("finance.csv"));
    assert_eq!(rows.len(), 1 + 36, "a header and a row per month of 3 years");
    assert_eq!(rows[0].join(","), aidc::model::finance::cash::CSV_HEADER);
    let json = summary_json(&out);
    assert_eq!(json["finance"]["by_year"].as_object().unwrap().len(), 3);
    // The vouchers of each year stay under their cap.
    for (_, y) in json["finance"]["by_year"].as_object().unwrap() {
        assert!(y["subsidies_cny"].as_f64().unwrap() <= 100000.0 + 1e-6);
    }
    // Without [finance]: no section, no file.
    let plain = from_text(&small(1, FULL, "fifo", "2d"), dir.path()).unwrap();
    let out2 = dir.path().join("plain");
    aidc::engine::run_to_dir(&plain, &out2, &aidc::engine::RunOptions::default()).unwrap();
    assert!(!out2.join("finance.csv").exists() && summary_json(&out2).get("finance").is_none());
}

#[test]
fn compliance_puts_the_measured_figure_beside_each_limit() {
    // The ready city center: Ascend 910B (domestic), Chengdu (an eastern hub cluster, not cold).
    let dir = tempfile::tempdir().unwrap();
    let sc = ready("voucher-city.toml");
    let out = dir.path().join("out");
    aidc::engine::run_to_dir(&sc, &out, &aidc::engine::RunOptions::default()).unwrap();
    let s = summary_json(&out);
    let c = s["compliance"].as_object().expect("a compliance section with [finance]");
    let pue = s["pue"]["annual"].as_f64().unwrap();
    for (id, limit) in [("gb40879-limit", 1.5), ("pue-new-large", 1.3), ("pue-new-large-2025", 1.25), ("east-hub", 1.25)] {
        let r = &c[id];
        assert_eq!(r["limit"].as_f64(), Some(limit), "{id}");
        assert_eq!(r["measured"].as_f64(), Some(pue), "{id}");
        assert_eq!(r["meets"].as_bool(), Some(pue <= limit), "{id}");
    }
    assert!(!c.contains_key("west-hub") && !c.contains_key("pue-new-large-cold"), "Chengdu is neither western nor cold");
    let u = s["utilization"]["allocated_mean"].as_f64().unwrap();
    assert_eq!(c["utilization"]["measured"].as_f64(), Some(u));
    assert_eq!(c["utilization"]["meets"].as_bool(), Some(u >= 0.6));
    assert_eq!(c["domestic-share"]["measured"].as_f64(), Some(1.0));
    // An H100 center in Ulanqab: western hub, cold, no domestic accelerators.
    let text = std::fs::read_to_string(ready_path("ulanqab-coldplate.toml")).unwrap();
    let sc = from_text(&format!("{text}\n[finance]\n"), dir.path()).unwrap();
    let rules = aidc::model::finance::policy::assess(&sc, Some(1.22), 0.7);
    assert!(rules["west-hub"].limit == 1.2 && !rules["west-hub"].meets);
    assert!(rules["pue-new-large-cold"].meets && rules["utilization"].meets);
    assert_eq!(rules["domestic-share"].measured, 0.0);
}
