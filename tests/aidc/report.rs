//! Reports, plots and demos end to end: every plot kind renders into a valid PNG and SVG of the
//! expected size, report.html holds the key numbers of summary.json as the page formats them,
//! facility plots and figures appear exactly when the (synthetic) facility columns and keys are
//! there, sweep and forecast pages read generic tables, demos run end to end, and bad folders
//! are exit code 2 naming what is missing. Runs are 3 days of the classroom (milliseconds).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use aidc::report::format::{count, duration_s, energy_kwh, fixed, pct, power_kw};
use aidc::report::{Lang, write_report};
use serde_json::{Value, json};

use crate::support::*;

/// Size of every report plot.
const W: u32 = 960;
const H: u32 = 420;

/// Three days of the classroom, IT only (`--it-only`), into a temporary folder.
fn small_run() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("run");
    let o = aidc(["run", "scenarios/classroom.toml", "--out", s(&out), "--quiet", "--horizon", "3d", "--it-only"]);
    assert_eq!(o.status.code(), Some(0), "{}", printed(&o));
    (tmp, out)
}

fn num(v: &Value, path: &str) -> f64 {
    path.split('.').fold(v, |v, k| &v[k]).as_f64().unwrap_or_else(|| panic!("no number at {path}"))
}

/// Checks a PNG fully: signature, IHDR size, and that it decodes.
fn assert_png(path: &Path, w: u32, h: u32) {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}: PNG signature", path.display());
    assert_eq!(&bytes[12..16], b"IHDR", "{}: IHDR first", path.display());
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    assert_eq!((be(&bytes[16..20]), be(&bytes[20..24])), (w, h), "{}: size", path.display());
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().expect("PNG header decodes");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("PNG data decodes");
    let px = &buf[..info.buffer_size()];
    assert!(px.iter().any(|&b| b < 128), "{}: the image is not blank", path.display());
}

/// Checks an SVG: an <svg> root of the size, closed, with text.
fn assert_svg(path: &Path, w: u32, h: u32) {
    let svg = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(svg.starts_with("<svg"), "{}", path.display());
    assert!(svg.contains(&format!("width=\"{w}\"")) && svg.contains(&format!("height=\"{h}\"")), "{}: size", path.display());
    assert!(svg.trim_end().ends_with("</svg>") && svg.contains("<text"), "{}", path.display());
}

fn assert_plots(dir: &Path, names: &[&str]) {
    for n in names {
        assert_png(&dir.join("plots").join(format!("{n}.png")), W, H);
        assert_svg(&dir.join("plots").join(format!("{n}.svg")), W, H);
    }
}

/// The plot stems present in plots/.
fn plot_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir.join("plots"))
        .expect("plots/ exists")
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".png").map(str::to_string))
        .collect();
    v.sort();
    v
}

#[test]
fn run_report_holds_the_key_numbers_and_every_core_plot() {
    let (_tmp, out) = small_run();
    fs::create_dir_all(out.join("plots")).expect("plots/");
    fs::write(out.join("plots/pue_outdoor.png"), b"stale").expect("write");
    let page = write_report(&out, Lang::En).expect("report writes");
    let html = fs::read_to_string(&page).expect("report.html");
    let sm = summary_json(&out);
    let expected = [
        count(num(&sm, "capacity.accelerators")),
        format!("{} PFLOPS", fixed(num(&sm, "capacity.peak_pflops_fp16"), 1)),
        pct(num(&sm, "utilization.allocated_mean")),
        pct(num(&sm, "utilization.effective_mean")),
        format!("{} accelerator-hours", count(num(&sm, "idle_capacity.accelerator_hours_unallocated"))),
        pct(num(&sm, "idle_capacity.fraction_unallocated")),
        format!("{} / {} / {}", count(num(&sm, "jobs.submitted")), count(num(&sm, "jobs.completed")), count(num(&sm, "jobs.rejected"))),
        format!("{} / {}", duration_s(num(&sm, "jobs.wait_s.p50")), duration_s(num(&sm, "jobs.wait_s.p95"))),
        energy_kwh(num(&sm, "energy.it_kwh")),
        format!("{} / {}", power_kw(num(&sm, "power.it_kw.mean")), power_kw(num(&sm, "power.it_kw.max"))),
    ];
    for e in &expected {
        assert!(html.contains(e.as_str()), "report.html lacks {e:?}");
    }
    // Spot-check a formatting against the raw number, independently of the formatters.
    let alloc = format!("{:.1} %", 100.0 * num(&sm, "utilization.allocated_mean"));
    assert!(html.contains(&alloc), "{alloc}");
    for section in ["id=\"key-figures\"", "id=\"design\"", "id=\"plots\"", "id=\"jobs\"", "id=\"provenance\"", "Ascend-910B", "Hall 1"] {
        assert!(html.contains(section), "report.html lacks {section}");
    }
    assert!(html.contains("no facility model"), "the missing facility is said");
    assert_eq!(html.matches("<svg").count(), 4, "four core plots inline");
    assert_eq!(plot_names(&out), ["power", "queue", "utilization", "wait_cdf"], "a stale plot of an earlier report is removed");
    assert_plots(&out, &["power", "queue", "utilization", "wait_cdf"]);
    assert!(!html.contains("src=\"http") && !html.contains("<script"), "self-contained");
}

/// Adds synthetic facility columns to timeseries.csv and facility keys to summary.json, as the
/// facility model will write them.
fn add_facility(dir: &Path, by_month: Value) {
    let ts = fs::read_to_string(dir.join("timeseries.csv")).expect("timeseries.csv");
    let mut lines = ts.lines();
    let head = lines.next().expect("header");
    let it_col = head.split(',').position(|h| h == "it_power_kw").expect("it_power_kw column");
    let mut out = format!(
        "{head},outdoor_db_c,outdoor_wb_c,facility_power_kw,cooling_power_kw,power_loss_kw,pue,water_l_per_h,free_cooling_fraction,supply_temp_c\n"
    );
    for (i, l) in lines.enumerate() {
        let it: f64 = l.split(',').nth(it_col).and_then(|v| v.parse().ok()).expect("IT power");
        let db = 10.0 + 8.0 * (i as f64 / 40.0).sin();
        let cooling = it * (0.2 + 0.01 * db);
        let loss = 0.05 * it;
        let fac = it + cooling + loss;
        out.push_str(&format!("{l},{db:.2},{:.2},{fac:.3},{cooling:.3},{loss:.3},{:.4},{:.1},0.3,18\n", db - 4.0, fac / it, 2.0 * cooling));
    }
    fs::write(dir.join("timeseries.csv"), out).expect("write timeseries.csv");
    let mut sm = summary_json(dir);
    let it_kwh = num(&sm, "energy.it_kwh");
    sm["pue"] = json!({"annual": 1.3187, "min_month": 1.2512, "max_month": 1.4021, "by_month": by_month});
    sm["wue_l_per_kwh"] = json!(0.412);
    sm["cue_kg_per_kwh"] = json!(0.71);
    sm["energy"]["facility_kwh"] = json!(it_kwh * 1.3187);
    sm["energy"]["cooling_kwh"] = json!(it_kwh * 0.26);
    sm["energy"]["loss_kwh"] = json!(it_kwh * 0.05);
    sm["carbon_t"] = json!(12.34);
    sm["free_cooling_hours"] = json!(1234);
    sm["thermal"] = json!({"throttled_accelerator_hours": 3.5, "alarms": []});
    fs::write(dir.join("summary.json"), serde_json::to_string_pretty(&sm).expect("json")).expect("write summary.json");
}

#[test]
fn facility_plots_and_figures_appear_with_the_facility_columns() {
    let (_tmp, out) = small_run();
    add_facility(&out, json!([1.25, 1.26, 1.28, 1.30, 1.33, 1.38, 1.40, 1.40, 1.35, 1.30, 1.27, 1.25]));
    let html = fs::read_to_string(write_report(&out, Lang::En).expect("report writes")).expect("report.html");
    let all = ["energy_by_component", "power", "pue_by_month", "pue_outdoor", "queue", "utilization", "wait_cdf"];
    assert_eq!(plot_names(&out), all);
    assert_plots(&out, &all);
    for e in ["1.319 (1.251 - 1.402)", "0.412 L/kWh", "0.710 kg CO2/kWh", "12.3 t CO2", "1,234 h", "Free-cooling fraction / hours"] {
        assert!(html.contains(e), "report.html lacks {e:?}");
    }
    assert!(!html.contains("no facility model"));
    // by_month as a map month -> PUE is read too.
    add_facility(&out, json!({"1": 1.2, "2": 1.3, "10": 1.4}));
    write_report(&out, Lang::En).expect("report writes");
    let svg = fs::read_to_string(out.join("plots/pue_by_month.svg")).expect("svg");
    assert!(svg.find(">\n10\n<").is_some() || svg.contains(">10<"), "month 10 labelled");
}

#[test]
fn a_real_facility_run_reports_its_pue_and_plots() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("run");
    let o = aidc(["run", "scenarios/wuhu-10k.toml", "--out", s(&out), "--quiet", "--horizon", "3d", "--report"]);
    assert!(o.status.success(), "{}", printed(&o));
    let html = fs::read_to_string(out.join("report.html")).expect("report.html");
    let sm = summary_json(&out);
    let pue = format!("{:.3}", num(&sm, "pue.annual"));
    assert!(html.contains(&pue), "report.html lacks the PUE {pue}");
    assert!(!html.contains("no facility model"));
    let names = plot_names(&out);
    for n in ["energy_by_component", "pue_outdoor", "power"] {
        assert!(names.iter().any(|x| x == n), "{n} missing from {names:?}");
    }
}

#[test]
fn chinese_report_uses_the_seed_terms() {
    let (_tmp, out) = small_run();
    add_facility(&out, json!(vec![1.3; 12]));
    assert_eq!(aidc(["report", s(&out)]).status.code(), Some(0));
    let english = fs::read(out.join("report.html")).expect("report.html");
    let o = aidc(["report", s(&out), "--lang", "zh"]);
    assert_eq!(o.status.code(), Some(0), "{}", printed(&o));
    assert!(stdout(&o).contains("report.zh.html"), "{}", printed(&o));
    assert_eq!(fs::read(out.join("report.html")).expect("report.html"), english, "the Chinese page never overwrites the English one");
    assert!(out.join("plots/utilization.png").is_file() && out.join("plots/utilization.zh.png").is_file(), "plots of both languages");
    let html = fs::read_to_string(out.join("report.zh.html")).expect("report.zh.html");
    assert!(html.contains("各月 PUE") && html.contains("aidc-cjk"), "plot text in Chinese, drawn with the bundled CJK font");
    for term in ["lang=\"zh-CN\"", "智算中心", "算力", "利用率", "闲置算力", "PUE", "关键指标", "卡时"] {
        assert!(html.contains(term), "the Chinese report lacks {term}");
    }
}

#[test]
fn run_with_report_writes_the_page() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("r");
    let o = aidc(["run", "scenarios/classroom.toml", "--out", s(&out), "--horizon", "2d", "--report"]);
    assert_eq!(o.status.code(), Some(0), "{}", printed(&o));
    assert!(stdout(&o).contains("report: "), "{}", printed(&o));
    assert!(out.join("report.html").is_file() && out.join("plots/utilization.png").is_file());
    let o = aidc(["run", "scenarios/classroom.toml", "--out", s(&out), "--lang", "zh"]);
    assert_eq!(o.status.code(), Some(2), "--lang needs --report: {}", printed(&o));
}

#[test]
fn bad_folders_are_exit_code_2_naming_what_is_missing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let o = aidc(["report", s(tmp.path())]);
    assert_eq!(o.status.code(), Some(2), "{}", printed(&o));
    let err = stderr(&o);
    for f in ["summary.json", "sweep_summary.csv", "forecast.csv"] {
        assert!(err.contains(f), "the error names {f}: {err}");
    }
    let o = aidc(["report", s(&tmp.path().join("nope"))]);
    assert_eq!(o.status.code(), Some(2), "{}", printed(&o));
    assert!(stderr(&o).contains("no such folder"));
    fs::write(tmp.path().join("summary.json"), "{not json").expect("write");
    let o = aidc(["report", s(tmp.path())]);
    assert_eq!(o.status.code(), Some(2), "{}", printed(&o));
    assert!(stderr(&o).contains("summary.json"));
    fs::remove_file(tmp.path().join("summary.json")).expect("remove");
    fs::write(tmp.path().join("forecast.csv"), "a,b\nx,y\n").expect("write");
    let o = aidc(["report", s(tmp.path())]);
    assert_eq!(o.status.code(), Some(2), "a forecast without percentile columns: {}", printed(&o));
    assert!(stderr(&o).contains("_p50"));
}

#[test]
fn sweep_pages_read_summaries_and_runs() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let d = tmp.path();
    fs::write(
        d.join("sweep_summary.csv"),
        "scheduler.policy,rate_scale,n,utilization.allocated_mean.mean,utilization.allocated_mean.ci95,jobs.wait_s.p95.mean,jobs.wait_s.p95.ci95\n\
         fifo,1.0,5,0.61,0.02,1200,100\nfifo,1.5,5,0.74,0.03,9000,800\nbackfill,1.0,5,0.66,0.02,300,40\nbackfill,1.5,5,0.83,0.02,2500,300\n",
    )
    .expect("write");
    let html = fs::read_to_string(write_report(d, Lang::En).expect("sweep report")).expect("report.html");
    let names = ["heat_jobs_wait_s_p95", "heat_utilization_allocated_mean", "sweep_jobs_wait_s_p95", "sweep_utilization_allocated_mean"];
    assert_eq!(plot_names(d), names);
    assert_plots(d, &names);
    assert!(html.contains("scheduler.policy, rate_scale") && html.contains("2.5 h"), "parameters and data table, waits as durations");
    assert!(!html.contains("9,000"), "no wait in raw seconds");
    fs::remove_file(d.join("sweep_summary.csv")).expect("remove");
    fs::write(d.join("sweep.csv"), "rate_scale,seed,utilization.allocated_mean\n1,1,0.5\n1,2,0.7\n2,1,0.8\n2,2,0.9\n").expect("write");
    let page = write_report(d, Lang::Zh).expect("sweep report from runs");
    assert_eq!(page, d.join("report.zh.html"));
    let html = fs::read_to_string(page).expect("report.zh.html");
    assert!(html.contains("参数扫描报告"));
    assert_png(&d.join("plots/sweep_utilization_allocated_mean.zh.png"), W, H);
}

#[test]
fn forecast_page_draws_fans() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let d = tmp.path();
    let mut csv = String::from(
        "month,utilization_allocated_p10,utilization_allocated_p50,utilization_allocated_p90,\
         idle_accelerator_hours_p10,idle_accelerator_hours_p50,idle_accelerator_hours_p90,wait_s_p95\n",
    );
    for m in 1..=12 {
        let u = 0.5 + 0.02 * m as f64;
        let idle = 100_000.0 * (1.0 - u);
        csv.push_str(&format!("2026-{m:02},{},{u},{},{},{idle},{},{}\n", u - 0.05, u + 0.05, idle * 0.8, idle * 1.2, 600 * m));
    }
    fs::write(d.join("forecast.csv"), csv).expect("write");
    let html = fs::read_to_string(write_report(d, Lang::En).expect("forecast report")).expect("report.html");
    let names = ["fan_idle_accelerator_hours", "fan_utilization_allocated"];
    assert_eq!(plot_names(d), names, "a column without p10/p50/p90 is no plot");
    assert_plots(d, &names);
    assert!(html.contains("2026-07"), "the data table");
}

#[test]
fn demos_run_end_to_end() {
    let o = aidc(["demo", "--list"]);
    assert_eq!(o.status.code(), Some(0), "{}", printed(&o));
    let list = stdout(&o);
    for name in ["fifo-vs-backfill", "quotas", "growth", "shanghai-vs-ulanqab", "cold-plate-vs-air"] {
        assert!(list.contains(name), "--list shows {name}");
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    for (name, runs) in [
        ("fifo-vs-backfill", ["fifo", "backfill"]),
        ("quotas", ["no-quota", "quota"]),
        ("growth", ["today", "plus-50%"]),
        ("shanghai-vs-ulanqab", ["shanghai", "ulanqab"]),
        ("cold-plate-vs-air", ["air", "cold-plate"]),
    ] {
        let out = tmp.path().join(name);
        let o = aidc(["demo", name, "--out", s(&out)]);
        assert_eq!(o.status.code(), Some(0), "{}", printed(&o));
        let stdout = stdout(&o);
        assert!(stdout.contains("Allocation utilization") && stdout.contains(runs[0]) && stdout.contains(runs[1]), "{stdout}");
        assert!(stdout.contains(&format!("report: {}", out.join("report.html").display())), "{stdout}");
        for r in runs {
            assert!(out.join(r).join("report.html").is_file(), "{name}/{r} has its report");
            let sm = read_json(&out.join(r).join("summary.json"));
            assert!(stdout.contains(&pct(num(&sm, "utilization.allocated_mean"))), "the table shows {r}'s utilization");
        }
        let html = fs::read_to_string(out.join("report.html")).expect("comparison page");
        assert!(html.contains(&format!("{}/report.html", runs[0])), "links the runs");
        assert_plots(&out, &["cmp_power", "cmp_queue", "cmp_utilization", "cmp_wait_cdf"]);
    }
    // The facility demos compare PUE.
    let table = stdout(&aidc(["demo", "cold-plate-vs-air", "--out", s(&tmp.path().join("x"))]));
    assert!(table.contains("PUE") && table.contains("Free-cooling fraction / hours"), "{table}");
    let o = aidc(["demo", "no-such-demo"]);
    assert_eq!(o.status.code(), Some(2), "{}", printed(&o));
    assert!(stderr(&o).contains("fifo-vs-backfill"), "the error lists the demos");
}

/// A screenshot of report.html in headless Chromium, where Debian's chromium is installed.
#[test]
fn report_renders_in_headless_chromium() {
    let Some(chromium) = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().map(Path::new).find(|p| p.exists()) else {
        eprintln!("skipped: no chromium at /usr/bin/chromium (apt-get install chromium to run this test)");
        return;
    };
    let (tmp, out) = small_run();
    let page = write_report(&out, Lang::Zh).expect("report writes");
    let shot = tmp.path().join("shot.png");
    let o = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1100,2400"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts");
    assert!(shot.is_file(), "no screenshot: {}", printed(&o));
    assert_png(&shot, 1100, 2400);
}

#[test]
fn grid_and_failure_runs_get_their_plots_and_others_do_not() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (g, f) = (tmp.path().join("grid"), tmp.path().join("failures"));
    let o = aidc(["run", "scenarios/grid-east-aware.toml", "--out", s(&g), "--quiet", "--horizon", "3d", "--report"]);
    assert!(o.status.success(), "{}", printed(&o));
    let o = aidc(["run", "scenarios/wuhu-10k-failures.toml", "--out", s(&f), "--quiet", "--horizon", "10d", "--report"]);
    assert!(o.status.success(), "{}", printed(&o));
    let (gn, fn_) = (plot_names(&g), plot_names(&f));
    assert!(gn.iter().any(|x| x == "grid") && !gn.iter().any(|x| x == "interruptions"), "{gn:?}");
    let interrupted: f64 = summary_json(&f)["failures"]["interruptions"]
        .as_object()
        .expect("interruptions by component")
        .values()
        .filter_map(Value::as_f64)
        .sum();
    assert_eq!(fn_.iter().any(|x| x == "interruptions"), interrupted > 0.0, "{fn_:?}");
    assert!(!fn_.iter().any(|x| x == "grid"), "{fn_:?}");
    assert_png(&g.join("plots/grid.png"), W, H);
    let html = fs::read_to_string(g.join("report.html")).expect("report.html");
    assert!(html.contains("Grid power, battery and price"));
}
