//! Bad scenario text: malformed TOML, unknown names and fields, counts, durations, rates,
//! ranges and distributions out of bounds, powers past their physical bound (no silent
//! overflow), and the regressions found while writing these cases.

use super::*;

// 1. Malformed TOML.

#[test]
fn malformed_toml_unclosed_bracket() {
    let text = edit(&base(), "[scheduler]", "[scheduler");
    let err = bad_scenario(&text, "malformed TOML", "[scheduler");
    assert!(err.contains("]"), "says what is expected: {err}");
}

#[test]
fn malformed_toml_missing_quote() {
    let text = edit(&base(), "name = \"hall-1\"", "name = \"hall-1");
    bad_scenario(&text, "malformed TOML", "hall-1");
}

#[test]
fn malformed_toml_duplicate_key() {
    let text = edit(&base(), "seed = 3", "seed = 3\nseed = 4");
    bad_scenario(&text, "malformed TOML", "seed = 4");
}

// 2. Unknown accelerator.

#[test]
fn unknown_accelerator_lists_the_catalog() {
    let text = edit(&base(), "accelerator = \"H100-SXM\"", "accelerator = \"H100-SMX\"");
    let err = bad_scenario(&text, "node_types[0].accelerator", "H100-SMX");
    assert!(err.contains("H100-SMX"), "says what was found: {err}");
    assert!(err.contains("H100-SXM") && err.contains("Ascend-910B"), "lists the expected ids: {err}");
}

// 3. Zero racks, also through `check`.

#[test]
fn zero_racks() {
    let text = edit(&base(), "\ncount = 2\n", "\ncount = 0\n");
    let err = bad_scenario(&text, "halls[0].racks[0].count", "count = 0");
    assert!(err.contains("positive"), "says a positive count is expected: {err}");
}

#[test]
fn check_rejects_zero_racks_too() {
    let text = edit(&base(), "\ncount = 2\n", "\ncount = 0\n");
    let case = Case::new(&text, &[]);
    let o = case.check();
    assert_bad(&o, BAD, "halls[0].racks[0].count", Some(line_of(&text, "count = 0")));
    case.assert_nothing_written(&[BAD]);
}

// 4. Negative count.

#[test]
fn negative_nodes() {
    let text = edit(&base(), "nodes = 4", "nodes = -4");
    let err = bad_scenario(&text, "halls[0].racks[0].nodes", "nodes = -4");
    assert!(err.contains("-4"), "says what was found: {err}");
}

#[test]
fn zero_nodes_per_rack() {
    let text = edit(&base(), "nodes = 4", "nodes = 0");
    bad_scenario(&text, "halls[0].racks[0].nodes", "nodes = 0");
}

// 5. Zero accelerators per node.

#[test]
fn zero_accelerators_per_node() {
    let text = edit(&base(), "accelerators = 8", "accelerators = 0");
    let err = bad_scenario(&text, "node_types[0].accelerators", "accelerators = 0");
    assert!(err.contains("1 to 64"), "says the accepted range: {err}");
}

#[test]
fn too_many_accelerators_per_node() {
    let text = edit(&base(), "accelerators = 8", "accelerators = 65");
    bad_scenario(&text, "node_types[0].accelerators", "accelerators = 65");
}

// 6-8. Durations.

#[test]
fn zero_horizon() {
    let text = edit(&base(), "horizon = \"2d\"", "horizon = \"0s\"");
    bad_scenario(&text, "simulation.horizon", "horizon =");
}

#[test]
fn horizon_over_fifty_years() {
    let text = edit(&base(), "horizon = \"2d\"", "horizon = \"51y\"");
    let err = bad_scenario(&text, "simulation.horizon", "horizon =");
    assert!(err.contains("50 years"), "says the limit: {err}");
}

#[test]
fn bare_number_where_a_unit_is_expected() {
    let text = edit(&base(), "horizon = \"2d\"", "horizon = 30");
    let err = bad_scenario(&text, "simulation.horizon", "horizon =");
    assert!(err.contains("unit"), "says a unit is expected: {err}");
}

#[test]
fn unknown_duration_unit() {
    let text = edit(&base(), "horizon = \"2d\"", "horizon = \"30x\"");
    let err = bad_scenario(&text, "simulation.horizon", "horizon =");
    assert!(err.contains("unknown unit") && err.contains("\"x\""), "names the unknown unit: {err}");
}

#[test]
fn step_longer_than_the_horizon() {
    let text = edit(&base(), "step = \"1h\"", "step = \"3d\"");
    bad_scenario(&text, "simulation.step", "step =");
}

#[test]
fn negative_power() {
    let text = edit(&base(), "idle = \"90W\"", "idle = \"-90W\"");
    let err = bad_scenario(&text, "node_types[0].cpu.idle", "-90W");
    assert!(err.contains("negative"), "says power must not be negative: {err}");
}

#[test]
fn unknown_rate_unit() {
    let text = edit(&base(), "rate = \"6/d\"", "rate = \"6/fortnight\"");
    bad_scenario(&text, "workload.classes[0].rate", "fortnight");
}

// 9. Unknown fields.

#[test]
fn unknown_field_in_a_rack_group() {
    let text = edit(&base(), "node_type = \"gpu-node\"", "node_typ = \"gpu-node\"");
    let err = bad_scenario(&text, "halls[0].racks[0].node_typ", "node_typ =");
    assert!(err.contains("unknown field"), "says the field is unknown: {err}");
    assert!(err.contains("node_type"), "lists the expected fields: {err}");
}

#[test]
fn unknown_field_in_a_node_type() {
    let text = edit(&base(), "accelerators = 8", "acelerators = 8");
    bad_scenario(&text, "node_types[0].acelerators", "acelerators");
}

#[test]
fn unknown_field_in_simulation() {
    let text = edit(&base(), "seed = 3", "sead = 3");
    bad_scenario(&text, "simulation.sead", "sead");
}

// Other cross-references and ranges.

#[test]
fn unknown_node_type_in_a_rack_group() {
    let text = edit(&base(), "node_type = \"gpu-node\"", "node_type = \"cpu-node\"");
    let err = bad_scenario(&text, "halls[0].racks[0].node_type", "cpu-node");
    assert!(err.contains("gpu-node"), "lists the defined node types: {err}");
}

#[test]
fn unknown_job_kind() {
    let text = edit(&base(), "kind = \"fine-tune\"", "kind = \"finetune\"");
    let err = bad_scenario(&text, "workload.classes[0].kind", "\"finetune\"");
    assert!(err.contains("fine-tune"), "lists the kinds: {err}");
}

#[test]
fn size_not_a_power_of_two() {
    let text = edit(&base(), "min = 8, max = 32", "min = 6, max = 32");
    bad_scenario(&text, "workload.classes[0].size.min", "min = 6");
}

#[test]
fn bad_scenario_name() {
    let text = edit(&base(), "name = \"base\"", "name = \"../escape\"");
    bad_scenario(&text, "name", "../escape");
}

#[test]
fn unknown_psu_efficiency() {
    let text = edit(&base(), "efficiency = \"titanium\"", "efficiency = \"diamond\"");
    bad_scenario(&text, "node_types[0].psu.efficiency", "diamond");
}

// 13. Scheduler.

#[test]
fn unknown_scheduler_policy() {
    let text = edit(&base(), "policy = \"priority\"", "policy = \"lifo\"");
    let err = bad_scenario(&text, "scheduler.policy", "lifo");
    assert!(err.contains("backfill"), "lists the policies: {err}");
}

// 14. Quotas.

#[test]
fn quota_for_an_unknown_class() {
    let text = edit(&base(), "quotas = { train = 0.5 }", "quotas = { trian = 0.5 }");
    let err = bad_scenario(&text, "scheduler.quotas.trian", "quotas");
    assert!(err.contains("train") && err.contains("debug"), "lists the classes: {err}");
}

#[test]
fn quota_above_one() {
    let text = edit(&base(), "quotas = { train = 0.5 }", "quotas = { train = 1.5 }");
    bad_scenario(&text, "scheduler.quotas.train", "quotas");
}

#[test]
fn zero_backfill_depth() {
    let text = edit(&base(), "backfill_depth = 32", "backfill_depth = 0");
    bad_scenario(&text, "scheduler.backfill_depth", "backfill_depth");
}

// 15. Utilization.

#[test]
fn utilization_mean_above_one() {
    let text = edit(&base(), "mean = 0.7", "mean = 1.2");
    let err = bad_scenario(&text, "workload.classes[0].utilization.mean", "mean = 1.2");
    assert!(err.contains("1.2"), "says what was found: {err}");
}

#[test]
fn utilization_sd_too_large_for_a_beta() {
    let text = edit(&base(), "sd = 0.1", "sd = 0.5");
    let err = bad_scenario(&text, "workload.classes[0].utilization.sd", "sd = 0.5");
    assert!(err.contains("Beta"), "explains the Beta limit: {err}");
}

// 16. Duration clips.

#[test]
fn lognormal_min_above_max() {
    let text = edit(&base(), "min = \"10m\", max = \"2d\"", "min = \"3d\", max = \"2d\"");
    bad_scenario(&text, "workload.classes[0].duration.min", "min = \"3d\"");
}

#[test]
fn lognormal_negative_sigma() {
    let text = edit(&base(), "sigma = 0.8", "sigma = -0.8");
    bad_scenario(&text, "workload.classes[0].duration.sigma", "sigma = -0.8");
}

// Regressions: bugs found while writing these tests, fixed since.

#[test]

fn error_inside_a_duration_table_names_the_inner_field() {
    let text = edit(&base(), "median = \"4h\"", "median = 4");
    let err = bad_scenario(&text, "workload.classes[0].duration.median", "median = 4");
    assert!(err.contains("unit"), "says a unit is expected: {err}");
}

#[test]

fn error_inside_a_size_table_names_the_inner_field() {
    let text = edit(&base(), "min = 8, max = 32", "min = -8, max = 32");
    bad_scenario(&text, "workload.classes[0].size.min", "min = -8");
}

#[test]

fn psu_efficiency_of_the_wrong_type_says_what_is_expected() {
    let text = edit(&base(), "efficiency = \"titanium\"", "efficiency = 0.96");
    let err = bad_scenario(&text, "node_types[0].psu.efficiency", "efficiency = 0.96");
    assert!(!err.contains("RawPsuCurve"), "no internal type names in messages: {err}");
    assert!(err.contains("titanium"), "says what is expected (a level name or [[load, efficiency], ...]): {err}");
}

/// Runs `text` for 14 days; returns the exit code, stderr and, on success, jobs.csv.
fn run_14d(text: &str) -> (Option<i32>, String, Option<String>) {
    let case = Case::new(text, &[]);
    let o = aidc_in(case.dir(), ["run", BAD, "--out", "out", "-q", "--horizon", "14d"]);
    let jobs = fs::read_to_string(case.out().join("jobs.csv")).ok();
    (o.status.code(), stderr(&o), jobs)
}

#[test]

fn huge_hour_of_day_multipliers_are_rejected_or_flat() {
    let flat = vec!["1e308"; 24].join(", ");
    let text = edit(&base(), "rate = \"20/d\"", &format!("rate = \"20/d\"\nhour_of_day = [{flat}]"));
    let (code, err, jobs) = run_14d(&text);
    match code {
        Some(2) => assert!(err.contains("workload.classes[1].hour_of_day"), "{err}"),
        Some(0) => {
            let debug = jobs.unwrap().lines().filter(|l| l.split(',').nth(1) == Some("debug")).count();
            assert!(debug > 100, "equal multipliers are a flat profile (about 280 debug jobs in 14 days at 20/d), got {debug}");
        }
        other => panic!("exit {other:?}: {err}"),
    }
}

#[test]

fn extreme_power2_alpha_is_rejected_or_saturates() {
    let text = edit(&base(), "alpha = 1.0", "alpha = -2000.0");
    let (code, err, jobs) = run_14d(&text);
    match code {
        Some(2) => assert!(err.contains("workload.classes[0].size"), "{err}"),
        Some(0) => {
            let sizes: Vec<String> = jobs
                .unwrap()
                .lines()
                .filter(|l| l.split(',').nth(1) == Some("train"))
                .map(|l| l.split(',').nth(2).unwrap_or("").to_string())
                .collect();
            assert!(!sizes.is_empty());
            assert!(sizes.iter().all(|s| s == "32"), "alpha -2000 puts all weight on the largest size (32); sizes: {sizes:?}");
        }
        other => panic!("exit {other:?}: {err}"),
    }
}

// Issue 12, item 5: no silent overflow. Every power has a physical bound, named with its field.

#[test]
fn overflowing_part_powers_are_refused() {
    for (power, says) in [("1000000GW", "100 GW"), ("99999999999999999999W", "100 GW"), ("200kW", "100 kW")] {
        let text = edit(&base(), "fans = {", &format!("memory_power = \"{power}\"\nfans = {{"));
        let err = bad_scenario(&text, "node_types[0].memory_power", "memory_power");
        assert!(err.contains(says), "says the bound {says}: {err}");
    }
}

#[test]
fn a_node_above_a_megawatt_at_the_wall_is_refused() {
    // Every part is within its bound, but a PSU at 0.1 % efficiency would draw 7 MW.
    let text = edit(&base(), "efficiency = \"titanium\"", "efficiency = [[0.5, 0.001]]");
    let err = bad_scenario(&text, "node_types[0]", "[[node_types]]");
    assert!(err.contains("1 MW") && err.contains("lowest efficiency"), "says the bound and why: {err}");
}

#[test]
fn too_many_cpu_sockets() {
    let text = edit(&base(), "cpu = { count = 2,", "cpu = { count = 4000000000,");
    bad_scenario(&text, "node_types[0].cpu.count", "4000000000");
}

#[test]
fn an_accelerator_above_its_bound() {
    let text = edit(&base(), "accelerator = \"H100-SXM\"", "accelerator = \"big\"")
        + "\n[[accelerators]]\nid = \"big\"\nbase = \"H100-SXM\"\ntdp_w = 1e12\n";
    bad_scenario(&text, "accelerators[0].tdp_w", "tdp_w = 1e12");
}

// Issue 12, item 7: parse errors are located and their echoes cut.

#[test]
fn duplicate_key_names_the_key() {
    let text = edit(&base(), "seed = 3", "seed = 3\nseed = 4");
    let err = bad_scenario(&text, "malformed TOML", "seed = 4");
    assert!(err.contains("duplicate key `seed`"), "names the key: {err}");
}

#[test]
fn deep_nesting_is_located() {
    let text = format!("{}\n[grid]\nprices = {}1{}\n", base(), "[".repeat(5000), "]".repeat(5000));
    let err = bad_scenario(&text, "malformed TOML", "prices =");
    assert!(err.contains("recurs"), "says why: {err}");
}

#[test]
fn long_echoed_values_are_cut() {
    let long = "x".repeat(100_000);
    let text = edit(&base(), "policy = \"priority\"", &format!("policy = \"{long}\""));
    let err = bad_scenario(&text, "scheduler.policy", "policy =");
    assert!(err.len() < 2_000, "an error of {} bytes", err.len());
    assert!(err.contains("more characters"), "says the value was cut: {err}");
    // Unknown keys are echoed in the field too.
    let text = edit(&base(), "seed = 3", &format!("seed = 3\n{long} = 1"));
    let case = Case::new(&text, &[]);
    let err = stderr(&case.run());
    assert!(err.len() < 4_000 && err.contains("more characters"), "an error of {} bytes", err.len());
}

// Storage.

#[test]
fn unknown_storage_kind() {
    let text = format!("{}\n[storage]\nkind = \"tape\"\n", base());
    let err = bad_scenario(&text, "storage.kind", "tape");
    assert!(err.contains("all-flash") && err.contains("parallel-fs"), "lists the kinds: {err}");
}

#[test]
fn zero_storage_write_bandwidth() {
    let text = format!("{}\n[storage]\nwrite_bandwidth = \"0GB/s\"\n", base());
    bad_scenario(&text, "storage.write_bandwidth", "write_bandwidth");
}

#[test]
fn storage_active_power_below_idle() {
    let text = format!("{}\n[storage]\npower_idle = \"50kW\"\npower_active = \"20kW\"\n", base());
    bad_scenario(&text, "storage.power_active", "power_active");
}

#[test]
fn storage_too_small_for_a_checkpoint() {
    let text = format!("{}\n[failures]\ncheckpoint = {{ size = \"2PB\" }}\n[storage]\ncapacity = \"1PB\"\n", base());
    bad_scenario(&text, "storage.capacity", "capacity");
}

#[test]
fn unknown_checkpoint_mode() {
    let text = format!("{}\n[failures]\ncheckpoint = {{ mode = \"lazy\" }}\n", base());
    bad_scenario(&text, "failures.checkpoint.mode", "lazy");
}

// Power chain, building and PUE fields of [facility] (issue 14): exit 2 naming the field.

fn with_facility(lines: &str) -> String {
    format!("{}\n[site]\nclimate = \"wuhu\"\n\n[facility]\n{lines}\n", base())
}

#[test]
fn facility_power_fields_out_of_range() {
    for (lines, field, needle, expect) in [
        ("ups = { family = \"flywheel\" }", "facility.ups.family", "flywheel", "hvdc"),
        ("ups = { mode = \"eco\", family = \"modular\" }", "facility.ups.family", "modular", "contradicts"),
        ("ups = { family = \"modular\", mains_share = 0.5 }", "facility.ups.mains_share", "mains_share", "HVDC"),
        ("ups = { shed_target = 0.6 }", "facility.ups.shed_target", "shed_target", "modular"),
        ("ups = { battery = \"nicd\" }", "facility.ups.battery", "nicd", "lithium"),
        ("ups = { autonomy = \"3d\" }", "facility.ups.autonomy", "autonomy", "at most a day"),
        ("ups = { module_rating = \"0.01W\" }", "facility.ups.module_rating", "module_rating", "at least"),
        ("pue_boundary = \"meter\"", "facility.pue_boundary", "meter", "pdu-output"),
        ("pue_limit = \"south-hub\"", "facility.pue_limit", "south-hub", "east-hub"),
        ("pue_limit = 0.9", "facility.pue_limit", "0.9", "from 1 to 5"),
        ("pdu_branch_share = 1.5", "facility.pdu_branch_share", "1.5", "from 0 to 1"),
        ("building = { area_per_rack_m2 = 0 }", "facility.building.area_per_rack_m2", "area_per_rack_m2", "from 0.5"),
        ("building = { office_m2 = -5 }", "facility.building.office_m2", "office_m2", "from 0"),
        ("building = { lighting_w_per_m2 = 1e9 }", "facility.building.lighting_w_per_m2", "lighting_w_per_m2", "to 100"),
    ] {
        let text = with_facility(lines);
        let err = bad_scenario(&text, field, needle);
        assert!(err.contains(expect), "{lines}: says what is expected ({expect}): {err}");
    }
}

// `[finance]` (issue 17): a negative price, a life of zero, an unknown currency, a model
// without prices; exit 2 naming the field.

#[test]
fn finance_fields_out_of_range() {
    for (lines, field, needle, expect) in [
        ("energy_cny_per_kwh = -0.5", "finance.energy_cny_per_kwh", "energy_cny_per_kwh", "from 0"),
        (
            "accelerators.H100-SXM = { lease_cny_per_hour = -3 }",
            "finance.accelerators.H100-SXM.lease_cny_per_hour",
            "lease_cny_per_hour",
            "from 0",
        ),
        ("server_life_years = 0", "finance.server_life_years", "server_life_years", "from 1"),
        ("currency = \"USD\"", "finance.currency", "USD", "CNY"),
        ("analysis_years = 0", "finance.analysis_years", "analysis_years", "from 1 to 50"),
        ("contracted_share = 1.5", "finance.contracted_share", "contracted_share", "to 1"),
        (
            "accelerators.A100-SXM-80GB = { capex_cny = 1 }",
            "finance.accelerators.A100-SXM-80GB",
            "A100-SXM-80GB",
            "not an accelerator model",
        ),
    ] {
        let text = format!("{}\n[finance]\n{lines}\n", base());
        let err = bad_scenario(&text, field, needle);
        assert!(err.contains(expect), "{lines}: says what is expected ({expect}): {err}");
    }
    let unpriced = edit(&base(), "accelerator = \"H100-SXM\"", "accelerator = \"T4\"") + "\n[finance]\n";
    let err = bad_scenario(&unpriced, "finance", "[finance]");
    assert!(err.contains("T4") && err.contains("capex_cny"), "{err}");
}

// `[output]`: unknown columns, columns of a section the scenario lacks, steps that are not a
// whole number of sampling steps.

#[test]
fn unknown_timeseries_column_lists_the_valid_ones() {
    let text = base() + "\n[output]\ntimeseries_columns = [\"time_s\",\n  \"it_power_kW\"]\n";
    let err = bad_scenario(&text, "output.timeseries_columns[1]", "\"it_power_kW\"");
    assert!(err.contains("it_power_kW") && err.contains("it_power_kw") && err.contains("queue_length"), "names the valid columns: {err}");
}

#[test]
fn facility_column_without_a_facility() {
    let text = base() + "\n[output]\ntimeseries_columns = [\"time_s\", \"pue\"]\n";
    let err = bad_scenario(&text, "output.timeseries_columns[1]", "\"pue\"");
    assert!(err.contains("[facility]"), "says which section writes it: {err}");
}

#[test]
fn timeseries_step_not_a_multiple_of_the_step() {
    let text = base() + "\n[output]\ntimeseries_step = \"90m\"\n";
    let err = bad_scenario(&text, "output.timeseries_step", "timeseries_step");
    assert!(err.contains("1h") && err.contains("whole number"), "names the sampling step: {err}");
}
