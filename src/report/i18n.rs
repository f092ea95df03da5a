//! Report languages. English and Chinese texts live side by side in one struct per language, so
//! a missing translation is a compile error. The Chinese terms follow the seed reports (智算中心,
//! 算力, 利用率, 闲置算力, PUE). Plot text is translated by [`super::plot_text`] and drawn with the
//! bundled CJK font ([`super::font`]).

/// The language of a report's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// The HTML `lang` attribute.
    pub fn html(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// The texts of this language.
    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &EN,
            Lang::Zh => &ZH,
        }
    }

    /// "title: name" with the colon of the language.
    pub fn titled(self, title: &str, name: &str) -> String {
        match self {
            Lang::En => format!("{title}: {name}"),
            Lang::Zh => format!("{title}：{name}"),
        }
    }

    /// Picks the English or the Chinese of a pair.
    pub fn pick(self, pair: (&'static str, &'static str)) -> &'static str {
        match self {
            Lang::En => pair.0,
            Lang::Zh => pair.1,
        }
    }
}

/// Every fixed text of the report pages.
#[derive(Debug)]
pub struct Text {
    /// Title of a run report.
    pub run_title: &'static str,
    /// Title of a sweep report.
    pub sweep_title: &'static str,
    /// Title of a forecast report.
    pub forecast_title: &'static str,
    /// Title of a demo comparison.
    pub demo_title: &'static str,
    /// Section: key figures.
    pub key_figures: &'static str,
    /// Column: metric.
    pub metric: &'static str,
    /// Column: value.
    pub value: &'static str,
    /// Column: definition.
    pub definition: &'static str,
    /// Section: design.
    pub design: &'static str,
    /// Column: hall.
    pub hall: &'static str,
    /// Column: racks.
    pub racks: &'static str,
    /// Column: nodes per rack.
    pub nodes_per_rack: &'static str,
    /// Column: node type.
    pub node_type: &'static str,
    /// Column: accelerator model.
    pub accelerator: &'static str,
    /// Column: accelerators.
    pub accelerators: &'static str,
    /// Column: rack power limit.
    pub rack_limit: &'static str,
    /// Column: cooling of a node type.
    pub cooling: &'static str,
    /// Air-cooled servers (fans given).
    pub air: &'static str,
    /// Liquid-cooled servers (no fans).
    pub liquid: &'static str,
    /// Column: other settings of a hall.
    pub settings: &'static str,
    /// Total row.
    pub total: &'static str,
    /// Subsection: facility settings.
    pub facility: &'static str,
    /// Said when the run has no facility model.
    pub no_facility: &'static str,
    /// Section: plots.
    pub plots: &'static str,
    /// Note under the plots section.
    pub plots_note: &'static str,
    /// Section: jobs by class.
    pub jobs_by_class: &'static str,
    /// Column: class.
    pub class: &'static str,
    /// Column: submitted.
    pub submitted: &'static str,
    /// Column: completed.
    pub completed: &'static str,
    /// Column: rejected.
    pub rejected: &'static str,
    /// Column: accelerator-hours.
    pub accelerator_hours: &'static str,
    /// Column: median wait.
    pub wait_p50: &'static str,
    /// Column: 95th percentile wait.
    pub wait_p95: &'static str,
    /// Section: provenance.
    pub provenance: &'static str,
    /// Provenance: scenario.
    pub scenario: &'static str,
    /// Provenance: site.
    pub site: &'static str,
    /// Provenance: seed.
    pub seed: &'static str,
    /// Provenance: horizon and step.
    pub horizon: &'static str,
    /// Provenance: scheduler.
    pub scheduler: &'static str,
    /// Provenance: aidc version.
    pub version: &'static str,
    /// Provenance: calibration profile.
    pub calibration: &'static str,
    /// Provenance: none (no calibration profile).
    pub none: &'static str,
    /// Provenance: host and wall time of the run.
    pub host: &'static str,
    /// Provenance: the files read.
    pub files: &'static str,
    /// Provenance: how to reproduce.
    pub reproduce: &'static str,
    /// Said of a file that is absent.
    pub missing: &'static str,
    /// Footer; `{v}` stands for the version.
    pub written_by: &'static str,
    /// Section: the data table of a sweep or forecast.
    pub data: &'static str,
    /// Sweep: the parameters varied.
    pub parameters: &'static str,
    /// Sweep: a note on the confidence band.
    pub sweep_note: &'static str,
    /// Forecast: a note on the fan.
    pub forecast_note: &'static str,
    /// Demo: the question.
    pub question: &'static str,
    /// Demo: the runs compared, each with its report.
    pub runs: &'static str,
    /// Demo: link text to a run's report.
    pub open_report: &'static str,
}

/// English.
pub static EN: Text = Text {
    run_title: "AI data center run report",
    sweep_title: "Sweep report",
    forecast_title: "Idle capacity forecast",
    demo_title: "Classroom demo",
    key_figures: "Key figures",
    metric: "Metric",
    value: "Value",
    definition: "Definition",
    design: "Design",
    hall: "Hall",
    racks: "Racks",
    nodes_per_rack: "Nodes per rack",
    node_type: "Node type",
    accelerator: "Accelerator",
    accelerators: "Accelerators",
    rack_limit: "Rack power limit",
    cooling: "Server cooling",
    air: "air (fans)",
    liquid: "liquid (no fans)",
    settings: "Other settings",
    total: "Total",
    facility: "Facility",
    no_facility: "This run has no facility model: PUE, cooling, water and carbon figures appear when the scenario describes the facility.",
    plots: "Plots",
    plots_note: "Each plot is also saved as PNG and SVG in the plots/ folder beside this page.",
    jobs_by_class: "Jobs by class",
    class: "Class",
    submitted: "Submitted",
    completed: "Completed",
    rejected: "Rejected",
    accelerator_hours: "Accelerator-hours",
    wait_p50: "Median wait",
    wait_p95: "95th percentile wait",
    provenance: "Provenance",
    scenario: "Scenario",
    site: "Site",
    seed: "Seed",
    horizon: "Horizon / sampling step",
    scheduler: "Scheduler",
    version: "aidc version",
    calibration: "Calibration profile",
    none: "none",
    host: "Run on",
    files: "Files",
    reproduce: "Reproduce",
    missing: "absent",
    written_by: "Written by aidc {v}.",
    data: "Data",
    parameters: "Parameters",
    sweep_note: "Lines are means over replications; shaded bands are 95 % confidence intervals.",
    forecast_note: "The line is the median (p50); the shaded fan spans p10 to p90 of the simulated futures.",
    question: "Question",
    runs: "Runs",
    open_report: "full report",
};

/// Simplified Chinese.
pub static ZH: Text = Text {
    run_title: "智算中心运行报告",
    sweep_title: "参数扫描报告",
    forecast_title: "闲置算力预测",
    demo_title: "课堂演示",
    key_figures: "关键指标",
    metric: "指标",
    value: "数值",
    definition: "定义",
    design: "设计",
    hall: "机房",
    racks: "机柜数",
    nodes_per_rack: "每柜服务器数",
    node_type: "服务器型号",
    accelerator: "加速卡",
    accelerators: "加速卡数",
    rack_limit: "机柜功率上限",
    cooling: "服务器散热",
    air: "风冷(风扇)",
    liquid: "液冷(无风扇)",
    settings: "其他设置",
    total: "合计",
    facility: "基础设施",
    no_facility: "本次运行没有基础设施模型:场景描述了基础设施后,才会给出 PUE、制冷、用水和碳排放指标。",
    plots: "图表",
    plots_note: "每张图也以 PNG 和 SVG 格式保存在本页旁边的 plots/ 目录中(文件名以 .zh 结尾)。",
    jobs_by_class: "各类作业",
    class: "作业类别",
    submitted: "提交",
    completed: "完成",
    rejected: "拒绝",
    accelerator_hours: "卡时",
    wait_p50: "排队等待中位数",
    wait_p95: "排队等待 95 分位",
    provenance: "来源",
    scenario: "场景",
    site: "站点",
    seed: "随机种子",
    horizon: "模拟时长 / 采样步长",
    scheduler: "调度策略",
    version: "aidc 版本",
    calibration: "校准配置",
    none: "无",
    host: "运行环境",
    files: "文件",
    reproduce: "复现",
    missing: "缺失",
    written_by: "由 aidc {v} 生成。",
    data: "数据",
    parameters: "参数",
    sweep_note: "曲线为多次重复的均值;阴影为 95% 置信区间。",
    forecast_note: "曲线为中位数(p50);阴影扇区为模拟未来的 p10 至 p90。",
    question: "问题",
    runs: "运行",
    open_report: "完整报告",
};
