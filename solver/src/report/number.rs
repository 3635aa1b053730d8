//! How the text, Markdown and HTML reports print numbers.

/// Thousands-grouped number: integers above 100, up to 4 decimals below.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let x = if x == 0.0 { 0.0 } else { x }; // no "-0"
    if x.abs() >= 100.0 {
        let s = format!("{:.0}", x.abs());
        let mut out = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        if x < 0.0 {
            format!("-{out}")
        } else {
            out
        }
    } else {
        let s = format!("{x:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".into()
        } else {
            s.to_string()
        }
    }
}

pub fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_else(|| "-".into())
}

pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}
