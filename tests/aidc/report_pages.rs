//! Sweep and forecast pages answer the question: per design kind the right plots (grid: lines
//! with two or more points and heat maps with sorted axes and a scale no narrower than the noise;
//! LHS: scatters and a sensitivity ranking), axis labels with units from the metrics registry,
//! waits never in raw seconds, the forecast's answer first, and Chinese pages beside English ones.

use std::fmt::Write as _;
use std::fs;

use aidc::report::data::Table;
use aidc::report::plot::Figure;
use aidc::report::sweep_plots::{Design, leading_number, sweep_figures};
use aidc::report::{Lang, write_report};

/// A grid over a policy and a rate whose values sort wrongly as text, 5 replications each, with
/// waits in seconds and confidence intervals far wider than the differences of utilization.
fn grid_csv() -> String {
    let mut csv = String::from(
        "point,n,scheduler.policy,workload.classes[name=debug].rate,utilization.allocated_mean.mean,utilization.allocated_mean.ci95,\
         jobs.wait_s.p95.mean,jobs.wait_s.p95.ci95\n",
    );
    for (i, (p, r)) in ["fifo", "backfill"].iter().flat_map(|p| ["1.89/d", "1.56/d", "10/d", "1.67/d"].map(|r| (p, r))).enumerate() {
        let _ = writeln!(csv, "{i},5,{p},{r},{},0.12,{},20000", 0.56 + 0.001 * i as f64, 229_809 + 1000 * i);
    }
    csv
}

#[test]
fn grid_pages_sort_axes_keep_noise_visible_and_use_units() {
    let t = Table::parse(&grid_csv()).expect("fixture parses");
    let figs = sweep_figures(&t, Design::Grid, Lang::En);
    assert!(figs.iter().any(|f| matches!(f.1, Figure::Heat(_))) && figs.iter().any(|f| matches!(f.1, Figure::Line(_))));
    for (name, fig) in &figs {
        match fig {
            Figure::Heat(h) => {
                let xs: Vec<f64> = h.x_categories.iter().map(|c| leading_number(c).expect("a number")).collect();
                assert!(xs.windows(2).all(|w| w[0] < w[1]), "{name}: x axis sorted by value: {:?}", h.x_categories);
                assert!(h.value_label.ends_with(')'), "{name}: the colour scale has a unit: {}", h.value_label);
                assert!(h.x_label.ends_with("(/d)"), "{name}: the parameter's unit: {}", h.x_label);
            }
            Figure::Line(l) => {
                assert!(l.series.iter().all(|s| s.points.len() >= 2), "{name}: no line of one point");
                assert!(l.y.label.ends_with(')'), "{name}: a unit on the y axis: {}", l.y.label);
                assert!(!l.y.label.contains('.'), "{name}: a label, not a metric path: {}", l.y.label);
            }
            Figure::Bar(_) => panic!("{name}: no bars on a grid"),
        }
    }
    let Some(Figure::Heat(u)) = figs.iter().find(|f| f.0 == "heat_utilization_allocated_mean").map(|f| &f.1) else { panic!("a map") };
    assert!(u.within_noise() && u.min_span >= 24.0, "a 0.7-point spread within a +-12-point interval is noise");
    let Some(Figure::Line(w)) = figs.iter().find(|f| f.0 == "sweep_jobs_wait_s_p95").map(|f| &f.1) else { panic!("a line") };
    assert!(w.y.label.ends_with("(d)"), "waits of 2.7 d in days: {}", w.y.label);

    let tmp = tempfile::tempdir().expect("temp dir");
    let d = tmp.path();
    fs::write(d.join("sweep_summary.csv"), grid_csv()).expect("write");
    let en = fs::read_to_string(write_report(d, Lang::En).expect("page")).expect("read");
    assert!(en.contains("within the 95 % confidence interval"), "the page says the map shows noise");
    assert!(!en.contains("229,809") && en.contains("2.7 d"), "waits as durations, never raw seconds");
    let zh = write_report(d, Lang::Zh).expect("page");
    assert_eq!(zh, d.join("report.zh.html"));
    assert_eq!(fs::read_to_string(d.join("report.html")).expect("read"), en, "the English page stays");
    assert!(
        d.join("plots/heat_utilization_allocated_mean.zh.png").is_file() && d.join("plots/heat_utilization_allocated_mean.png").is_file()
    );
}

#[test]
fn sampled_pages_draw_scatters_and_rank_parameters() {
    let mut csv =
        String::from("run,point,replication,seed,halls.0.racks.0.count,workload.classes[name=pretrain].rate,utilization.allocated_mean\n");
    for i in 0..20 {
        let racks = 4 + (i * 7) % 9;
        let rate = 0.5 + 0.075 * i as f64;
        let _ = writeln!(csv, "{i},{i},0,1,{racks},{rate:.3}/d,{}", 0.9 - 0.05 * racks as f64 + 0.001 * i as f64);
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let d = tmp.path();
    fs::write(d.join("sweep.csv"), csv).expect("write");
    let html = fs::read_to_string(write_report(d, Lang::En).expect("page")).expect("read");
    assert!(
        html.contains("Sensitivity") && html.contains("racks.0.count (-"),
        "racks ranked first, negative: utilization falls with racks"
    );
    for f in ["scatter_utilization_allocated_mean_racks_0_count", "sensitivity_utilization_allocated_mean"] {
        assert!(d.join(format!("plots/{f}.png")).is_file(), "{f}");
    }
    assert!(!d.join("plots/sweep_utilization_allocated_mean.png").exists(), "no line plots of one point per value");
}

#[test]
fn forecast_pages_lead_with_the_answer() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let d = tmp.path();
    let mut csv = String::from(
        "month,start_day,demand,accelerators,wait_p50_s_p10,wait_p50_s_p50,wait_p50_s_p90,reject_rate_p10,reject_rate_p50,reject_rate_p90\n",
    );
    for m in 1..=12 {
        let w = 3600.0 * m as f64;
        let _ = writeln!(csv, "{m},{},{},256,{},{w},{},0,0,0", 30.4 * (m - 1) as f64, 1.0 + 0.03 * m as f64, w / 2.0, w * 2.0);
    }
    fs::write(d.join("forecast.csv"), csv).expect("write");
    let json = r#"{"months": 12, "replications": 20, "max_wait_s": 7200, "max_reject": 0.01,
        "demand": {"growth_per_month": 0.03, "steps": [], "csv": null}, "multipliers": [1.0],
        "trigger": {"month": 3, "reason": "median queue wait 3.0 h > 2.0 h"}, "expansion": null, "finance": null}"#;
    fs::write(d.join("forecast.json"), json).expect("write");
    let html = fs::read_to_string(write_report(d, Lang::En).expect("page")).expect("read");
    let answer = html.find("Expansion needed from month 3").expect("the trigger month");
    assert!(answer < html.find("<figure").expect("plots"), "the answer comes before the plots");
    assert!(html.contains("3.0 % per month"), "the growth assumed");
    assert!(!d.join("plots/line_start_day.png").exists() && !d.join("plots/line_accelerators.png").exists());
    assert!(!html.contains("43,200"), "no wait in raw seconds");
}
