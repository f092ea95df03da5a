//! The keys of summary.json that the site's optional models add: facility (PUE, water, carbon,
//! free cooling, thermal), grid (cost, carbon, battery), calibration, failures and network.

use super::Owner::*;
use super::Shape::*;
use super::When::*;
use super::{Entry, e};

#[rustfmt::skip]
pub(super) const FACILITY: &[Entry] = &[
    e("pue.annual", Num, "1", Facility, WithFacility, ("PUE", "PUE(电能利用效率)"),
      ("facility energy / IT energy over the horizon", "设施总能耗 / IT 能耗")).note("the annual PUE for a one-year horizon"),
    e("pue.min_month", Num, "1", Facility, WithFacility, ("PUE, lowest month", "PUE 最低月份"),
      ("the lowest PUE of a calendar month", "各月 PUE 的最低值")),
    e("pue.max_month", Num, "1", Facility, WithFacility, ("PUE, highest month", "PUE 最高月份"),
      ("the highest PUE of a calendar month", "各月 PUE 的最高值")),
    e("pue.by_month.<YYYY-MM>", Num, "1", Facility, WithFacility, ("PUE by month", "月度 PUE"),
      ("facility energy / IT energy of each calendar month", "每个自然月的 设施总能耗 / IT 能耗")),
    e("pue.by_hall.<hall>", Num, "1", Facility, WithFacility, ("Partial PUE by hall", "各机房局部 PUE"),
      ("the hall's IT plus its own fans and pumps, its share of each loop's plant by heat and of losses and auxiliaries by IT \
        power, over its IT", "")),
    e("pue.boundary", Str, "", Facility, WithFacility, ("PUE boundary", "PUE 计量边界"),
      ("where `pue.annual` and the monthly PUEs meter IT energy: \"ups-output\", \"pdu-output\" or \"it-input\" (The Green Grid \
        categories 1, 2, 3)", "")).note("`[facility] pue_boundary`, default \"it-input\"; The Green Grid WP49 (2012), ISO/IEC 30134-2:2016"),
    e("pue.by_boundary.<boundary>", Num, "1", Facility, WithFacility, ("PUE by boundary", "各计量边界 PUE"),
      ("facility energy at the utility meter / IT energy at the UPS output, the PDU output or the IT input", ""))
      .note("ordered: ups-output <= pdu-output <= it-input; offices are outside the facility energy"),
    e("pue.gb40879_grade", Int, "1", Facility, WithFacility, ("GB 40879 energy-efficiency grade", "GB 40879 能效等级"),
      ("grade of `pue.annual` under GB 40879-2021: 1 (<= 1.20), 2 (<= 1.30), 3 (<= 1.50); 0 above the limit value", ""))
      .note("thresholds [unverified]; see `model::facility::grade`"),
    e("pue.gb40879_meets_limit", Bool, "", Facility, WithFacility, ("Meets the GB 40879 limit value", "满足 GB 40879 能效限定值"),
      ("`pue.annual` at or below 1.50, the limit value (grade 3)", "")),
    e("pue.limit", Num, "1", Facility, WithFacility, ("PUE limit", "PUE 限值"),
      ("the scenario's `[facility] pue_limit`, a number or a named limit", "")).note("only with `pue_limit`"),
    e("pue.limit_name", Str, "", Facility, WithFacility, ("PUE limit source", "PUE 限值来源"),
      ("the limit's name (\"east-hub\", \"west-hub\", \"gb40879-limit\", ...) or \"scenario\"", "")).bookkeeping(),
    e("pue.meets_limit", Bool, "", Facility, WithFacility, ("Meets the PUE limit", "满足 PUE 限值"),
      ("`pue.annual` at or below `pue.limit`", "")).note("only with `pue_limit`"),
    e("wue_l_per_kwh", Num, "L/kWh", Facility, WithFacility, ("WUE", "WUE(水利用效率)"), ("site water use / IT energy", "用水量 / IT 能耗"))
      .note("cooling-tower make-up water (evaporation + blowdown + drift)"),
    e("cue_kg_per_kwh", Num, "kg CO2/kWh", Facility, WithFacility, ("CUE", "CUE(碳利用效率)"),
      ("CO2 emissions of the facility's electricity / IT energy", "设施用电的二氧化碳排放 / IT 能耗")),
    e("carbon_t", Num, "t CO2", Facility, WithFacility, ("Carbon emissions", "碳排放"),
      ("facility energy x grid carbon intensity", "设施总能耗 × 电网碳排放因子"))
      .note("location-based, with the grid's emission factor (`grid.emission_factor_kg_per_kwh`, from `assets/grids`)"),
    e("water_m3", Num, "m3", Facility, WithFacility, ("Water use", "用水量"),
      ("cooling-tower make-up water: evaporation + blowdown + drift", "冷却塔补水量:蒸发、排污与飘水")),
    e("free_cooling_hours", Num, "h", Facility, WithFacility, ("Free-cooling hours", "自然冷却小时数"),
      ("hours in which outdoor air or water carried the heat without chillers", "无需冷机、由室外空气或冷却水带走热量的小时数"))
      .note("of the main loop, the one carrying the most design heat"),
    e("free_cooling_hours_by_loop.<loop>", Num, "h", Facility, WithFacility, ("Free-cooling hours by loop", "各回路自然冷却小时数"),
      ("hours each loop (chilled_water, facility_water) ran without chillers", "")),
    e("free_cooling_fraction", Num, "fraction", Facility, WithFacility, ("Free-cooling fraction", "自然冷却占比"),
      ("share of loop heat removed without chillers, energy-weighted", "")),
    e("thermal.throttled_accelerator_hours", Num, "accelerator-hours", Thermal, WithFacility, ("Throttled accelerator-hours", "降频卡时"),
      ("accelerator-hours run slowed down by heat or by the grid's power cap", "因过热或电网功率上限而降频运行的卡时"))
      .note("a job's accelerators capped below their demand by their hall's thermal limit or by the grid's draw level, sampled at each step"),
    e("thermal.alarms", Int, "1", Thermal, WithFacility, ("Thermal alarms", "温度告警"),
      ("temperature alarms raised during the run", "运行期间触发的温度告警次数"))
      .note("a loop's supply more than `alarm_margin` above its set-point, or a hall's accelerators starting to throttle; \
             the rows of alarms.csv (which lists the first 10,000)"),
    e("thermal.max_junction_c", Num, "degC", Thermal, WithFacility, ("Highest junction temperature", "最高结温"),
      ("highest junction temperature of a fully loaded accelerator over the run: coolant + R x TDP, at most the throttle temperature", "")),
    e("grid.id", Str, "", Facility, WithFacility, ("Grid", "电网"),
      ("the grid of the carbon figures: an `assets/grids` id, or \"override\"", ""))
      .bookkeeping(),
    e("grid.emission_factor_kg_per_kwh", Num, "kg CO2/kWh", Facility, WithFacility, ("Grid emission factor used", "采用的电网排放因子"),
      ("the emission factor of the carbon figures", "")).bookkeeping(),
];

#[rustfmt::skip]
pub(super) const GRID: &[Entry] = &[
    e("cost.total_cny", Num, "CNY", Grid, WithGrid, ("Electricity cost", "电费"),
      ("energy at the time-of-use tariff plus demand charges", "按分时电价计的电量电费加需量电费")),
    e("cost.energy_cny", Num, "CNY", Grid, WithGrid, ("Energy charges", "电量电费"),
      ("sum over ticks of price x grid power x step", "各采样步 电价 × 电网取电功率 × 步长 之和")).note("equal to the sum over timeseries rows"),
    e("cost.demand_cny", Num, "CNY", Grid, WithGrid, ("Demand charges", "需量电费"),
      ("sum over the calendar months touched of the month's highest grid kW x `demand_charge`", "")).note("whole months charged"),
    e("cost.grid_kwh", Num, "kWh", Grid, WithGrid, ("Grid energy", "电网取电量"), ("energy imported from the grid", "")),
    e("cost.peak_demand_kw", Num, "kW", Grid, WithGrid, ("Peak grid demand", "电网最大需量"), ("highest grid power over the run", "")),
    e("cost.peak_demand_kw_by_month.<YYYY-MM>", Num, "kW", Grid, WithGrid, ("Peak grid demand by month", "月度电网最大需量"),
      ("highest grid power of each calendar month", "")),
    e("cost.mean_price_cny_per_kwh", Num, "CNY/kWh", Grid, WithGrid, ("Mean electricity price", "平均电价"),
      ("energy-weighted mean price", "按电量加权的平均电价")),
    e("cost.deferred_job_hours", Num, "job-hours", Grid, WithGrid, ("Deferred job-hours", "延后作业时长"),
      ("time deferrable jobs were held, submission to release", "")),
    e("cost.missed_deadlines", Int, "1", Grid, WithGrid, ("Missed deadlines", "错过截止时间的作业数"),
      ("deferrable jobs that ended after submission + deadline, or were still running or queued past it at the horizon", "")),
    e("cost.capped_accelerator_hours", Num, "accelerator-hours", Grid, WithGrid, ("Power-capped accelerator-hours", "限功率卡时"),
      ("accelerator-hours slowed by the grid power cap", "")),
    e("carbon.location_based_t", Num, "t CO2", Grid, WithGrid, ("Carbon, location-based", "碳排放 按地区"),
      ("consumption (facility or IT energy) x hourly grid emission factor", "用电量 × 逐时电网排放因子")),
    e("carbon.net_t", Num, "t CO2", Grid, WithGrid, ("Carbon, net", "碳排放 净值"),
      ("grid import not covered by contracted green power x emission factor", "扣除自发与签约绿电后的电网用电 × 排放因子")),
    e("carbon.green_share", Num, "fraction", Grid, WithGrid, ("Green share", "绿电占比"),
      ("(PV used on site + contracted share of imports) / consumption", "")),
    e("carbon.onsite_green_kwh", Num, "kWh", Grid, WithGrid, ("On-site green energy used", "自发绿电使用量"), ("on-site generation used", "")),
    e("carbon.curtailed_kwh", Num, "kWh", Grid, WithGrid, ("Curtailed on-site generation", "弃电量"),
      ("on-site generation curtailed (surplus, no export)", "")),
    e("carbon.emission_factor_kg_per_kwh", Num, "kg CO2/kWh", Grid, WithGrid, ("Grid emission factor", "电网排放因子"),
      ("emission factor of grid electricity, energy-weighted mean with an hourly series", "")),
    e("battery.charged_kwh", Num, "kWh", Grid, WithBattery, ("Battery charged", "储能充电量"), ("energy charged from the bus", "")),
    e("battery.discharged_kwh", Num, "kWh", Grid, WithBattery, ("Battery discharged", "储能放电量"), ("energy discharged to the bus", "")),
    e("battery.losses_kwh", Num, "kWh", Grid, WithBattery, ("Battery losses", "储能损耗"), ("charged − discharged − stored increase", "")),
    e("battery.cycles", Num, "1", Grid, WithBattery, ("Battery cycles", "储能循环次数"),
      ("full equivalent cycles: (charged + discharged) / 2 / capacity", "等效满充放循环次数:(充电量 + 放电量) / 2 / 容量")),
    e("battery.soc_end", Num, "fraction", Grid, WithBattery, ("Battery state of charge at the end", "期末储能荷电状态"),
      ("state of charge at the horizon", "")),
    e("battery.soc_min", Num, "fraction", Grid, WithBattery, ("Battery state of charge, lowest", "储能最低荷电状态"),
      ("lowest state of charge seen", "")),
    e("battery.soc_max", Num, "fraction", Grid, WithBattery, ("Battery state of charge, highest", "储能最高荷电状态"),
      ("highest state of charge seen", "")),
];

#[rustfmt::skip]
pub(super) const CALIBRATION: &[Entry] = &[
    e("calibration[].device", Str, "", Calibration, WithCalibration, ("Calibrated device", "校准设备"),
      ("accelerator id in the scenario", "")).bookkeeping(),
    e("calibration[].profile", Str, "", Calibration, WithCalibration, ("Calibration profile", "校准文件"),
      ("the profile's file name", "")).bookkeeping(),
    e("calibration[].measured_device", Str, "", Calibration, WithCalibration, ("Measured device", "实测设备"),
      ("the device the profile measured", "")).bookkeeping(),
    e("calibration[].efficiency", Num, "1", Calibration, WithCalibration, ("Calibrated efficiency", "校准效率"),
      ("sustained / peak throughput from the profile", "")).bookkeeping(),
    e("calibration[].nominal_efficiency", Num, "1", Calibration, WithCalibration, ("Nominal efficiency", "名义效率"),
      ("the efficiency job durations hold at", "")).bookkeeping(),
    e("calibration[].duration_factor", Num, "1", Calibration, WithCalibration, ("Duration factor", "时长系数"),
      ("multiplier of job durations on this device: nominal / calibrated efficiency", "")).bookkeeping(),
    e("calibration[].power_from_profile", Bool, "", Calibration, WithCalibration, ("Power from the profile", "功率取自校准"),
      ("whether idle and maximum power came from the profile", "")).bookkeeping(),
];

#[rustfmt::skip]
pub(super) const FAILURES: &[Entry] = &[
    e("failures.failures.<component>", Int, "1", Failures, WithFailures, ("Failures by component", "各部件故障次数"),
      ("failures drawn per component class, including those hitting down nodes or idle spares", "")),
    e("failures.interruptions.<cause>", Int, "1", Failures, WithFailures, ("Job interruptions by failures", "故障导致的作业中断"),
      ("running jobs stopped by a component failure (one per job and failure)", "因部件故障而中断的运行中作业")),
    e("failures.repairs", Int, "1", Failures, WithFailures, ("Repairs", "维修次数"), ("repairs completed", "")),
    e("failures.spare_swaps", Int, "1", Failures, WithFailures, ("Spare swaps", "热备替换次数"),
      ("failed nodes replaced at once by a hot spare", "")),
    e("failures.allocated_accelerator_hours", Num, "accelerator-hours", Failures, WithFailures, ("Allocated accelerator-hours", "已分配卡时"),
      ("allocated accelerators x wall time of every job attempt", "")),
    e("failures.useful_accelerator_hours", Num, "accelerator-hours", Failures, WithFailures, ("Useful accelerator-hours", "有效卡时"),
      ("work checkpointed or finished", "")),
    e("failures.lost_accelerator_hours", Num, "accelerator-hours", Failures, WithFailures, ("Lost to failures", "故障损失"),
      ("work redone since the last checkpoint plus restart time, accelerator-hours", "自上次检查点以来需重做的工作加重启时间(卡时)")),
    e("failures.restart_accelerator_hours", Num, "accelerator-hours", Failures, WithFailures, ("Restart time", "重启耗时"),
      ("of the lost accelerator-hours, reloading after interruptions", "")),
    e("failures.checkpoint_accelerator_hours", Num, "accelerator-hours", Failures, WithFailures, ("Checkpoint overhead", "检查点开销"),
      ("accelerator-hours spent writing checkpoints", "")),
    e("failures.goodput", Num, "fraction", Failures, WithFailures, ("Goodput", "有效产出率"),
      ("useful / allocated accelerator-hours", "有效卡时 / 已分配卡时")),
    e("failures.ettr", Num, "fraction", Failures, WithFailures, ("ETTR", "有效训练时间比"),
      ("useful / (allocated + accelerator-hours queued again after interruptions)", "有效卡时 / (已分配卡时 + 中断后重新排队的卡时)"))
      .note("effective training time ratio, as in Meta's Llama 3 report"),
    e("failures.availability", Num, "fraction", Failures, WithFailures, ("Availability", "可用率"),
      ("in-service / production accelerator-hours (hot spares excluded)", "在役卡时 / 生产卡时(不含热备)"))
      .note("production = (installed − spares) x horizon; in service = neither down nor held as an idle spare"),
    e("failures.max_lost_intervals", Num, "1", Failures, WithFailures, ("Largest loss", "单次最大损失"),
      ("largest work lost by one interruption, in checkpoint intervals (at most 1 by design)", "")),
];

#[rustfmt::skip]
pub(super) const STORAGE: &[Entry] = &[
    e("storage.checkpoints", Int, "1", Storage, WithStorage, ("Checkpoints written", "写入的检查点"),
      ("checkpoints whose last byte reached storage", "最后一个字节写入存储的检查点数")),
    e("storage.restarts", Int, "1", Storage, WithStorage, ("Restarts from storage", "从存储恢复次数"),
      ("restarts that read a checkpoint back", "读回检查点的重启次数")),
    e("storage.checkpoint_stall_hours", Num, "job-hours", Storage, WithStorage, ("Checkpoint stall", "检查点停顿"),
      ("wall time jobs waited for their checkpoints: the whole write when synchronous, the copy to host memory when asynchronous",
       "作业等待检查点的时间:同步为整个写入,异步为拷贝到主机内存"))
      .note("a checkpoint of S bytes by a job of n nodes alone takes S / min(n c, B) (c: a node's client bandwidth, B: the tier's \
             write bandwidth); concurrent transfers share B by processor sharing; asynchronous: S / (accelerators x host copy bandwidth)"),
    e("storage.restart_hours", Num, "job-hours", Storage, WithStorage, ("Restart reads", "恢复读取"),
      ("wall time jobs spent reading their last checkpoint back after an interruption", "作业中断后读回检查点的时间")),
    e("storage.mean_checkpoint_stall_s", Num, "s", Storage, WithStorage, ("Mean checkpoint stall", "平均检查点停顿"),
      ("checkpoint stall / checkpoints written", "检查点停顿 / 写入的检查点数")),
    e("storage.mean_checkpoint_write_s", Num, "s", Storage, WithStorage, ("Mean checkpoint write", "平均检查点写入"),
      ("mean time from a checkpoint's start to its last byte on storage", "检查点从开始到写完的平均时间")),
    e("storage.mean_restart_s", Num, "s", Storage, WithStorage, ("Mean restart read", "平均恢复读取"),
      ("mean time to read a checkpoint back", "读回检查点的平均时间")),
    e("storage.write_utilization", Num, "fraction", Storage, WithStorage, ("Storage write utilization", "存储写带宽利用率"),
      ("bytes written / (write bandwidth x horizon)", "写入字节 / (写带宽 x 时长)")),
    e("storage.read_utilization", Num, "fraction", Storage, WithStorage, ("Storage read utilization", "存储读带宽利用率"),
      ("bytes read / (read bandwidth x horizon)", "读取字节 / (读带宽 x 时长)")),
    e("storage.energy_kwh", Num, "kWh", Storage, WithStorage, ("Storage energy", "存储能耗"),
      ("energy of the storage tier, part of IT energy", "存储系统用电,计入 IT 能耗"))
      .note("P = P_idle + (P_active - P_idle) x min(1, write utilization + read utilization), at every transfer start and end"),
    e("storage.mean_power_kw", Num, "kW", Storage, WithStorage, ("Storage power", "存储功率"),
      ("mean power of the storage tier", "存储系统平均功率")),
];

#[rustfmt::skip]
pub(super) const NETWORK: &[Entry] = &[
    e("network.fabric", Str, "", Network, WithNetwork, ("Fabric", "网络架构"), ("rail-optimized or fat-tree", "")).bookkeeping(),
    e("network.tiers", Int, "1", Network, WithNetwork, ("Switch tiers", "交换层数"), ("switch tiers of the fabric", "")),
    e("network.pods", Int, "1", Network, WithNetwork, ("Pods", "网络单元数"), ("pods (scalable units)", "")),
    e("network.pod_nodes", Int, "1", Network, WithNetwork, ("Nodes per pod", "每单元节点数"), ("nodes per pod", "")),
    e("network.leaf_switches", Int, "1", Network, WithNetwork, ("Leaf switches", "叶交换机数"), ("leaf switches", "")),
    e("network.spine_switches", Int, "1", Network, WithNetwork, ("Spine switches", "脊交换机数"),
      ("spine (2 tiers) or aggregation (3 tiers) switches", "")),
    e("network.core_switches", Int, "1", Network, WithNetwork, ("Core switches", "核心交换机数"), ("core switches (3 tiers)", "")),
    e("network.switch_ports", Int, "1", Network, WithNetwork, ("Switch ports", "交换机端口数"), ("switch ports in use, each with an optic", "")),
    e("network.switch_power_kw", Num, "kW", Network, WithNetwork, ("Network switches and optics", "网络交换机与光模块"),
      ("power of the switches (leaf, spine, core) and their optics, constant, part of IT power", "交换机(叶、脊、核心)及光模块功率,计入 IT 功率")),
    e("network.energy_kwh", Num, "kWh", Network, WithNetwork, ("Switch and optics energy", "交换机与光模块能耗"),
      ("switch and optics energy over the horizon, part of IT energy", "")),
    e("network.jobs_placed", Int, "1", Network, WithNetwork, ("Job placements", "作业放置次数"),
      ("job starts, restarts after failures included", "")),
    e("network.jobs_crossing_spine", Int, "1", Network, WithNetwork, ("Jobs crossing the spine", "跨单元作业数"),
      ("placements spanning several pods (traffic across the spine)", "")),
    e("network.exposed_comm_fraction_mean", Num, "fraction", Network, WithNetwork, ("Exposed communication", "暴露通信占比"),
      ("share of a step spent in non-overlapped all-reduce, work-defined training jobs", "按工作量定义的训练作业:每步中未被重叠的 all-reduce 时间占比"))
      .note("x / (t_c + x), accelerator-time weighted; see [Networks and work-defined jobs](#networks-and-work-defined-jobs)"),
    e("network.slowdown_mean", Num, "1", Network, WithNetwork, ("Placement slowdown", "放置导致的减速"),
      ("step time over the ideal placement's, work-defined training jobs", "按工作量定义的训练作业:相对理想放置的步长倍数"))
      .note("(t_c + x) / (t_c + x_ideal), accelerator-time weighted, at least 1"),
    e("network.rate_changes", Int, "1", Network, WithNetwork, ("Bandwidth rate changes", "带宽变化次数"),
      ("times bandwidth sharing changed a job's speed", "")),
];
