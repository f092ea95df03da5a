//! Building blocks of the self-contained HTML pages: escaping, tables, figures with inline SVG,
//! one stylesheet, and writing a page atomically. No script, no external resource: a page opens
//! from a USB stick, is mailed as one file, and prints.

use std::fmt::Write as _;
use std::path::Path;

use super::ReportError;
use super::i18n::Lang;

/// Escapes text for HTML content and attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans','PingFang SC','Microsoft YaHei',sans-serif;\
max-width:1000px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #1f77b4;padding-bottom:.2em;margin-top:1.8em}\
.sub{color:#555;margin-top:0}table{border-collapse:collapse;margin:.6em 0;width:100%}\
th,td{border-bottom:1px solid #ddd;padding:.35em .6em;text-align:left;vertical-align:top}\
th{background:#f3f6fa;white-space:nowrap;word-break:keep-all}.tw{overflow-x:auto;max-width:100%}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
tr.total td{font-weight:600;border-top:2px solid #999}figure{margin:1.2em 0}\
figure svg{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#444;font-size:.92em}\
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5em .8em}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1.2em}dt{font-weight:600}dd{margin:0}\
code{background:#f4f4f4;padding:0 .25em}footer{margin-top:3em;color:#777;font-size:.85em}\
@media print{figure{break-inside:avoid}}";

/// A whole page: `title` in the head and as the heading, `subtitle` (HTML) under it, `body` (HTML).
pub fn page(lang: Lang, title: &str, subtitle: &str, body: &str) -> String {
    let mut o = String::with_capacity(body.len() + 4096);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"aidc {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>{}</h1>\n<p class=\"sub\">{subtitle}</p>\n{body}\n<footer>{}</footer>\n</body>\n</html>\n",
        lang.html(),
        crate::VERSION,
        esc(title),
        esc(title),
        esc(&lang.text().written_by.replace("{v}", crate::VERSION)),
    );
    o
}

/// A section with a heading and an id.
pub fn section(id: &str, title: &str, inner: &str) -> String {
    format!("<section id=\"{}\">\n<h2>{}</h2>\n{inner}</section>\n", esc(id), esc(title))
}

/// A table of text cells (escaped here); the columns listed in `numeric` are right-aligned.
/// A row whose first cell starts with "\u{1}" is drawn as a total row (the marker is removed).
/// The table scrolls sideways inside its container where it is wider than the page, and header
/// cells never break inside a word (nor between the characters of a Chinese one).
pub fn table(headers: &[&str], rows: &[Vec<String>], numeric: &[usize]) -> String {
    let mut o = String::from("<div class=\"tw\"><table>\n<tr>");
    for h in headers {
        let _ = write!(o, "<th>{}</th>", esc(h));
    }
    o.push_str("</tr>\n");
    for r in rows {
        let total = r.first().is_some_and(|c| c.starts_with('\u{1}'));
        o.push_str(if total { "<tr class=\"total\">" } else { "<tr>" });
        for (i, c) in r.iter().enumerate() {
            let c = c.trim_start_matches('\u{1}');
            let cls = if numeric.contains(&i) { " class=\"n\"" } else { "" };
            let _ = write!(o, "<td{cls}>{}</td>", esc(c));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</table></div>\n");
    o
}

/// A definition list of (term, HTML description).
pub fn dl(items: &[(&str, String)]) -> String {
    let mut o = String::from("<dl>\n");
    for (k, v) in items {
        let _ = writeln!(o, "<dt>{}</dt><dd>{v}</dd>", esc(k));
    }
    o.push_str("</dl>\n");
    o
}

/// A figure: an SVG document inlined, with a caption (text, escaped here).
pub fn figure(id: &str, svg: &str, caption: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    format!("<figure id=\"fig-{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>\n", esc(id), &svg[start..], esc(caption))
}

/// Writes a file through a temporary sibling and a rename ([`crate::output::write_atomic`]), so
/// a reader never sees half a page and a failure leaves no temporary file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    crate::output::write_atomic(path, bytes).map_err(|e| match e {
        crate::output::OutputError::Io { path, source } => ReportError::Io { action: "write", path, source },
        refused => ReportError::Io { action: "write", path: path.to_path_buf(), source: std::io::Error::other(refused.to_string()) },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        let t = table(&["a", "b"], &[vec!["\u{1}sum".into(), "1<2".into()]], &[1]);
        assert!(t.contains("<tr class=\"total\"><td>sum</td><td class=\"n\">1&lt;2</td></tr>"));
    }
}
