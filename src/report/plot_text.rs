//! Plot text in Chinese: the fixed English texts of the run, demo and federation plots (titles,
//! axis descriptions, legend entries, categories) with their Chinese, applied to a finished
//! [`Figure`] before it is drawn for a Chinese page. Texts built from data (a job class, a run's
//! label) and texts the sweep and forecast pages already build in the page's language pass
//! unchanged. The Chinese is drawn with the bundled CJK font ([`super::font`]).

use super::i18n::Lang;
use super::plot::Figure;

/// (English, Chinese) of every fixed plot text.
pub const PLOT_TEXT: &[(&str, &str)] = &[
    ("Accelerator utilization", "加速卡利用率"),
    ("IT and facility power", "IT 与设施功率"),
    ("IT power", "IT 功率"),
    ("PUE and outdoor temperature", "PUE 与室外温度"),
    ("Queue length and running jobs", "排队与运行中的作业"),
    ("Grid power, battery and price", "电网功率、储能与电价"),
    ("Job interruptions by failing component", "按故障部件统计的作业中断"),
    ("PUE by month", "各月 PUE"),
    ("Energy by component", "各部分能耗"),
    ("Queue wait by job class (jobs still queued counted, Kaplan-Meier)", "各类作业的排队等待(计入仍排队作业,Kaplan-Meier 估计)"),
    ("Allocation utilization", "分配利用率"),
    ("Queue length", "排队长度"),
    (
        "Queue wait of all jobs by run (jobs still queued counted, Kaplan-Meier)",
        "各次运行全部作业的排队等待(计入仍排队作业,Kaplan-Meier 估计)",
    ),
    ("Facility power", "设施功率"),
    ("Cumulative cash flow", "累计现金流"),
    ("time (days)", "时间(天)"),
    ("time (hours)", "时间(小时)"),
    ("utilization (%)", "利用率(%)"),
    ("power (kW)", "功率(kW)"),
    ("outdoor temperature (°C)", "室外温度(°C)"),
    ("jobs", "作业数"),
    ("price (CNY/kWh)", "电价(元/kWh)"),
    ("component", "部件"),
    ("interruptions", "中断次数"),
    ("month", "月份"),
    ("energy (MWh)", "能耗(MWh)"),
    ("energy (kWh)", "能耗(kWh)"),
    ("wait (log scale; waits under 1 s at 1 s)", "排队等待(对数刻度;不足 1 秒记为 1 秒)"),
    ("share of jobs (%)", "作业占比(%)"),
    ("allocated accelerators (%)", "已分配加速卡(%)"),
    ("queued jobs", "排队作业"),
    ("running jobs", "运行中作业"),
    ("years from the start", "自开始起的年数"),
    ("M CNY", "百万元"),
    ("cumulative cash flow", "累计现金流"),
    ("discounted (NPV so far)", "折现累计(至今净现值)"),
    ("allocated", "分配"),
    ("effective", "有效"),
    ("facility", "设施"),
    ("cooling", "制冷"),
    ("outdoor dry-bulb (right)", "室外干球温度(右轴)"),
    ("outdoor wet-bulb (right)", "室外湿球温度(右轴)"),
    ("from the grid", "电网取电"),
    ("battery (discharge +)", "储能(放电为正)"),
    ("price (right)", "电价(右轴)"),
    ("power losses", "配电损耗"),
    ("other", "其他"),
    ("it", "IT"),
    ("chillers", "冷水机组"),
    ("heat rejection fans", "散热风机"),
    ("pumps", "水泵"),
    ("crah fans", "精密空调风机"),
    ("cdu pumps", "CDU 水泵"),
    ("ups loss", "UPS 损耗"),
    ("pdu loss", "PDU 损耗"),
    ("transformer loss", "变压器损耗"),
    ("auxiliary", "辅助设备"),
    ("lighting", "照明"),
    ("battery float", "电池浮充"),
    ("office", "办公"),
    ("air economizer fans", "新风风机"),
    ("humidifiers", "加湿器"),
    ("reheat", "再热"),
    ("crac compressors", "机房空调压缩机"),
    ("basin heaters", "集水盘加热器"),
    ("Jan", "1月"),
    ("Feb", "2月"),
    ("Mar", "3月"),
    ("Apr", "4月"),
    ("May", "5月"),
    ("Jun", "6月"),
    ("Jul", "7月"),
    ("Aug", "8月"),
    ("Sep", "9月"),
    ("Oct", "10月"),
    ("Nov", "11月"),
    ("Dec", "12月"),
];

/// The Chinese of a fixed plot text; any other text as it is.
pub fn zh(text: &str) -> String {
    if let Some(t) = PLOT_TEXT.iter().find(|(en, _)| *en == text) {
        return t.1.to_string();
    }
    // A wait line's counts, "debug (12 started, 3 queued)".
    if let Some((group, counts)) = text.rsplit_once(" (")
        && let Some((started, queued)) = counts.strip_suffix(" queued)").and_then(|c| c.split_once(" started, "))
    {
        return format!("{group}(已启动 {started},仍排队 {queued})");
    }
    text.to_string()
}

/// The figure with its fixed texts in `lang`.
pub fn translate(fig: &Figure, lang: Lang) -> Figure {
    let mut f = fig.clone();
    if lang == Lang::En {
        return f;
    }
    let tr = |s: &mut String| *s = zh(s);
    match &mut f {
        Figure::Line(c) => {
            tr(&mut c.title);
            tr(&mut c.x.label);
            tr(&mut c.y.label);
            if let Some(a) = &mut c.y2 {
                tr(&mut a.label);
            }
            c.series.iter_mut().chain(c.series2.iter_mut()).for_each(|s| tr(&mut s.name));
        }
        Figure::Bar(c) => {
            tr(&mut c.title);
            tr(&mut c.x_label);
            tr(&mut c.y.label);
            c.categories.iter_mut().for_each(tr);
        }
        Figure::Heat(c) => {
            tr(&mut c.title);
            tr(&mut c.x_label);
            tr(&mut c.y_label);
            tr(&mut c.value_label);
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::figures::{pue_by_month, run_figures};

    #[test]
    fn run_plots_have_no_english_left_but_data_names() {
        let s = serde_json::json!({"pue": {"by_month": [1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2]},
            "energy": {"by_component_kwh": {"it": 10.0, "crah fans": 2.0}}});
        let fig = translate(&pue_by_month(&s).expect("a bar chart"), Lang::Zh);
        let Figure::Bar(b) = fig else { panic!("a bar chart") };
        assert_eq!((b.title.as_str(), b.categories[0].as_str(), b.y.label.as_str()), ("各月 PUE", "1月", "PUE"));
        for n in run_figures(&s, None, None) {
            assert!(!translate(&n.fig, Lang::Zh).title().is_ascii(), "{}", n.fig.title());
        }
    }
}
