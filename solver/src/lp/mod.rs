//! Our own linear program: `min c'x` subject to named rows `a_i'x (<=|=|>=) b_i`, `x >= 0`.
//!
//! Rows and columns carry typed keys (never labels parsed back); the contract names are
//! rendered from the keys on demand, so a million-variable model holds no strings.

pub mod certify;
pub mod check;
mod compact;
pub(crate) mod lu;
pub mod ranges;

use sourcing_models::{Instance, Lane};

/// Direction of travel on a lane: as written (`from -> to`) or the reverse of a bidirectional lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dir {
    Forward,
    Backward,
}

impl Dir {
    /// The (origin, destination) regions of `lane` travelled in this direction.
    pub fn endpoints(self, lane: &Lane) -> (usize, usize) {
        match self {
            Dir::Forward => (lane.from, lane.to),
            Dir::Backward => (lane.to, lane.from),
        }
    }
}

/// What a column of the LP stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VarKey {
    Prod(u32),
    MineExp(u32),
    Proc(u32),
    PlantExp(u32),
    Buy(u32),
    Ship {
        lane: u32,
        dir: Dir,
        material: u32,
    },
    Unmet(u32),
    /// `inject[s]`: t/yr put into stockpile `s` (model contract section 6).
    Inject(u32),
    /// `release[s]`: t/yr taken out of stockpile `s`.
    Release(u32),
    /// `level[s]`: t held in stockpile `s` at the end of the period.
    Level(u32),
    /// `serve[d]`: t/yr of demand `d` served (one per origin class, only with tracking:
    /// model contract section 7).
    Serve(u32),
    /// A column of an auxiliary LP (dual, ranging, diagnosis), not of the contract model.
    Aux(u32),
}

/// What a row of the LP stands for; one variant per constraint family of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowKey {
    MineCapacity(u32),
    MineExpansion(u32),
    PlantCapacity(u32),
    PlantExpansion(u32),
    ImportCapacity(u32),
    LaneCapacity {
        lane: u32,
        dir: Dir,
    },
    /// `unmet[d] <= quantity[d]`: the variable bound of the contract, kept as a row so it has a dual.
    UnmetLimit(u32),
    Balance {
        region: u32,
        material: u32,
    },
    Target(u32),
    /// `level[s@p] - level[s@(p-1)] - L_p inject[s@p] + L_p release[s@p] = 0` (`= initial`
    /// in the first period).
    StockLevel(u32),
    /// `level[s@p] <= capacity[s]`.
    StockCapacity(u32),
    /// `level[s@p] >= min_level[s@p]`: the strategic floor.
    StockMin(u32),
    /// `level[s@last] >= min_final[s]` (one row, no year).
    StockFinal(u32),
    /// `sum_k serve[d~k] + unmet[d] = quantity[d]` (only with origin tracking).
    Demand(u32),
    /// A row of an auxiliary LP.
    Aux(u32),
}

impl RowKey {
    /// The family name used in reports (`kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            RowKey::MineCapacity(_) => "mine_capacity",
            RowKey::MineExpansion(_) => "mine_expansion",
            RowKey::PlantCapacity(_) => "plant_capacity",
            RowKey::PlantExpansion(_) => "plant_expansion",
            RowKey::ImportCapacity(_) => "import_capacity",
            RowKey::LaneCapacity { .. } => "lane_capacity",
            RowKey::UnmetLimit(_) => "unmet_limit",
            RowKey::Balance { .. } => "balance",
            RowKey::Target(_) => "target",
            RowKey::StockLevel(_) => "stock_level",
            RowKey::StockCapacity(_) => "stock_capacity",
            RowKey::StockMin(_) => "stock_min",
            RowKey::StockFinal(_) => "stock_final",
            RowKey::Demand(_) => "demand",
            RowKey::Aux(_) => "aux",
        }
    }

    /// Whether the family has one row per period (its name then carries `@YEAR`): all but
    /// the expansion limits and the final stock level, which span the horizon.
    pub fn is_per_period(&self) -> bool {
        !matches!(
            self,
            RowKey::MineExpansion(_) | RowKey::PlantExpansion(_) | RowKey::StockFinal(_) | RowKey::Aux(_)
        )
    }

    /// Whether the family has one row per origin class (its name then carries `~CLASS` in
    /// an instance with origin tracking): the balances and the stock levels.
    pub fn is_per_class(&self) -> bool {
        matches!(self, RowKey::Balance { .. } | RowKey::StockLevel(_))
    }

    /// Unit of the right-hand side, for report headers.
    pub fn unit(&self, inst: &Instance) -> String {
        match self {
            RowKey::Target(_) => "t/yr (share-weighted)".into(),
            RowKey::Balance { material, .. } => format!("t/yr of {}", inst.materials[*material as usize].id),
            RowKey::StockCapacity(_) | RowKey::StockMin(_) | RowKey::StockFinal(_) => "t".into(),
            RowKey::StockLevel(_) => "t (stock change)".into(),
            _ => "t/yr".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    Le,
    Eq,
    Ge,
}

impl Sense {
    pub fn symbol(&self) -> &'static str {
        match self {
            Sense::Le => "<=",
            Sense::Eq => "=",
            Sense::Ge => ">=",
        }
    }
}

/// A linear program in row-major sparse form.
///
/// The fields are private so that the invariants hold everywhere: one cost per column, one
/// key, sense and right-hand side per row, `row_start` one longer than the rows and starting
/// at 0, and no zero or repeated column within a row. Costs and right-hand sides may be
/// changed in place ([`Lp::obj_mut`], [`Lp::rhs_mut`]); the matrix only grows by
/// [`Lp::add_row`].
#[derive(Debug, Clone)]
pub struct Lp {
    vars: Vec<VarKey>,
    obj: Vec<f64>,
    rows: Vec<RowKey>,
    senses: Vec<Sense>,
    rhs: Vec<f64>,
    /// Row `i` has its terms in `cols[row_start[i]..row_start[i + 1]]`.
    row_start: Vec<usize>,
    cols: Vec<u32>,
    vals: Vec<f64>,
    /// Columns without the `>= 0` bound (only in auxiliary LPs such as the dual; the model
    /// of the contract has none). Empty means none.
    free: Vec<bool>,
    /// The period (0-based) of each column and each row: what `@YEAR` their names carry in
    /// an instance with periods (model contract section 5). 0 throughout in one period.
    var_period: Vec<u16>,
    row_period: Vec<u16>,
    /// The period of the columns and rows added next ([`Lp::set_period`]).
    period: u16,
    /// The origin class of each column and each row: what `~CLASS` the names of the
    /// per-class families carry with origin tracking (model contract section 7). 0
    /// throughout without tracking.
    var_class: Vec<u8>,
    row_class: Vec<u8>,
    /// The class of the columns and rows added next ([`Lp::set_class`]).
    class: u8,
}

impl VarKey {
    /// Whether the family has one column per origin class (its name then carries `~CLASS`
    /// with origin tracking).
    pub fn is_per_class(&self) -> bool {
        matches!(
            self,
            VarKey::Proc(_)
                | VarKey::Ship { .. }
                | VarKey::Inject(_)
                | VarKey::Release(_)
                | VarKey::Level(_)
                | VarKey::Serve(_)
        )
    }
}

impl Default for Lp {
    fn default() -> Self {
        Lp {
            vars: Vec::new(),
            obj: Vec::new(),
            rows: Vec::new(),
            senses: Vec::new(),
            rhs: Vec::new(),
            row_start: vec![0],
            cols: Vec::new(),
            vals: Vec::new(),
            free: Vec::new(),
            var_period: Vec::new(),
            row_period: Vec::new(),
            period: 0,
            var_class: Vec::new(),
            row_class: Vec::new(),
            class: 0,
        }
    }
}

impl Lp {
    /// What each column stands for.
    pub fn vars(&self) -> &[VarKey] {
        &self.vars
    }

    /// The cost of each column.
    pub fn obj(&self) -> &[f64] {
        &self.obj
    }

    /// The costs, to change in place (auxiliary LPs reuse one matrix for several objectives).
    pub fn obj_mut(&mut self) -> &mut [f64] {
        &mut self.obj
    }

    /// What each row stands for.
    pub fn rows(&self) -> &[RowKey] {
        &self.rows
    }

    pub fn senses(&self) -> &[Sense] {
        &self.senses
    }

    pub fn rhs(&self) -> &[f64] {
        &self.rhs
    }

    /// The right-hand sides, to change in place.
    pub fn rhs_mut(&mut self) -> &mut [f64] {
        &mut self.rhs
    }

    /// The matrix in compressed-row form: row starts, column of each term, value of each term.
    pub fn matrix(&self) -> (&[usize], &[u32], &[f64]) {
        (&self.row_start, &self.cols, &self.vals)
    }

    /// The same columns (keys, costs, free flags) without any row.
    pub fn columns_only(&self) -> Lp {
        Lp {
            vars: self.vars.clone(),
            obj: self.obj.clone(),
            free: self.free.clone(),
            var_period: self.var_period.clone(),
            var_class: self.var_class.clone(),
            ..Lp::default()
        }
    }

    /// How many terms row `i` has.
    pub fn row_len(&self, i: usize) -> usize {
        self.row_start[i + 1] - self.row_start[i]
    }

    pub fn n_vars(&self) -> usize {
        self.vars.len()
    }

    pub fn is_free(&self, j: usize) -> bool {
        self.free.get(j).copied().unwrap_or(false)
    }

    /// Add a column without a lower bound.
    pub fn add_free_var(&mut self, key: VarKey, cost: f64) -> u32 {
        let j = self.add_var(key, cost);
        self.free.resize(self.vars.len(), false);
        self.free[j as usize] = true;
        j
    }

    pub fn n_rows(&self) -> usize {
        self.rows.len()
    }

    pub fn nnz(&self) -> usize {
        self.vals.len()
    }

    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let r = self.row_start[i]..self.row_start[i + 1];
        self.cols[r.clone()]
            .iter()
            .map(|c| *c as usize)
            .zip(self.vals[r].iter().copied())
    }

    /// The period the next columns and rows belong to (0-based).
    pub fn set_period(&mut self, p: usize) {
        self.period = u16::try_from(p).expect("at most 65535 periods");
    }

    /// The origin class the next columns and rows belong to.
    pub fn set_class(&mut self, k: usize) {
        self.class = u8::try_from(k).expect("at most 256 origin classes");
    }

    /// The origin class of column `j` (0 without tracking).
    pub fn var_class(&self, j: usize) -> usize {
        self.var_class[j] as usize
    }

    /// The origin class of row `i` (0 without tracking).
    pub fn row_class(&self, i: usize) -> usize {
        self.row_class[i] as usize
    }

    /// The period of column `j`.
    pub fn var_period(&self, j: usize) -> usize {
        self.var_period[j] as usize
    }

    /// The period of row `i`.
    pub fn row_period(&self, i: usize) -> usize {
        self.row_period[i] as usize
    }

    pub fn add_var(&mut self, key: VarKey, cost: f64) -> u32 {
        self.vars.push(key);
        self.obj.push(cost);
        self.var_period.push(self.period);
        self.var_class.push(self.class);
        (self.vars.len() - 1) as u32
    }

    /// Append a copy of row `i` of `other` (same key and period) with new terms, sense and
    /// right-hand side.
    pub fn add_row_like(&mut self, other: &Lp, i: usize, terms: &mut Vec<(u32, f64)>, sense: Sense, rhs: f64) {
        let (period, class) = (self.period, self.class);
        self.period = other.row_period[i];
        self.class = other.row_class[i];
        self.add_row(other.rows[i], terms, sense, rhs);
        (self.period, self.class) = (period, class);
    }

    /// Append a row. Terms with the same column are merged, zero coefficients dropped.
    pub fn add_row(&mut self, key: RowKey, terms: &mut Vec<(u32, f64)>, sense: Sense, rhs: f64) {
        terms.sort_unstable_by_key(|t| t.0);
        let mut last: Option<u32> = None;
        for &(c, v) in terms.iter() {
            if last == Some(c) {
                *self.vals.last_mut().unwrap() += v;
            } else {
                self.cols.push(c);
                self.vals.push(v);
                last = Some(c);
            }
        }
        terms.clear();
        let start = *self.row_start.last().unwrap();
        let mut w = start;
        for k in start..self.cols.len() {
            if self.vals[k] != 0.0 {
                self.cols[w] = self.cols[k];
                self.vals[w] = self.vals[k];
                w += 1;
            }
        }
        self.cols.truncate(w);
        self.vals.truncate(w);
        self.rows.push(key);
        self.row_period.push(self.period);
        self.row_class.push(self.class);
        self.senses.push(sense);
        self.rhs.push(rhs);
        self.row_start.push(self.cols.len());
    }

    pub fn objective_value(&self, x: &[f64]) -> f64 {
        self.obj.iter().zip(x).map(|(c, v)| c * v).sum()
    }

    /// Row activities `A x`.
    pub fn activities(&self, x: &[f64]) -> Vec<f64> {
        (0..self.n_rows())
            .map(|i| self.row(i).map(|(c, v)| v * x[c]).sum())
            .collect()
    }

    /// The (row, value) pairs of one column (a scan of the whole matrix).
    pub fn columns_of(&self, j: usize) -> Vec<(usize, f64)> {
        (0..self.n_rows())
            .flat_map(|i| self.row(i).filter(move |(c, _)| *c == j).map(move |(_, v)| (i, v)))
            .collect()
    }

    /// Column-major copy of the matrix: for each column, its (row, value) pairs.
    pub fn columns(&self) -> Vec<Vec<(u32, f64)>> {
        let mut out = vec![Vec::new(); self.n_vars()];
        for i in 0..self.n_rows() {
            for (c, v) in self.row(i) {
                out[c].push((i as u32, v));
            }
        }
        out
    }

    /// Contract name of a row, e.g. `balance[US-TX/silver]`, or `balance[US-TX/silver@2028]`
    /// in an instance with periods.
    pub fn row_name(&self, i: usize, inst: &Instance) -> String {
        let key = &self.rows[i];
        let mut name = row_name(key, inst);
        if key.is_per_class() {
            name = with_class(name, inst, self.row_class[i] as usize);
        }
        match key.is_per_period() {
            true => with_year(name, inst, self.row_period[i] as usize),
            false => name,
        }
    }

    /// Name of a column, e.g. `ship[MX-ZAC->US-TX/rail:MX-ZAC->US-TX,silver]`, with `@YEAR`
    /// before the closing bracket in an instance with periods.
    pub fn var_name(&self, j: usize, inst: &Instance) -> String {
        let mut name = var_name(&self.vars[j], inst);
        if self.vars[j].is_per_class() {
            name = with_class(name, inst, self.var_class[j] as usize);
        }
        match self.vars[j] {
            VarKey::Aux(_) => name,
            _ => with_year(name, inst, self.var_period[j] as usize),
        }
    }
}

/// `name` with `@YEAR` of period `p` before its closing bracket, when the instance has periods.
fn with_year(mut name: String, inst: &Instance, p: usize) -> String {
    if inst.has_periods() && name.ends_with(']') {
        name.pop();
        name.push('@');
        name.push_str(&inst.periods[p].year.to_string());
        name.push(']');
    }
    name
}

/// `name` with `~CLASS` of class `k` before its closing bracket, with origin tracking.
fn with_class(mut name: String, inst: &Instance, k: usize) -> String {
    if let (Some(class), true) = (inst.class_name(k), name.ends_with(']')) {
        name.pop();
        name.push('~');
        name.push_str(class);
        name.push(']');
    }
    name
}

fn lane_dir_label(inst: &Instance, lane: u32, dir: Dir) -> String {
    let l = &inst.lanes[lane as usize];
    let (a, b) = dir.endpoints(l);
    format!("{}:{}->{}", l.id, inst.regions[a].id, inst.regions[b].id)
}

pub fn row_name(key: &RowKey, inst: &Instance) -> String {
    // Built with one allocation (this runs once per row of a million-row report).
    let push = |parts: &[&str]| {
        let kind = key.kind();
        let mut s = String::with_capacity(kind.len() + 2 + parts.iter().map(|p| p.len()).sum::<usize>());
        s.push_str(kind);
        s.push('[');
        parts.iter().for_each(|p| s.push_str(p));
        s.push(']');
        s
    };
    match *key {
        RowKey::MineCapacity(m) | RowKey::MineExpansion(m) => push(&[&inst.mines[m as usize].id]),
        RowKey::PlantCapacity(p) | RowKey::PlantExpansion(p) => push(&[&inst.plants[p as usize].id]),
        RowKey::ImportCapacity(i) => push(&[&inst.imports[i as usize].id]),
        RowKey::LaneCapacity { lane, dir } => push(&[&lane_dir_label(inst, lane, dir)]),
        RowKey::UnmetLimit(d) => push(&[&inst.demands[d as usize].id]),
        RowKey::Balance { region, material } => push(&[
            &inst.regions[region as usize].id,
            "/",
            &inst.materials[material as usize].id,
        ]),
        RowKey::Target(t) => push(&[&inst.targets[t as usize].id]),
        RowKey::StockLevel(s) | RowKey::StockCapacity(s) | RowKey::StockMin(s) | RowKey::StockFinal(s) => {
            push(&[&inst.stockpiles[s as usize].id])
        }
        RowKey::Demand(d) => push(&[&inst.demands[d as usize].id]),
        RowKey::Aux(i) => push(&[&i.to_string()]),
    }
}

pub fn var_name(key: &VarKey, inst: &Instance) -> String {
    match *key {
        VarKey::Prod(m) => format!("prod[{}]", inst.mines[m as usize].id),
        VarKey::MineExp(m) => format!("mexp[{}]", inst.mines[m as usize].id),
        VarKey::Proc(p) => format!("proc[{}]", inst.plants[p as usize].id),
        VarKey::PlantExp(p) => format!("pexp[{}]", inst.plants[p as usize].id),
        VarKey::Buy(i) => format!("buy[{}]", inst.imports[i as usize].id),
        VarKey::Ship { lane, dir, material } => format!(
            "ship[{},{}]",
            lane_dir_label(inst, lane, dir),
            inst.materials[material as usize].id
        ),
        VarKey::Unmet(d) => format!("unmet[{}]", inst.demands[d as usize].id),
        VarKey::Inject(s) => format!("inject[{}]", inst.stockpiles[s as usize].id),
        VarKey::Release(s) => format!("release[{}]", inst.stockpiles[s as usize].id),
        VarKey::Level(s) => format!("level[{}]", inst.stockpiles[s as usize].id),
        VarKey::Serve(d) => format!("serve[{}]", inst.demands[d as usize].id),
        VarKey::Aux(i) => format!("aux[{i}]"),
    }
}

/// A row keyed `Aux(id)` from a slice of terms, for tests that write small LPs by hand.
#[cfg(test)]
pub(crate) fn aux_row(lp: &mut Lp, id: u32, terms: &[(u32, f64)], sense: Sense, rhs: f64) {
    let mut t = terms.to_vec();
    lp.add_row(RowKey::Aux(id), &mut t, sense, rhs);
}
