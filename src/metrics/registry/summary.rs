//! The keys of summary.json, section by section in the order of the file. Definitions follow the
//! module docs of the subsystem that measures each key; sources are cited there and in `note`.

use super::Owner::*;
use super::Shape::*;
use super::When::*;
use super::{Entry, e};

#[rustfmt::skip]
const SCENARIO: &[Entry] = &[
    e("scenario.name", Str, "", Engine, Always, ("Scenario", "场景"), ("the scenario's `name`", "场景名称")).bookkeeping(),
    e("scenario.seed", Int, "1", Engine, Always, ("Seed", "随机种子"),
      ("the seed every random stream derives from", "所有随机数流的种子")).bookkeeping(),
    e("scenario.horizon_s", Num, "s", Engine, Always, ("Horizon", "模拟时长"), ("simulated time", "模拟的时间长度")).bookkeeping(),
    e("scenario.step_s", Num, "s", Engine, Always, ("Sampling step", "采样步长"), ("time between timeseries rows", "时间序列的采样间隔")).bookkeeping(),
    e("scenario.scheduler", Str, "", Engine, Always, ("Scheduling policy", "调度策略"),
      ("the policy that placed the jobs", "作业调度策略")).bookkeeping(),
    e("scenario.warmup_s", Num, "s", Engine, Always, ("Warm-up", "预热时长"),
      ("simulated before the measuring window; every other figure counts after it", "")).bookkeeping(),
];

#[rustfmt::skip]
const CAPACITY: &[Entry] = &[
    e("capacity.accelerators", Int, "1", Compute, Always, ("Accelerators installed", "加速卡数量"),
      ("accelerators in all halls", "所有机房中安装的加速卡总数")),
    e("capacity.nodes", Int, "1", Compute, Always, ("Nodes", "服务器节点数"), ("servers in all halls", "所有机房中的服务器数")),
    e("capacity.racks", Int, "1", Compute, Always, ("Racks", "机柜数"), ("racks in all halls", "所有机房中的机柜数")),
    e("capacity.halls", Int, "1", Compute, Always, ("Halls", "机房数"), ("halls (data halls or rooms)", "机房数量")),
    e("capacity.peak_pflops_fp16", Num, "PFLOPS", Compute, Always, ("Compute (FP16 dense peak)", "算力(FP16 稠密峰值)"),
      ("installed accelerators x catalog dense FP16 peak", "加速卡数量 × 目录中的 FP16 稠密峰值")),
    e("capacity.peak_pflops.<precision>", Num, "PFLOPS", Compute, Always, ("Dense peak by precision", "各精度稠密峰值算力"),
      ("installed accelerators x catalog dense peak at each precision the accelerators have (bf16, fp16, fp32, fp64, fp8, int8, tf32)", ""))
      .note("2:4 sparse figures are kept apart in the catalog and not counted"),
    e("capacity.accelerators_by_model.<model>", Int, "1", Compute, Always, ("Accelerators by model", "各型号加速卡数量"),
      ("installed accelerators of each catalog model", "各目录型号的加速卡数量")),
    e("capacity.it_design_kw", Num, "kW", Compute, Always, ("IT design power", "IT 设计功率"),
      ("every node with all accelerators at full utilization", "所有节点的全部加速卡满负荷时的 IT 功率")),
    e("capacity.it_idle_kw", Num, "kW", Compute, Always, ("IT idle power", "IT 空载功率"),
      ("every node with nothing allocated", "所有节点未分配作业时的 IT 功率")),
];

#[rustfmt::skip]
const JOBS: &[Entry] = &[
    e("jobs.submitted", Int, "1", Workload, Always, ("Jobs submitted", "提交作业数"), ("jobs submitted within the horizon", "模拟时长内提交的作业数")),
    e("jobs.completed", Int, "1", Workload, Always, ("Jobs completed", "完成作业数"), ("jobs that completed within the horizon (not failed or cancelled)", "模拟时长内完成的作业数")),
    e("jobs.rejected", Int, "1", Workload, Always, ("Jobs rejected", "拒绝作业数"),
      ("jobs rejected at submission: they can never fit or exceed a quota", "提交时被拒绝的作业:无法放置或超出配额")),
    e("jobs.running_at_end", Int, "1", Workload, Always, ("Jobs running at the horizon", "结束时运行中的作业数"),
      ("jobs still running at the horizon", "")),
    e("jobs.queued_at_end", Int, "1", Workload, Always, ("Jobs queued at the horizon", "结束时排队中的作业数"),
      ("jobs still queued at the horizon", "")),
    e("jobs.wait_s", Percentiles, "s", Workload, Always, ("Queue wait (started jobs)", "排队等待(已启动作业)"),
      ("start minus submit of every job that started; jobs still queued at the horizon are left out (see wait_km_s)",
       "所有已启动作业的 启动时间 − 提交时间;不含结束时仍在排队的作业(见 wait_km_s)")),
    e("jobs.wait_incl_queued_s", Percentiles, "s", Workload, Always, ("Queue wait incl. queued jobs as if started at the horizon", "排队等待(含仍排队作业,按结束时刻计)"),
      ("start minus submit of every job that started, and horizon minus submit of every job still queued at the horizon that never started: each percentile a lower bound of the true one",
       "已启动作业的 启动时间 − 提交时间,加上结束时仍排队且从未启动作业的 结束时刻 − 提交时间:各分位数为真实值的下界")),
    e("jobs.wait_km_s", KaplanMeier, "s", Workload, Always, ("Queue wait incl. queued jobs (Kaplan-Meier)", "排队等待(含仍排队作业,Kaplan-Meier 估计)"),
      ("Kaplan-Meier estimate of the wait of every job submitted, the jobs still queued at the horizon censored at horizon minus submit",
       "所有提交作业排队等待的 Kaplan-Meier 估计,结束时仍排队的作业在 结束时刻 − 提交时间 处删失")),
    e("jobs.completion_s", Percentiles, "s", Workload, Always, ("Job completion time", "作业完成时间"),
      ("end minus submit of every completed job (JCT)", "所有已完成作业的 结束时间 − 提交时间")).note("`completion_s.mean` is the mean JCT"),
    e("jobs.by_class.<class>.submitted", Int, "1", Workload, Always, ("Jobs submitted by class", "各类作业提交数"),
      ("jobs of the class submitted within the horizon", "")),
    e("jobs.by_class.<class>.completed", Int, "1", Workload, Always, ("Jobs completed by class", "各类作业完成数"),
      ("jobs of the class completed within the horizon", "")),
    e("jobs.by_class.<class>.rejected", Int, "1", Workload, Always, ("Jobs rejected by class", "各类作业拒绝数"),
      ("jobs of the class rejected at submission", "")),
    e("jobs.by_class.<class>.accelerator_hours", Num, "accelerator-hours", Workload, Always, ("Accelerator-hours by class", "各类作业卡时"),
      ("accelerator-hours allocated to the class within the horizon", "")).note("under GPU shares, GPUs x share"),
    e("jobs.by_class.<class>.wait_s", Percentiles, "s", Workload, Always, ("Queue wait by class (started jobs)", "各类作业排队等待(已启动作业)"),
      ("start minus submit of every job of the class that started", "")),
    e("jobs.by_class.<class>.wait_incl_queued_s", Percentiles, "s", Workload, Always,
      ("Queue wait by class incl. queued jobs as if started at the horizon", "各类作业排队等待(含仍排队作业,按结束时刻计)"),
      ("as jobs.wait_incl_queued_s, for the jobs of the class", "")),
    e("jobs.by_class.<class>.wait_km_s", KaplanMeier, "s", Workload, Always,
      ("Queue wait by class incl. queued jobs (Kaplan-Meier)", "各类作业排队等待(含仍排队作业,Kaplan-Meier 估计)"),
      ("as jobs.wait_km_s, for the jobs of the class", "")),
    e("jobs.by_class.<class>.completion_s", Percentiles, "s", Workload, Always, ("Job completion time by class", "各类作业完成时间"),
      ("end minus submit of every completed job of the class (JCT)", "")),
    e("jobs.by_class.<class>.slowdown", Percentiles, "1", Workload, Always, ("Slowdown by class", "各类作业减速比"),
      ("JCT / run of every completed job, run = the job's work at full speed", ""))
      .note("time lost to throttling, failures and preemption counts as delay"),
    e("jobs.by_class.<class>.bounded_slowdown", Percentiles, "1", Workload, Always, ("Bounded slowdown by class", "各类作业有界减速比"),
      ("max(1, JCT / max(run, 10 s)) of every completed job", ""))
      .note("Feitelson, Rudolph, Schwiegelshohn, Sevcik & Wong, JSSPP 1997: very short jobs do not dominate"),
    e("jobs.by_class.<class>.preemptions", Int, "1", Workload, Always, ("Preemptions by class", "各类作业被抢占次数"),
      ("times jobs of the class were preempted", "")),
    e("jobs.by_class.<class>.preempted_lost_accelerator_hours", Num, "accelerator-hours", Workload, Always,
      ("Work lost to preemption by class", "各类作业因抢占损失的卡时"), ("accelerator-hours of work the class's preempted jobs lost", ""))
      .note("since their last checkpoint with `[failures]`, else the whole attempt"),
    e("jobs.by_class.<class>.failed", Int, "1", Workload, Always, ("Jobs failed by class", "各类作业失败数"),
      ("jobs of the class that failed on their own (user error, out of memory, bad configuration)", "")),
    e("jobs.by_class.<class>.cancelled", Int, "1", Workload, Always, ("Jobs cancelled by class", "各类作业取消数"),
      ("jobs of the class their users cancelled while running", "")),
    e("jobs.by_class.<class>.lost_accelerator_hours", Num, "accelerator-hours", Workload, Always,
      ("Accelerator-hours lost to failed and cancelled jobs by class", "各类作业失败与取消损失的卡时"),
      ("accelerator-hours the class's failed and cancelled jobs held in their last attempt", "")),
    e("jobs.preemptions", Int, "1", Workload, Always, ("Preemptions", "抢占次数"), ("times running jobs were preempted, all classes", "")),
    e("jobs.stopped", Int, "1", Workload, Always, ("Service replicas stopped", "停止的服务副本数"),
      ("service replicas stopped or cancelled by their autoscaler", "")),
    e("jobs.failed", Int, "1", Workload, Always, ("Jobs failed", "失败作业数"),
      ("jobs that failed on their own within the horizon (user error, out of memory, bad configuration; not hardware)", ""))
      .note("per class `failed` share and time, or the trace's state (README \"Jobs that end on their own\")"),
    e("jobs.cancelled", Int, "1", Workload, Always, ("Jobs cancelled", "取消作业数"),
      ("jobs their users cancelled while running, within the horizon", "")),
    e("jobs.failed_accelerator_hours", Num, "accelerator-hours", Workload, Always, ("Accelerator-hours lost to failed jobs", "失败作业损失的卡时"),
      ("accelerator-hours failed jobs held in their last attempt, all lost", "")),
    e("jobs.cancelled_accelerator_hours", Num, "accelerator-hours", Workload, Always,
      ("Accelerator-hours of cancelled jobs", "取消作业占用的卡时"), ("accelerator-hours cancelled jobs held in their last attempt, counted as lost", "")),
];

#[rustfmt::skip]
const UTILIZATION: &[Entry] = &[
    e("utilization.allocated_mean", Num, "fraction", Compute, Always, ("Allocation utilization", "算力分配利用率"),
      ("time-weighted mean of allocated / installed accelerators", "已分配加速卡数 / 安装加速卡数 的时间加权平均"))
      .note("under GPU shares (`utilization.allocation_basis = \"gpu-share\"`) each pod counts its GPUs x `gpu_milli` / 1000 \
             (fractional allocation utilization), and the timeseries `utilization_allocated` too"),
    e("utilization.effective_mean", Num, "fraction", Compute, Always, ("Effective utilization", "算力有效利用率"),
      ("time-weighted mean of allocated accelerators, each weighted by its job's utilization, / installed accelerators",
       "已分配加速卡按其作业的实际利用率加权后 / 安装加速卡数 的时间加权平均"))
      .note("accelerators a whole-node job holds beyond its request count as idle"),
    e("utilization.mfu_mean", Num, "fraction", Network, WorkDefined, ("Model FLOPs utilization", "模型算力利用率(MFU)"),
      ("work-defined jobs: delivered model FLOPs / (accelerators x dense peak x time held)",
       "按工作量定义的作业:交付的模型浮点运算量 / (加速卡数 × 稠密峰值 × 占用时间)"))
      .note("delivered = 6 N D of completed jobs, plus the done share of jobs running at the horizon never interrupted; \
             peak at the class precision; time held over all attempts, so failures and a bad placement lower it; \
             duration-defined jobs carry no FLOP count and are left out"),
    e("utilization.effective_pflops", Num, "PFLOPS", Network, WorkDefined, ("Delivered PFLOPS", "交付算力"),
      ("work-defined jobs: delivered model FLOPs / horizon", "按工作量定义的作业:每秒交付的模型浮点运算量")),
    e("utilization.allocation_basis", Str, "", Compute, GpuShares, ("Allocation basis", "分配口径"),
      ("what `allocated_mean` counts: \"gpu-share\", each pod's GPUs x `gpu_milli` / 1000", "")).bookkeeping(),
    e("utilization.occupied_mean", Num, "fraction", Compute, GpuShares, ("Occupied GPUs", "占用 GPU 比例"),
      ("time-weighted fraction of GPUs holding at least one pod's share", ""))
      .note("`accelerators_allocated` in timeseries.csv counts these GPUs; occupied minus allocated is the share left free on \
             partly used GPUs"),
];

#[rustfmt::skip]
const IDLE_CAPACITY: &[Entry] = &[
    e("idle_capacity.accelerator_hours_installed", Num, "accelerator-hours", Compute, Always, ("Installed accelerator-hours", "安装卡时"),
      ("installed accelerators x horizon (racks entering service later count from then)", "安装加速卡数 × 模拟时长")),
    e("idle_capacity.accelerator_hours_unallocated", Num, "accelerator-hours", Compute, Always, ("Idle capacity, unallocated", "闲置算力(未分配)"),
      ("installed minus allocated accelerator-hours", "安装卡时减去已分配卡时")),
    e("idle_capacity.fraction_unallocated", Num, "fraction", Compute, Always, ("Idle share, unallocated", "闲置比例(未分配)"),
      ("unallocated / installed accelerator-hours", "未分配卡时 / 安装卡时")),
    e("idle_capacity.accelerator_hours_allocated_idle", Num, "accelerator-hours", Compute, Always,
      ("Idle capacity, allocated but idle", "闲置算力(已分配未使用)"), ("allocated minus effective accelerator-hours", "已分配卡时减去有效卡时")),
    e("idle_capacity.fraction_allocated_idle", Num, "fraction", Compute, Always, ("Idle share, allocated but idle", "闲置比例(已分配未使用)"),
      ("allocated-but-idle / installed accelerator-hours", "已分配未使用卡时 / 安装卡时")),
];

#[rustfmt::skip]
const ENERGY: &[Entry] = &[
    e("energy.it_kwh", Num, "kWh", Compute, Always, ("IT energy", "IT 能耗"),
      ("wall energy of all servers, integrated exactly at every load change", "所有服务器的用电量,在每次负载变化时精确积分"))
      .note("accelerators, CPUs, memory, NICs, storage, fans and PSU losses (and switches with `[network]`); exact, so it does not \
             depend on the sampling step"),
    e("energy.server_fans_kwh", Num, "kWh", Compute, Always, ("Server fan energy", "服务器风扇能耗"),
      ("the server fans' share of IT energy at the wall, integrated exactly", "服务器风扇在 IT 能耗中的份额(含电源损耗),精确积分"))
      .note("fans follow the heat the server's air must remove: all of it in an air hall, the residual the cold plates leave, \
             none under immersion (fan affinity law, README \"Server fans\")"),
    e("energy.facility_kwh", Num, "kWh", Facility, WithFacility, ("Facility energy", "设施总能耗"),
      ("IT plus cooling plus power-chain losses and other loads", "IT、制冷、配电损耗及其他负荷之和"))
      .note("evaluated at every sampling step from the interval's mean IT power per hall"),
    e("energy.cooling_kwh", Num, "kWh", Facility, WithFacility, ("Cooling energy", "制冷能耗"),
      ("chillers, towers, dry coolers, pumps and fans of the plant", "冷机、冷却塔、干冷器、水泵和风机的用电"))
      .note("chillers, tower or dry-cooler fans, loop pumps, CRAH fans, CDU pumps, air-side economizer fans, humidifiers, reheat, DX CRAC compressors, tower basin heaters"),
    e("energy.loss_kwh", Num, "kWh", Facility, WithFacility, ("Power distribution losses", "配电损耗"),
      ("transformers, UPS (or HVDC rectifiers), battery float and distribution between the grid and the servers", "电网到服务器之间的变压器、UPS 和配电损耗")),
    e("energy.other_kwh", Num, "kWh", Facility, WithFacility, ("Other facility energy", "其他能耗"), ("lighting and auxiliaries", "照明及辅助设备用电")),
    e("energy.by_component_kwh.<component>", Num, "kWh", Facility, WithFacility, ("Energy by component", "各部件能耗"),
      ("energy of it, chillers, heat_rejection_fans, pumps, crah_fans, cdu_pumps, ups_loss, pdu_loss, transformer_loss, auxiliary, \
        lighting, battery_float, office, air_economizer_fans, humidifiers, reheat, crac_compressors, basin_heaters", "")),
    e("energy.office_kwh", Num, "kWh", Facility, WithFacility, ("Office energy", "办公能耗"),
      ("offices and other non-data-center loads of the site: counted in site energy, not in PUE", "")),
    e("energy.site_kwh", Num, "kWh", Facility, WithFacility, ("Site energy", "园区总能耗"),
      ("facility energy plus offices", "")),
    e("energy.network_kwh", Num, "kWh", Network, WithNetwork, ("Network energy", "网络能耗"),
      ("switches and optics, part of IT energy", "交换机与光模块用电,计入 IT 能耗")),
    e("energy.storage_kwh", Num, "kWh", Storage, WithStorage, ("Storage energy", "存储能耗"),
      ("the storage tier, part of IT energy", "存储系统用电,计入 IT 能耗")),
];

#[rustfmt::skip]
const POWER: &[Entry] = &[
    e("power.it_kw", Range, "kW", Compute, Always, ("IT power", "IT 功率"),
      ("wall power of all servers: the mean over the horizon; the maximum and minimum are the levels held for a positive time",
       "所有服务器的功率:平均值;最大值和最小值为持续了一段时间的功率")),
];

/// Every section, in the order of summary.json.
pub(super) const SECTIONS: &[&[Entry]] = &[
    SCENARIO,
    CAPACITY,
    JOBS,
    UTILIZATION,
    IDLE_CAPACITY,
    ENERGY,
    POWER,
    super::site::FACILITY,
    super::site::GRID,
    super::site::CALIBRATION,
    super::site::FAILURES,
    super::site::STORAGE,
    super::site::NETWORK,
    FRAGMENTATION,
    SERVICES,
    TRACE,
    super::site::FINANCE,
];

#[rustfmt::skip]
const FRAGMENTATION: &[Entry] = &[
    e("fragmentation.stranded_fraction_mean", Num, "fraction", Scheduler, Always, ("Stranded free accelerators", "碎片化空闲加速卡比例"),
      ("time mean of stranded / free accelerators over the ticks with jobs queued and accelerators free", ""))
      .note("stranded = free accelerators on nodes with fewer free slots than min(smallest queued request, accelerators per node), \
             i.e. free capacity no queued job can use as it is; counted from the per-free-count node buckets of the placement core \
             (no scan of nodes); device constraints of queued jobs are ignored"),
    e("fragmentation.stranded_accelerator_hours", Num, "accelerator-hours", Scheduler, Always, ("Stranded accelerator-hours", "碎片化卡时"),
      ("integral of stranded accelerators over the horizon", "")),
    e("fragmentation.blocked_time_fraction", Num, "fraction", Scheduler, Always, ("Blocked time", "阻塞时间占比"),
      ("share of the horizon with jobs queued while accelerators were free", "")),
];

#[rustfmt::skip]
const SERVICES: &[Entry] = &[
    e("services.<name>.slo_attainment", Num, "fraction", Services, WithServices, ("SLO attainment", "SLO 达成率"),
      ("fraction of the horizon with the M/M/c p95 latency of the running replicas at or below `latency_target`", ""))
      .note("per autoscaler interval, load at its midpoint"),
    e("services.<name>.replicas_mean", Num, "1", Services, WithServices, ("Mean replicas", "平均副本数"),
      ("integral of running replicas over time / horizon", "")),
    e("services.<name>.replicas_peak", Int, "1", Services, WithServices, ("Peak replicas", "峰值副本数"), ("most replicas running at once", "")),
    e("services.<name>.accelerator_hours", Num, "accelerator-hours", Services, WithServices, ("Service accelerator-hours", "服务卡时"),
      ("integral of running replicas x accelerators per replica over time", "")),
    e("services.<name>.requests", Num, "1", Services, WithServices, ("Requests offered", "请求数"), ("requests offered over the horizon", "")),
    e("services.<name>.unmet_load_fraction", Num, "fraction", Services, WithServices, ("Unmet load", "未满足负载占比"),
      ("integral of max(0, λ − capacity) / integral of λ, capacity = servers / service_time", "")),
    e("services.<name>.p95_latency_s_mean", Num, "s", Services, WithServices, ("Mean p95 latency", "平均 p95 延迟"),
      ("time mean of the M/M/c p95 latency over the time it was finite", "")),
];

#[rustfmt::skip]
const TRACE: &[Entry] = &[
    e("trace.file", Str, "", Workload, WithTrace, ("Trace file", "轨迹文件"), ("the trace file's name, without its folder", "")).bookkeeping(),
    e("trace.format", Str, "", Workload, WithTrace, ("Trace format", "轨迹格式"), ("generic, alibaba-v2023, acme or helios", "")).bookkeeping(),
    e("trace.jobs", Int, "1", Workload, WithTrace, ("Trace jobs replayed", "回放作业数"),
      ("rows read less rows skipped (jobs submitted after the horizon included)", "")),
    e("trace.skipped.<reason>", Int, "1", Workload, WithTrace, ("Trace rows skipped", "跳过的轨迹行"), ("rows not replayed, by reason", "")),
];
