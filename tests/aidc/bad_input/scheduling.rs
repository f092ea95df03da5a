//! Bad scheduler and service sections: policies, preemption, SJF aging, and inference services
//! (rates, replicas, latency targets, hour profiles, GPU shares).

use super::*;

// Scheduling policies, preemption and inference services.

/// The base scenario with one service appended (its lines given).
fn with_service(lines: &str) -> String {
    format!("{}\n[[services]]\nname = \"chat\"\n{lines}\n", base())
}

#[test]
fn unknown_policy_lists_the_new_policies() {
    let text = edit(&base(), "policy = \"priority\"", "policy = \"shortest\"");
    let err = bad_scenario(&text, "scheduler.policy", "shortest");
    assert!(err.contains("\"sjf\"") && err.contains("\"best-fit\""), "lists every policy: {err}");
}

#[test]
fn preemption_must_be_a_boolean() {
    let text = edit(&base(), "backfill_depth = 32", "backfill_depth = 32\npreemption = \"yes\"");
    bad_scenario(&text, "scheduler.preemption", "preemption");
}

#[test]
fn zero_sjf_aging() {
    let text = edit(&base(), "backfill_depth = 32", "backfill_depth = 32\naging = \"0s\"");
    bad_scenario(&text, "scheduler.aging", "aging");
}

#[test]
fn preemptible_must_be_a_boolean() {
    let text = edit(&base(), "kind = \"debug\"", "kind = \"debug\"\npreemptible = 1");
    bad_scenario(&text, "workload.classes[1].preemptible", "preemptible");
}

#[test]
fn service_without_a_peak_rate() {
    let text = with_service("accelerators = 8");
    let o = Case::new(&text, &[]).run();
    let err = assert_bad(&o, BAD, "services[0]", None);
    assert!(err.contains("peak_rate"), "names the missing field: {err}");
}

#[test]
fn service_named_like_a_class() {
    let text = format!("{}\n[[services]]\nname =   \"train\"\npeak_rate = \"100/s\"\n", base());
    let err = bad_scenario(&text, "services[0].name", "name =   \"train\"");
    assert!(err.contains("unique"), "{err}");
}

#[test]
fn service_replica_larger_than_the_cluster() {
    let text = with_service("peak_rate = \"100/s\"\naccelerators = 128");
    bad_scenario(&text, "services[0].accelerators", "accelerators = 128");
}

#[test]
fn service_latency_target_below_the_service_time() {
    let text = with_service("peak_rate = \"100/s\"\nservice_time = \"10s\"\nlatency_target = \"20s\"");
    let err = bad_scenario(&text, "services[0].latency_target", "latency_target");
    assert!(err.contains("30.0 s"), "says the floor: {err}");
}

#[test]
fn service_trough_above_one() {
    let text = with_service("peak_rate = \"100/s\"\ntrough_ratio = 1.5");
    bad_scenario(&text, "services[0].trough_ratio", "trough_ratio");
}

#[test]
fn service_max_below_min_replicas() {
    let text = with_service("peak_rate = \"100/s\"\nmin_replicas = 4\nmax_replicas = 2");
    bad_scenario(&text, "services[0].max_replicas", "max_replicas");
}

#[test]
fn service_hour_profile_of_the_wrong_length() {
    let text = with_service("peak_rate = \"100/s\"\nhour_of_day = [1.0, 2.0]");
    bad_scenario(&text, "services[0].hour_of_day", "hour_of_day");
}

#[test]
fn service_unknown_field() {
    let text = with_service("peak_rate = \"100/s\"\nreplicas = 3");
    bad_scenario(&text, "services[0]", "replicas = 3");
}

#[test]
fn services_with_gpu_shares_are_refused() {
    // Found by the fuzzer: tests/fixtures/fuzz/services-with-gpu-shares.
    let dir = fixture_path("fuzz/services-with-gpu-shares");
    let read = |n: &str| fs::read_to_string(dir.join(n)).unwrap();
    let text = read("scenario.toml");
    let case = Case::new(&text, &[("nodes_g2.csv", &read("nodes_g2.csv")), ("pods_share.csv", &read("pods_share.csv"))]);
    let err = assert_bad(&case.run(), BAD, "services[0]", None);
    let first = line_of(&text, "name = \"chat-70b\"");
    assert!(
        err.contains(&format!("{BAD}:{}:", first - 1)) || err.contains(&format!("{BAD}:{first}:")),
        "located at the first service: {err}"
    );
    assert!(err.contains("shares"), "{err}");
}
