//! Writers of the exact LP `solve` solves, for other solvers to read.
//!
//! * Free MPS keeps the contract names verbatim (ids never contain spaces).
//! * CPLEX LP format forbids `[`, `]`, `-`, `>`, `:` and others in names, so names are
//!   escaped reversibly: `[`->`(`, `]`->`)`, and any other character outside the LP name set
//!   as `#XX` (its hex code). Each row is preceded by a comment with its contract name.
//!
//! Both writers stream to any `io::Write`.

use crate::lp::{Lp, Sense};
use sourcing_models::Instance;
use std::io::{self, Write};

/// Escape a contract name into a valid CPLEX LP name.
pub fn lp_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    for (i, ch) in name.chars().enumerate() {
        match ch {
            '[' => out.push('('),
            ']' => out.push(')'),
            c if c.is_ascii_alphanumeric() => out.push(c),
            '_' | '/' => out.push(ch),
            '.' if i > 0 => out.push('.'),
            c => out.push_str(&format!("#{:02X}", c as u32)),
        }
    }
    out
}

fn coef(v: f64) -> String {
    // Shortest representation that round-trips exactly.
    format!("{v:?}")
}

pub fn write_lp(lp: &Lp, inst: &Instance, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "\\ sourcing-opt model of `{}`", inst.meta.name)?;
    writeln!(
        w,
        "\\ names are contract names with [ ] as ( ) and other characters as #XX"
    )?;
    writeln!(w, "Minimize")?;
    write!(w, " obj:")?;
    let mut any = 0usize;
    for (j, &c) in lp.obj().iter().enumerate() {
        if c != 0.0 {
            // Keep lines short: some LP readers limit line length.
            if any > 0 && any.is_multiple_of(4) {
                write!(w, "\n   ")?;
            }
            let sign = if c < 0.0 { "-" } else { "+" };
            write!(w, " {sign} {} {}", coef(c.abs()), lp_name(&lp.var_name(j, inst)))?;
            any += 1;
        }
    }
    // An empty expression is not LP format: write a zero term, on a placeholder column when
    // the model has none (nothing can supply anything; the rows still say what is asked).
    let zero_term = match lp.n_vars() {
        0 => "no_column".to_string(),
        _ => lp_name(&lp.var_name(0, inst)),
    };
    if any == 0 {
        write!(w, " 0 {zero_term}")?;
    }
    writeln!(w)?;
    writeln!(w, "Subject To")?;
    for i in 0..lp.n_rows() {
        let name = lp.row_name(i, inst);
        write!(w, " {}:", lp_name(&name))?;
        let mut terms = 0usize;
        for (c, v) in lp.row(i) {
            if terms > 0 && terms.is_multiple_of(4) {
                write!(w, "\n   ")?;
            }
            let sign = if v < 0.0 { "-" } else { "+" };
            write!(w, " {sign} {} {}", coef(v.abs()), lp_name(&lp.var_name(c, inst)))?;
            terms += 1;
        }
        if terms == 0 {
            write!(w, " 0 {zero_term}")?;
        }
        writeln!(w, " {} {}", lp.senses()[i].symbol(), coef(lp.rhs()[i]))?;
    }
    // All variables are >= 0, the LP-format default: no Bounds section needed.
    writeln!(w, "End")
}

pub fn write_mps(lp: &Lp, inst: &Instance, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "* sourcing-opt model of `{}` (free MPS, contract names)",
        inst.meta.name
    )?;
    writeln!(w, "NAME sourcing-opt")?;
    writeln!(w, "OBJSENSE")?;
    writeln!(w, "    MIN")?;
    writeln!(w, "ROWS")?;
    writeln!(w, " N obj")?;
    let names: Vec<String> = (0..lp.n_rows()).map(|i| lp.row_name(i, inst)).collect();
    for (i, name) in names.iter().enumerate() {
        let t = match lp.senses()[i] {
            Sense::Le => 'L',
            Sense::Ge => 'G',
            Sense::Eq => 'E',
        };
        writeln!(w, " {t} {name}")?;
    }
    writeln!(w, "COLUMNS")?;
    let columns = lp.columns();
    for (j, col) in columns.iter().enumerate() {
        let vname = lp.var_name(j, inst);
        if lp.obj()[j] != 0.0 || col.is_empty() {
            writeln!(w, " {vname} obj {}", coef(lp.obj()[j]))?;
        }
        for &(i, v) in col {
            writeln!(w, " {vname} {} {}", names[i as usize], coef(v))?;
        }
    }
    writeln!(w, "RHS")?;
    for (i, name) in names.iter().enumerate() {
        if lp.rhs()[i] != 0.0 {
            writeln!(w, " rhs {name} {}", coef(lp.rhs()[i]))?;
        }
    }
    writeln!(w, "ENDATA")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Undo [`lp_name`] (for the round trip below; nothing else reads LP names back).
    fn lp_name_decode(name: &str) -> String {
        let mut out = String::with_capacity(name.len());
        let mut chars = name.chars();
        while let Some(ch) = chars.next() {
            match ch {
                '(' => out.push('['),
                ')' => out.push(']'),
                '#' => {
                    let hex: String = chars.by_ref().take(2).collect();
                    out.push(u8::from_str_radix(&hex, 16).map(|b| b as char).unwrap_or('?'));
                }
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn lp_names_round_trip_and_use_only_legal_characters() {
        for name in [
            "balance[US-TX/silver]",
            "ship[MX-ZAC->US-TX/rail:MX-ZAC->US-TX,silver]",
            "target[ree.cap]",
        ] {
            let e = lp_name(name);
            assert!(
                e.chars().all(|c| c.is_ascii_alphanumeric() || "#()/._".contains(c)),
                "{e}"
            );
            assert_eq!(lp_name_decode(&e), name);
        }
    }
}
