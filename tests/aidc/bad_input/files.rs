//! Bad files that a scenario names: traces (missing, missing columns, bad cells, no rows, lines
//! past the bound), and every other input file reported at the field that names it.

use super::*;

// 10-12. Traces.

/// Runs trace.toml as `bad.toml` with `csv` (when given) as trace.csv; checks exit 2, the file
/// and column named, and nothing written. Returns stderr.
fn bad_trace(csv: Option<&str>, column: &str, line: Option<usize>) -> String {
    let csv_text = csv.map(fixture);
    let files: Vec<(&str, &str)> = csv_text.iter().map(|t| ("trace.csv", t.as_str())).collect();
    let case = Case::new(&fixture("trace.toml"), &files);
    let o = case.run();
    let err = assert_bad(&o, "trace.csv", column, line);
    let inputs: Vec<&str> = std::iter::once(BAD).chain(files.iter().map(|f| f.0)).collect();
    case.assert_nothing_written(&inputs);
    err
}

#[test]
fn trace_job_larger_than_the_cluster() {
    let err = bad_trace(Some("trace_too_large.csv"), "gpus", Some(3));
    assert!(err.contains("100000"), "says the job size: {err}");
    assert!(err.contains("16"), "says the largest possible job (2 nodes x 8): {err}");
}

#[test]
fn missing_trace_file() {
    // Issue 12, item 7: reported at the field that names the file, with its line.
    let text = fixture("trace.toml");
    let case = Case::new(&text, &[]);
    let err = assert_bad(&case.run(), BAD, "workload.trace.file", Some(line_of(&text, "file = \"trace.csv\"")));
    assert!(err.contains("cannot read") && err.contains("trace.csv"), "says which file cannot be read: {err}");
    case.assert_nothing_written(&[BAD]);
}

#[test]
fn trace_missing_column() {
    let err = bad_trace(Some("trace_missing_column.csv"), "gpus", Some(1));
    assert!(err.contains("gpu_count"), "shows the header that was found: {err}");
}

#[test]
fn trace_bad_cell() {
    let csv = "submit,gpus,dur\n0,8,3600\n60,8,soon\n";
    let case = Case::new(&fixture("trace.toml"), &[("trace.csv", csv)]);
    let o = case.run();
    let err = assert_bad(&o, "trace.csv", "dur", Some(3));
    assert!(err.contains("soon"), "says what was found: {err}");
    case.assert_nothing_written(&[BAD, "trace.csv"]);
}

#[test]
fn trace_without_rows() {
    let case = Case::new(&fixture("trace.toml"), &[("trace.csv", "submit,gpus,dur\n")]);
    let o = case.run();
    assert_bad(&o, "trace.csv", "rows", None);
    case.assert_nothing_written(&[BAD, "trace.csv"]);
}

// Issue 12, item 7: every file a scenario reads is located at the field that names it.

/// `base.toml` with `lines` appended.
fn base_with(lines: &str) -> String {
    format!("{}\n{lines}\n", base())
}

#[test]
fn missing_files_are_reported_at_the_field_that_names_them() {
    let dur = "duration = { dist = \"lognormal\", median = \"4h\", sigma = 0.8, min = \"10m\", max = \"2d\" }";
    let cases = [
        (
            edit(&base(), dur, "duration = { dist = \"empirical\", file = \"runtimes.csv\" }"),
            "workload.classes[0].duration.file",
            "runtimes.csv",
        ),
        (base_with("[site]\nclimate = \"my-climate.toml\""), "site.climate", "my-climate.toml"),
        (base_with("[site]\nclimate = \"wuhu\"\nweather_file = \"weather.csv\""), "site.weather_file", "weather.csv"),
        (base_with("[grid]\nhourly_file = \"hourly.csv\""), "grid.hourly_file", "hourly.csv"),
        (base_with("[grid]\ndemand_response_file = \"dr.csv\""), "grid.demand_response_file", "dr.csv"),
    ];
    for (text, field, file) in cases {
        let err = bad_scenario(&text, field, file);
        assert!(err.contains("cannot read") && err.contains(file), "names the missing file: {err}");
    }
}

#[test]
fn missing_node_list() {
    let text = "name = \"nl\"\n[simulation]\nhorizon = \"1d\"\n[cluster]\nnode_list = \"nodes.csv\"\n\
                [[workload.classes]]\nname = \"d\"\nkind = \"debug\"\nrate = \"1/h\"\n";
    let err = bad_scenario(text, "cluster.node_list", "nodes.csv");
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn data_names_cannot_leave_the_data_folder() {
    for name in ["data:../../etc/passwd", "data:/etc/passwd", "data:alibaba-gpu-v2023/../../../x.csv"] {
        let text = fixture("trace.toml").replace("file = \"trace.csv\"", &format!("file = \"{name}\""));
        let err = bad_scenario(&text, "workload.trace.file", "data:");
        assert!(err.contains("inside the data folder"), "{name}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn a_trace_without_newlines_is_refused_at_its_first_line() {
    // `file = "/dev/zero"` allocated 4 GB and aborted; now the line bound stops it.
    let text = fixture("trace.toml").replace("file = \"trace.csv\"", "file = \"/dev/zero\"");
    let case = Case::new(&text, &[]);
    let err = assert_bad(&case.run(), "/dev/zero", "row", Some(1));
    assert!(err.contains("longer than 1 MiB"), "says the bound: {err}");
    case.assert_nothing_written(&[BAD]);
}

#[test]
fn a_trace_line_longer_than_the_bound_is_located() {
    let csv = format!("submit,gpus,dur\n0,8,3600\n60,8,{}\n", "9".repeat(2 << 20));
    let case = Case::new(&fixture("trace.toml"), &[("trace.csv", &csv)]);
    let err = assert_bad(&case.run(), "trace.csv", "row", Some(3));
    assert!(err.contains("line 3 is longer than 1 MiB"), "{err}");
    case.assert_nothing_written(&[BAD, "trace.csv"]);
}
