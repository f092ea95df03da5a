//! Resolved scenario -> raw schema with every default spelled out (`scenario.resolved.toml`).
//! Loading the text again gives an equal [`Scenario`]; a test pins that round trip.

use super::raw::*;
use super::units::{DeltaK, DurationMs, PowerW, PressurePa, RatePerS, TempC};
use crate::config::*;

/// The resolved scenario as TOML text, every default filled in and every device inline.
pub fn to_toml(sc: &Scenario) -> String {
    let header = format!(
        "# Resolved by aidc {}: every default of {} filled in.\n# Running this file reproduces the run's outputs.\n\n",
        crate::VERSION,
        sc.file.display()
    );
    match toml::to_string(&to_raw(sc)) {
        Ok(body) => header + &body,
        // The raw schema holds only strings, numbers, arrays and tables: serialization cannot fail.
        Err(e) => format!("{header}# could not serialize: {e}\n"),
    }
}

/// The raw form of a resolved scenario.
pub fn to_raw(sc: &Scenario) -> RawScenario {
    RawScenario {
        name: sc.name.clone(),
        description: sc.description.clone(),
        simulation: RawSimulation {
            horizon: DurationMs(sc.horizon_ms),
            step: Some(DurationMs(sc.step_ms)),
            seed: Some(sc.seed),
            start: Some(sc.start.to_string()),
            warmup: Some(DurationMs(sc.warmup_ms)),
        },
        site: Some(RawSite {
            name: sc.site_name.clone(),
            location: sc.site_location.clone(),
            climate: sc.climate.as_ref().map(|(name, _)| name.clone()),
            weather_file: sc.weather.as_ref().map(|w| w.file.display().to_string()),
            weather_columns: sc.weather.as_ref().filter(|w| w.elevation_m.is_none()).map(|w| (&w.columns).into()),
            grid: sc.grid.as_ref().map(|g| g.id.clone()),
            emission_factor: sc.emission_factor,
            elevation: sc.elevation_m.map(super::units::LengthM),
        }),
        accelerators: sc.devices.iter().filter(|d| d.inline).map(|d| d.spec.clone()).collect(),
        // A cluster read from a node list is written as its `[cluster]` section (below).
        node_types: if sc.node_list.is_some() { vec![] } else { sc.node_types.iter().map(|n| node_type(sc, n)).collect() },
        halls: if sc.node_list.is_some() {
            vec![]
        } else {
            sc.halls
                .iter()
                .map(|h| RawHall {
                    name: h.name.clone(),
                    racks: h
                        .racks
                        .iter()
                        .map(|g| RawRackGroup {
                            count: g.count,
                            nodes: g.nodes,
                            node_type: sc.node_types[g.node_type].name.clone(),
                            power_limit: g.power_limit_w.map(PowerW),
                            in_service: (g.in_service_ms > 0).then_some(DurationMs(g.in_service_ms)),
                        })
                        .collect(),
                    cooling: Some(cooling(&h.cooling)),
                })
                .collect()
        },
        workload: RawWorkload { classes: sc.classes.iter().map(|c| class(sc, c)).collect(), trace: sc.trace.as_ref().map(trace) },
        scheduler: Some(scheduler(&sc.scheduler)),
        cluster: sc.node_list.as_ref().map(|l| RawCluster {
            node_list: l.file.display().to_string(),
            format: Some(l.format.clone()),
            models: Some(l.models.clone()),
            rack_nodes: Some(l.rack_nodes),
            hall: Some(l.hall.clone()),
            cooling: sc.halls.first().map(|h| cooling(&h.cooling)),
        }),
        facility: sc.facility.as_ref().map(facility),
        failures: sc.failures.as_ref().map(super::failures::unparse),
        grid: sc.coordination.as_ref().map(super::grid::unparse),
        network: sc.network.as_ref().map(super::network::unparse),
        services: sc.services.iter().map(|s| super::services::unparse(sc, s)).collect(),
        demand: sc.demand.as_ref().map(|d| d.steps.clone()),
        storage: sc.storage.as_ref().map(super::storage::unparse),
        finance: sc.finance.as_ref().map(super::finance::unparse),
        output: super::output::unparse(&sc.output, sc),
    }
}

/// `[scheduler]`: the policy with the settings it has, and placement.
fn scheduler(s: &SchedulerConfig) -> RawScheduler {
    let mut raw = RawScheduler {
        policy: Some(s.policy.policy().name().to_string()),
        backfill_depth: s.policy.depth(),
        placement: Some(s.placement.name().to_string()),
        max_queued: Some(s.max_queued),
        ..Default::default()
    };
    match &s.policy {
        PolicyConfig::Priority { backfill, quotas, preemption, .. } => {
            raw.backfill = Some(*backfill);
            raw.quotas = Some(quotas.iter().cloned().collect());
            raw.preemption = Some(*preemption);
        }
        PolicyConfig::Sjf { aging_ms, .. } => raw.aging = Some(DurationMs(*aging_ms)),
        PolicyConfig::Fifo | PolicyConfig::Backfill { .. } | PolicyConfig::BestFit { .. } => {}
    }
    raw
}

fn water_loop(l: &LoopConfig) -> RawLoop {
    RawLoop {
        supply: Some(TempC(l.supply_c)),
        delta_t: Some(DeltaK(l.delta_t_k)),
        rejection: Some(match l.rejection {
            RejectionKind::Tower => "tower".into(),
            RejectionKind::DryCooler => "dry-cooler".into(),
            RejectionKind::AirCooledChiller => "air-cooled-chiller".into(),
        }),
        chillers: Some(l.chillers),
        pump_pressure: Some(PressurePa(l.pump_pa)),
        pump_efficiency: Some(l.pump_eta),
        pumps: Some(l.pumps.name().to_string()),
        economizer: Some(l.economizer),
    }
}

fn facility(f: &Facility) -> RawFacility {
    RawFacility {
        transformer: Some(RawTransformer {
            units: Some(f.transformer_units),
            rating: Some(PowerW(f.transformer_rating_w)),
            no_load_loss: Some(f.transformer_no_load),
            load_loss: Some(f.transformer_load_loss),
        }),
        ups: Some(RawUps {
            mode: None,
            redundancy: Some(f.ups_redundancy.name().to_string()),
            module_rating: Some(PowerW(f.ups_module_rating_w)),
            no_load_loss: Some(f.ups_l0),
            proportional_loss: Some(f.ups_k1),
            square_loss: Some(f.ups_k2),
            family: Some(f.ups_family.name().to_string()),
            shed_target: f.ups_family.sheds().then_some(f.ups_shed_target),
            mains_share: (f.ups_family == UpsFamily::Hvdc).then_some(f.ups_mains_share),
            battery: Some(f.battery.name().to_string()),
            autonomy: Some(DurationMs((f.battery_autonomy_min * 60_000.0).round() as u64)),
            battery_float_loss: Some(f.battery_float_w_per_kwh),
        }),
        pdu_loss: Some(f.pdu_loss),
        auxiliary: f.auxiliary,
        chilled_water: Some(water_loop(&f.chilled_water)),
        facility_water: Some(water_loop(&f.facility_water)),
        chiller: Some(RawChiller {
            cop: Some(f.chiller_cop),
            units: Some(f.chiller_units),
            redundancy: Some(f.chiller_redundancy.name().to_string()),
            carnot_efficiency: Some(f.chiller_carnot_eta),
            min_condenser_temp: Some(TempC(f.chiller_min_condenser_c)),
            max_cop: Some(f.chiller_max_cop),
        }),
        tower: Some(RawTower {
            approach: Some(DeltaK(f.tower_approach_k)),
            fan_power: Some(f.tower_fan_w_per_w),
            cycles: Some(f.tower_cycles),
            drift: Some(f.tower_drift),
            range: Some(DeltaK(f.tower_range_k)),
            design_wet_bulb: Some(TempC(f.tower_design_wb_c)),
            exponent: Some(f.tower_exponent),
            basin_heater: Some(f.basin_heater_w_per_k_mw),
            basin_heater_setpoint: Some(TempC(f.basin_heater_setpoint_c)),
        }),
        dry_cooler: Some(RawDryCooler { approach: Some(DeltaK(f.dry_approach_k)), fan_power: Some(f.dry_fan_w_per_w) }),
        hx_approach: Some(DeltaK(f.hx_approach_k)),
        loop_time_constant: Some(DurationMs(f.loop_tau_ms)),
        alarm_margin: Some(DeltaK(f.alarm_margin_k)),
        pdu_branch_share: Some(f.pdu_branch_share),
        building: Some(RawBuilding {
            white_space_m2: f.building.white_space_m2,
            area_per_rack_m2: Some(f.building.area_per_rack_m2),
            support_area_ratio: Some(f.building.support_area_ratio),
            lighting_w_per_m2: Some(f.building.lighting_w_per_m2),
            lighting_on: Some(f.building.lighting_on),
            auxiliary_w_per_m2: Some(f.building.auxiliary_w_per_m2),
            office_m2: Some(f.building.office_m2),
            office_w_per_m2: Some(f.building.office_w_per_m2),
        }),
        pue_boundary: Some(f.pue_boundary.name().to_string()),
        pue_limit: f
            .pue_limit
            .as_ref()
            .map(|(v, name)| if name == "scenario" { RawPueLimit::Value(*v) } else { RawPueLimit::Name(name.clone()) }),
        era: Some(f.era.name().to_string()),
        air_cooled_chiller: Some(RawAirChiller {
            cop: Some(f.air_chiller_cop),
            condenser_approach: Some(DeltaK(f.air_chiller_condenser_k)),
            fan_power: Some(f.air_chiller_fan_w_per_w),
        }),
    }
}

fn cooling(c: &Cooling) -> RawCooling {
    RawCooling {
        kind: c.kind.name().to_string(),
        liquid_fraction: (c.kind == CoolingKind::ColdPlate).then_some(c.liquid_fraction),
        crah_fan_power: Some(c.crah_fan_w_per_w),
        crah_min_airflow: Some(c.crah_min_airflow),
        air_approach: Some(DeltaK(c.air_approach_k)),
        cdu_approach: Some(DeltaK(c.cdu_approach_k)),
        cdu_pressure: Some(PressurePa(c.cdu_pa)),
        cdu_pump_efficiency: Some(c.cdu_eta),
        thermal_resistance: Some(c.r_k_per_w),
        throttle_temp: Some(TempC(c.throttle_c)),
        economizer: Some(c.air_side.economizer.name().to_string()),
        humidity: Some(c.air_side.humidity),
        outdoor_air: Some(c.air_side.outdoor_air_l_per_s_m2),
        floor_per_rack: Some(c.air_side.floor_m2_per_rack),
        dew_point_min: Some(TempC(c.air_side.dew_point_min_c)),
        dew_point_max: Some(TempC(c.air_side.dew_point_max_c)),
        max_relative_humidity: Some(c.air_side.rh_max_pct),
        air_delta_t: Some(DeltaK(c.air_side.air_delta_t_k)),
        iec_effectiveness: Some(c.air_side.iec_wet_effectiveness),
        iec_dry_effectiveness: Some(c.air_side.iec_dry_effectiveness),
        evaporative_effectiveness: Some(c.air_side.evaporative_effectiveness),
        economizer_fan_power: Some(c.air_side.economizer_fan_w_per_w),
        humidifier_energy: Some(c.air_side.humidifier_kwh_per_kg),
        unit: Some(c.unit.name().to_string()),
        fans: Some(c.fans.name().to_string()),
        dx_cop: Some(c.dx_cop),
    }
}

fn node_type(sc: &Scenario, n: &NodeType) -> RawNodeType {
    let (curve, r) = match n.curve {
        PowerCurve::Linear => ("linear", None),
        PowerCurve::FanBarroso { r } => ("fan-barroso", Some(r)),
    };
    RawNodeType {
        name: n.name.clone(),
        platform: n.platform.clone(),
        accelerator: Some(sc.devices[n.device].spec.id.clone()),
        accelerators: Some(n.accelerators),
        nameplate: n.nameplate_w.map(PowerW),
        power_curve: Some(curve.to_string()),
        power_curve_r: r,
        cpu: Some(RawCpu {
            count: Some(n.cpu.count),
            idle: Some(PowerW(n.cpu.idle_w)),
            max: Some(PowerW(n.cpu.max_w)),
            busy_utilization: Some(n.cpu.busy_utilization),
        }),
        memory_power: Some(PowerW(n.memory_w)),
        nic_power: Some(PowerW(n.nic_w)),
        storage_power: Some(PowerW(n.storage_w)),
        other_power: Some(PowerW(n.other_w)),
        fans: Some(n.fans.map_or(RawFans { min: Some(PowerW(0.0)), max: Some(PowerW(0.0)), air_share: None }, |f| RawFans {
            min: Some(PowerW(f.min_w)),
            max: Some(PowerW(f.max_w)),
            air_share: Some(f.air_share),
        })),
        psu: Some(RawPsu {
            count: Some(n.psu.count),
            rating: Some(PowerW(n.psu.rating_w)),
            efficiency: Some(match &n.psu.curve_name {
                Some(name) => RawPsuCurve::Named(name.clone()),
                None => RawPsuCurve::Points(n.psu.points.iter().map(|(l, e)| [*l, *e]).collect()),
            }),
        }),
    }
}

fn class(sc: &Scenario, c: &JobClass) -> RawJobClass {
    RawJobClass {
        name: c.name.clone(),
        kind: c.kind.name().to_string(),
        rate: RatePerS(c.rate_per_s),
        hour_of_day: c.hour_of_day.clone(),
        day_of_week: c.day_of_week.clone(),
        size: Some(match &c.size {
            SizeDist::Fixed(v) => RawSize { dist: "fixed".into(), value: Some(*v), ..Default::default() },
            SizeDist::Choice { values, weights } => {
                RawSize { dist: "choice".into(), values: Some(values.clone()), weights: Some(weights.clone()), ..Default::default() }
            }
            SizeDist::Power2 { min, max, alpha } => {
                RawSize { dist: "power2".into(), min: Some(*min), max: Some(*max), alpha: Some(*alpha), ..Default::default() }
            }
        }),
        duration: c.work.is_none().then(|| match &c.duration {
            DurationDist::Fixed(v) => RawDuration { dist: "fixed".into(), value: Some(DurationMs(*v)), ..Default::default() },
            DurationDist::Lognormal { median_ms, sigma, min_ms, max_ms } => RawDuration {
                dist: "lognormal".into(),
                median: Some(DurationMs(*median_ms)),
                sigma: Some(*sigma),
                min: Some(DurationMs(*min_ms)),
                max: Some(DurationMs(*max_ms)),
                ..Default::default()
            },
            DurationDist::Empirical { file, unit_ms, scale, min_ms, max_ms, .. } => RawDuration {
                dist: "empirical".into(),
                file: Some(file.display().to_string()),
                unit: Some(DurationMs(*unit_ms)),
                scale: Some(*scale),
                min: Some(DurationMs(*min_ms)),
                max: Some(DurationMs(*max_ms)),
                ..Default::default()
            },
        }),
        utilization: Some(RawUtilization { mean: c.utilization.mean, sd: Some(c.utilization.sd) }),
        priority: Some(c.priority),
        estimate_factor: Some(c.estimate_factor),
        accelerator: c.device.map(|d| sc.devices[d].spec.id.clone()),
        work: c.work.as_ref().map(super::network::unparse_work),
        preemptible: Some(c.preemptible),
        failed: Some(end(&c.ends.failed)),
        cancelled: Some(end(&c.ends.cancelled)),
    }
}

fn end(e: &EndDist) -> RawEnd {
    RawEnd { share: Some(e.share), median: Some(DurationMs(e.median_ms)), sigma: Some(e.sigma) }
}

fn trace(t: &Trace) -> RawTrace {
    RawTrace {
        file: t.file.display().to_string(),
        format: Some(t.format.name().to_string()),
        columns: t.columns.as_ref().map_or_else(RawTraceColumns::default, Into::into),
        time_unit: Some(DurationMs(t.time_unit_ms)),
        start_at_zero: Some(t.start_at_zero),
        class: Some(t.class.clone()),
        utilization: Some(t.utilization),
    }
}
