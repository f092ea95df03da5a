//! The columns of timeseries.csv, in the order of the file: the site's, then the facility's
//! (with a facility), then the grid's (with `[grid]`). The recorder writes its header from here
//! and its values in the same order (`src/engine/record.rs`).

use super::Owner::*;
use super::Shape::*;
use super::When::*;
use super::{Entry, e};

#[rustfmt::skip]
pub(super) const COLUMNS: &[Entry] = &[
    e("time_s", Num, "s", Engine, Always, ("Time", "时间"), ("end of the interval the row covers", "该行所覆盖时段的结束时刻")).bookkeeping(),
    e("accelerators_allocated", Int, "1", Compute, Always, ("Accelerators allocated", "已分配加速卡数"),
      ("accelerators allocated at `time_s`", ""))
      .note("under GPU shares, the GPUs holding any share"),
    e("utilization_allocated", Num, "fraction", Compute, Always, ("Allocation utilization", "算力分配利用率"),
      ("allocated / installed accelerators, mean over the interval (exact)", "")),
    e("utilization_effective", Num, "fraction", Compute, Always, ("Effective utilization", "算力有效利用率"),
      ("utilization-weighted allocated / installed accelerators, mean over the interval (exact)", "")),
    e("it_power_kw", Num, "kW", Compute, Always, ("IT power", "IT 功率"), ("IT power, mean over the interval (exact)", "")),
    e("it_energy_kwh", Num, "kWh", Compute, Always, ("IT energy, cumulative", "累计 IT 能耗"), ("IT energy from t = 0 to `time_s`", "")),
    e("queue_length", Int, "1", Workload, Always, ("Queue length", "排队作业数"), ("jobs queued at `time_s`", "")),
    e("running_jobs", Int, "1", Workload, Always, ("Running jobs", "运行中作业数"), ("jobs running at `time_s`", "")),
    e("outdoor_db_c", Num, "degC", Facility, WithFacility, ("Outdoor dry-bulb temperature", "室外干球温度"), ("weather over the interval", "")),
    e("outdoor_wb_c", Num, "degC", Facility, WithFacility, ("Outdoor wet-bulb temperature", "室外湿球温度"), ("weather over the interval", "")),
    e("facility_power_kw", Num, "kW", Facility, WithFacility, ("Facility power", "设施总功率"),
      ("IT + cooling + losses + other over the interval", "")),
    e("cooling_power_kw", Num, "kW", Facility, WithFacility, ("Cooling power", "制冷功率"),
      ("chillers, heat-rejection fans, loop pumps, CRAH fans, CDU pumps, air-side economizer fans, humidifiers, reheat", "")),
    e("power_loss_kw", Num, "kW", Facility, WithFacility, ("Power distribution losses", "配电损耗功率"),
      ("UPS, PDU and busway, transformer", "")),
    e("other_power_kw", Num, "kW", Facility, WithFacility, ("Other facility power", "其他负荷功率"), ("lighting and auxiliaries", "")),
    e("pue", Num, "1", Facility, WithFacility, ("PUE", "PUE"), ("facility power / IT power of the interval", "")),
    e("water_l_per_h", Num, "L/h", Facility, WithFacility, ("Water use rate", "用水速率"), ("cooling-tower make-up water", "")),
    e("free_cooling_fraction", Num, "fraction", Facility, WithFacility, ("Free-cooling fraction", "自然冷却占比"),
      ("share of loop heat removed without chillers", "")),
    e("supply_temp_c", Num, "degC", Facility, WithFacility, ("Supply temperature", "供水温度"), ("supply of the main loop", "")),
    e("chilled_water_temp_c", Num, "degC", Facility, WithFacility, ("Chilled-water temperature", "冷冻水温度"), ("chilled-water supply", "")),
    e("junction_temp_c", Num, "degC", Thermal, WithFacility, ("Junction temperature", "结温"),
      ("a fully loaded accelerator in the warmest hall: coolant + R x TDP, at most the throttle temperature", "")),
    e("throttled_accelerators", Int, "1", Thermal, WithFacility, ("Throttled accelerators", "降频加速卡数"),
      ("accelerators capped below their demand by their hall's thermal limit", "")),
    e("price_cny_per_kwh", Num, "CNY/kWh", Grid, WithGrid, ("Electricity price", "电价"), ("tariff at the interval's start", "")),
    e("carbon_kg_per_kwh", Num, "kg CO2/kWh", Grid, WithGrid, ("Grid emission factor", "电网排放因子"),
      ("emission factor at the interval's start", "")),
    e("grid_power_kw", Num, "kW", Grid, WithGrid, ("Grid power", "电网取电功率"), ("power imported from the grid over the interval", "")),
    e("battery_kw", Num, "kW", Grid, WithGrid, ("Battery power", "储能功率"), ("battery power over the interval, discharge positive", "")),
    e("battery_soc", Num, "fraction", Grid, WithGrid, ("Battery state of charge", "储能荷电状态"), ("at `time_s`; 0 without a battery", "")),
];
