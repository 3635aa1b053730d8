//! A sparse LU factorisation of a simplex basis, grown column by column (left-looking, with
//! threshold partial pivoting) and updated in product form; the linear algebra of the bases
//! of [`crate::sensitivity::basis`] and of the preconditioner of the conjugate-gradient
//! interior point (`solve::backend::ipm`).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A pivot is accepted when it exceeds this share of the largest entry of its column.
const PIVOT_TOL: f64 = 1e-9;
/// Threshold partial pivoting: any row within this factor of the largest entry may pivot.
const THRESHOLD: f64 = 0.1;

/// `E B = U` factorisation, built column by column (left-looking), plus product-form
/// updates. `E` is a product of row eliminations `E_k = I - l_k e_{p_k}'` (pivot row `p_k` of
/// basis position `k`); column `k` of `U` has entries on the pivot rows of positions `< k`
/// and the diagonal `w_{p_k}`.
pub(crate) struct Factor {
    m: usize,
    piv_row: Vec<usize>,
    /// Basis position of a pivoted row, `usize::MAX` before it is pivoted.
    pub(crate) pos_of_row: Vec<usize>,
    l_start: Vec<usize>,
    l_idx: Vec<u32>,
    l_val: Vec<f64>,
    /// Off-diagonal entries of `U` column `k`, stored with their row (a pivot row).
    u_start: Vec<usize>,
    u_idx: Vec<u32>,
    u_val: Vec<f64>,
    u_diag: Vec<f64>,
    /// Product-form updates: position `e_pos`, pivot `e_piv`, other entries of `B^{-1} a_q`.
    e_pos: Vec<usize>,
    e_piv: Vec<f64>,
    e_start: Vec<usize>,
    e_idx: Vec<u32>,
    e_val: Vec<f64>,
    /// Static weight of each row for tie-breaking pivots (entries in the row): fewer fill.
    pub(crate) row_weight: Vec<usize>,
    work: Vec<f64>,
    mark: Vec<bool>,
    touched: Vec<usize>,
    /// Scratch of [`Factor::try_push`]: positions to eliminate, smallest first.
    heap: BinaryHeap<Reverse<usize>>,
    /// `U` and `L` by rows, for the hypersparse `B' y = c` ([`Factor::btran_sparse`]); built
    /// on first use after the last column was added.
    by_rows: std::cell::OnceCell<ByRows>,
}

/// The factors by rows: for each row `i`, the entries `(position, value)` of `U` (columns
/// of `U` with an entry on row `i`) and of `L` (eliminations that reach row `i`).
struct ByRows {
    u_start: Vec<usize>,
    u: Vec<(u32, f64)>,
    l_start: Vec<usize>,
    l: Vec<(u32, f64)>,
}

/// A vector over `0..len` with its pattern: `idx` lists every index that may be nonzero,
/// each once (`mark`), unless `dense` (then every index may be, and clearing fills).
pub(crate) struct SparseVec {
    pub(crate) val: Vec<f64>,
    pub(crate) idx: Vec<usize>,
    mark: Vec<bool>,
    dense: bool,
}

impl SparseVec {
    pub(crate) fn new(len: usize) -> Self {
        SparseVec {
            val: vec![0.0; len],
            idx: Vec::new(),
            mark: vec![false; len],
            dense: false,
        }
    }

    /// Every entry to zero.
    pub(crate) fn clear(&mut self) {
        if self.dense {
            self.val.iter_mut().for_each(|v| *v = 0.0);
            self.mark.iter_mut().for_each(|v| *v = false);
            self.dense = false;
        } else {
            for &i in &self.idx {
                self.val[i] = 0.0;
                self.mark[i] = false;
            }
        }
        self.idx.clear();
    }

    /// Add `v` to entry `i`.
    pub(crate) fn add(&mut self, i: usize, v: f64) {
        self.touch(i);
        self.val[i] += v;
    }

    /// Put `i` in the pattern; true when it was not.
    fn touch(&mut self, i: usize) -> bool {
        if self.dense || self.mark[i] {
            return false;
        }
        self.mark[i] = true;
        self.idx.push(i);
        true
    }

    /// The pattern from the values, after a dense computation.
    fn repattern(&mut self) {
        self.mark.iter_mut().for_each(|v| *v = false);
        self.idx.clear();
        self.dense = false;
        for i in 0..self.val.len() {
            if self.val[i] != 0.0 {
                self.mark[i] = true;
                self.idx.push(i);
            }
        }
    }

    /// The largest magnitude.
    pub(crate) fn max_abs(&self) -> f64 {
        self.idx.iter().fold(0.0f64, |a, &i| a.max(self.val[i].abs()))
    }
}

impl Factor {
    pub(crate) fn new(m: usize, row_weight: Vec<usize>) -> Self {
        Factor {
            m,
            piv_row: Vec::with_capacity(m),
            pos_of_row: vec![usize::MAX; m],
            l_start: vec![0],
            l_idx: Vec::new(),
            l_val: Vec::new(),
            u_start: vec![0],
            u_idx: Vec::new(),
            u_val: Vec::new(),
            u_diag: Vec::with_capacity(m),
            e_pos: Vec::new(),
            e_piv: Vec::new(),
            e_start: vec![0],
            e_idx: Vec::new(),
            e_val: Vec::new(),
            row_weight,
            work: vec![0.0; m],
            mark: vec![false; m],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
            by_rows: std::cell::OnceCell::new(),
        }
    }

    pub(crate) fn rank(&self) -> usize {
        self.piv_row.len()
    }

    pub(crate) fn n_updates(&self) -> usize {
        self.e_pos.len()
    }

    fn touch(&mut self, i: usize) {
        if !self.mark[i] {
            self.mark[i] = true;
            self.touched.push(i);
        }
    }

    fn clear_work(&mut self) {
        for &i in &self.touched {
            self.work[i] = 0.0;
            self.mark[i] = false;
        }
        self.touched.clear();
    }

    /// Eliminate `col` against the factorised columns; accept it as the next basis position
    /// when a pivot above the tolerance remains (it is independent of them).
    pub(crate) fn try_push(&mut self, col: &[(usize, f64)]) -> bool {
        debug_assert_eq!(self.n_updates(), 0, "columns are added before any update");
        self.by_rows.take();
        let mut norm = 0.0f64;
        for &(i, v) in col {
            self.touch(i);
            self.work[i] += v;
            norm = norm.max(v.abs());
        }
        if norm == 0.0 {
            self.clear_work();
            return false;
        }
        // Apply the eliminations of the factorised positions whose pivot rows the column
        // reaches, in position order: a min-heap of them, fed as entries appear (an
        // elimination `k` only reaches rows pivoted after `k` or not yet pivoted), so the cost
        // is that of the column's fill, not of the rank.
        let mut heap = std::mem::take(&mut self.heap);
        heap.clear();
        for &i in &self.touched {
            if self.pos_of_row[i] != usize::MAX {
                heap.push(Reverse(self.pos_of_row[i]));
            }
        }
        while let Some(Reverse(k)) = heap.pop() {
            let wp = self.work[self.piv_row[k]];
            if wp != 0.0 {
                for t in self.l_start[k]..self.l_start[k + 1] {
                    let i = self.l_idx[t] as usize;
                    if !self.mark[i] {
                        self.mark[i] = true;
                        self.touched.push(i);
                        if self.pos_of_row[i] != usize::MAX {
                            heap.push(Reverse(self.pos_of_row[i]));
                        }
                    }
                    self.work[i] -= self.l_val[t] * wp;
                }
            }
        }
        self.heap = heap;
        let mut big = 0.0f64;
        for &i in &self.touched {
            norm = norm.max(self.work[i].abs());
            if self.pos_of_row[i] == usize::MAX {
                big = big.max(self.work[i].abs());
            }
        }
        if big <= PIVOT_TOL * norm {
            self.clear_work();
            return false;
        }
        // Threshold partial pivoting: among rows within THRESHOLD of the largest, the one
        // with the fewest entries (fewest later columns to fill), then the largest.
        let mut piv = usize::MAX;
        for &i in &self.touched {
            let v = self.work[i].abs();
            if self.pos_of_row[i] != usize::MAX || v < THRESHOLD * big {
                continue;
            }
            let better = piv == usize::MAX
                || self.row_weight[i] < self.row_weight[piv]
                || (self.row_weight[i] == self.row_weight[piv] && v > self.work[piv].abs());
            if better {
                piv = i;
            }
        }
        let k = self.rank();
        let d = self.work[piv];
        for &i in &self.touched {
            let v = self.work[i];
            if i == piv || v == 0.0 {
                continue;
            }
            if self.pos_of_row[i] == usize::MAX {
                self.l_idx.push(i as u32);
                self.l_val.push(v / d);
            } else {
                self.u_idx.push(i as u32);
                self.u_val.push(v);
            }
        }
        self.l_start.push(self.l_idx.len());
        self.u_start.push(self.u_idx.len());
        self.u_diag.push(d);
        self.piv_row.push(piv);
        self.pos_of_row[piv] = k;
        self.clear_work();
        true
    }

    /// Solve `B z = b`: `b` over rows (overwritten), `z` over basis positions.
    pub(crate) fn ftran(&self, b: &mut [f64], z: &mut [f64]) {
        for k in 0..self.m {
            let wp = b[self.piv_row[k]];
            if wp != 0.0 {
                for t in self.l_start[k]..self.l_start[k + 1] {
                    b[self.l_idx[t] as usize] -= self.l_val[t] * wp;
                }
            }
        }
        for k in (0..self.m).rev() {
            let zk = b[self.piv_row[k]] / self.u_diag[k];
            z[k] = zk;
            if zk != 0.0 {
                for t in self.u_start[k]..self.u_start[k + 1] {
                    b[self.u_idx[t] as usize] -= self.u_val[t] * zk;
                }
            }
        }
        for e in 0..self.n_updates() {
            let r = self.e_pos[e];
            let zr = z[r] / self.e_piv[e];
            z[r] = zr;
            if zr != 0.0 {
                for t in self.e_start[e]..self.e_start[e + 1] {
                    z[self.e_idx[t] as usize] -= self.e_val[t] * zr;
                }
            }
        }
    }

    /// Solve `B' y = c`: `c` over basis positions (overwritten), `y` over rows.
    pub(crate) fn btran(&self, c: &mut [f64], y: &mut [f64]) {
        for e in (0..self.n_updates()).rev() {
            let r = self.e_pos[e];
            let mut s = c[r];
            for t in self.e_start[e]..self.e_start[e + 1] {
                s -= self.e_val[t] * c[self.e_idx[t] as usize];
            }
            c[r] = s / self.e_piv[e];
        }
        for k in 0..self.m {
            let mut s = c[k];
            for t in self.u_start[k]..self.u_start[k + 1] {
                s -= self.u_val[t] * y[self.u_idx[t] as usize];
            }
            y[self.piv_row[k]] = s / self.u_diag[k];
        }
        for k in (0..self.m).rev() {
            let mut s = 0.0;
            for t in self.l_start[k]..self.l_start[k + 1] {
                s += self.l_val[t] * y[self.l_idx[t] as usize];
            }
            y[self.piv_row[k]] -= s;
        }
    }

    /// Past this many entries a triangular solve goes on densely (in position order, from
    /// where it is): a heap costs more than a pass once a tenth of the rows is reached.
    fn dense_at(&self) -> usize {
        self.m / 10 + 16
    }

    /// [`Factor::ftran`] for a sparse `b` (rows; left in an unspecified state, to clear), into
    /// `z` (positions; clear on entry): each triangle visits only the positions the solution
    /// reaches, in order by a heap, until it gets dense.
    pub(crate) fn ftran_sparse(&self, b: &mut SparseVec, z: &mut SparseVec) {
        let m = self.m;
        if self.rank() < m || b.dense {
            b.dense = true;
            self.ftran(&mut b.val, &mut z.val);
            z.repattern();
            return;
        }
        let dense_at = self.dense_at();
        // L, positions ascending.
        let mut heap: BinaryHeap<Reverse<usize>> = b.idx.iter().map(|&i| Reverse(self.pos_of_row[i])).collect();
        while let Some(Reverse(k)) = heap.pop() {
            if b.idx.len() > dense_at {
                b.dense = true;
                for k in k..m {
                    self.eliminate(k, &mut b.val);
                }
                break;
            }
            let wp = b.val[self.piv_row[k]];
            if wp != 0.0 {
                for t in self.l_start[k]..self.l_start[k + 1] {
                    let i = self.l_idx[t] as usize;
                    if b.touch(i) {
                        heap.push(Reverse(self.pos_of_row[i]));
                    }
                    b.val[i] -= self.l_val[t] * wp;
                }
            }
        }
        // U, positions descending.
        let mut heap: BinaryHeap<usize> = if b.dense {
            BinaryHeap::new()
        } else {
            b.idx.iter().map(|&i| self.pos_of_row[i]).collect()
        };
        let mut dense_from = if b.dense { Some(m - 1) } else { None };
        while let Some(k) = heap.pop() {
            if b.idx.len() > dense_at {
                dense_from = Some(k);
                break;
            }
            let zk = b.val[self.piv_row[k]] / self.u_diag[k];
            if zk != 0.0 {
                z.add(k, zk);
                for t in self.u_start[k]..self.u_start[k + 1] {
                    let i = self.u_idx[t] as usize;
                    if b.touch(i) {
                        heap.push(self.pos_of_row[i]);
                    }
                    b.val[i] -= self.u_val[t] * zk;
                }
            }
        }
        if let Some(from) = dense_from {
            b.dense = true;
            for k in (0..=from).rev() {
                self.back_substitute(k, &mut b.val, &mut z.val);
            }
            z.repattern();
        }
        for e in 0..self.n_updates() {
            let r = self.e_pos[e];
            if z.val[r] == 0.0 {
                continue;
            }
            let zr = z.val[r] / self.e_piv[e];
            z.val[r] = zr;
            for t in self.e_start[e]..self.e_start[e + 1] {
                z.add(self.e_idx[t] as usize, -self.e_val[t] * zr);
            }
        }
    }

    /// [`Factor::btran`] for a sparse `c` (positions; left in an unspecified state, to
    /// clear), into `y` (rows; clear on entry), by rows of the factors in scatter form.
    pub(crate) fn btran_sparse(&self, c: &mut SparseVec, y: &mut SparseVec) {
        let m = self.m;
        if self.rank() < m || c.dense {
            c.dense = true;
            self.btran(&mut c.val, &mut y.val);
            y.repattern();
            return;
        }
        for e in (0..self.n_updates()).rev() {
            let r = self.e_pos[e];
            let mut s = c.val[r];
            for t in self.e_start[e]..self.e_start[e + 1] {
                s -= self.e_val[t] * c.val[self.e_idx[t] as usize];
            }
            if s != 0.0 || c.val[r] != 0.0 {
                c.touch(r);
                c.val[r] = s / self.e_piv[e];
            }
        }
        let rows = self.by_rows.get_or_init(|| self.transpose());
        let dense_at = self.dense_at();
        // U', positions ascending: y at the pivot row of k is final when k is reached.
        let mut heap: BinaryHeap<Reverse<usize>> = c.idx.iter().map(|&k| Reverse(k)).collect();
        let mut dense_from = m;
        while let Some(Reverse(k)) = heap.pop() {
            if c.idx.len() > dense_at {
                dense_from = k;
                break;
            }
            self.forward_row(k, rows, c, y, &mut |k2| heap.push(Reverse(k2)));
        }
        if dense_from < m {
            c.dense = true;
            for k in dense_from..m {
                self.forward_row(k, rows, c, y, &mut |_| {});
            }
        }
        // L', positions descending: the value at row i is final when its position is reached.
        let mut heap: BinaryHeap<usize> = y.idx.iter().map(|&i| self.pos_of_row[i]).collect();
        while let Some(k) = heap.pop() {
            if y.idx.len() > dense_at {
                y.dense = true;
                for k in (0..=k).rev() {
                    self.backward_row(k, rows, y, &mut |_| {});
                }
                y.repattern();
                return;
            }
            self.backward_row(k, rows, y, &mut |k2| heap.push(k2));
        }
    }

    /// One elimination of `L` on `b` (rows).
    fn eliminate(&self, k: usize, b: &mut [f64]) {
        let wp = b[self.piv_row[k]];
        if wp != 0.0 {
            for t in self.l_start[k]..self.l_start[k + 1] {
                b[self.l_idx[t] as usize] -= self.l_val[t] * wp;
            }
        }
    }

    /// One step of the back substitution of `U`: `z_k` from `b` (rows).
    fn back_substitute(&self, k: usize, b: &mut [f64], z: &mut [f64]) {
        let zk = b[self.piv_row[k]] / self.u_diag[k];
        z[k] = zk;
        if zk != 0.0 {
            for t in self.u_start[k]..self.u_start[k + 1] {
                b[self.u_idx[t] as usize] -= self.u_val[t] * zk;
            }
        }
    }

    /// `y` at the pivot row of position `k` from `c_k`, scattered into the later positions
    /// of `c` that row `U` reaches (`reached` told of each one new to the pattern).
    fn forward_row(
        &self,
        k: usize,
        rows: &ByRows,
        c: &mut SparseVec,
        y: &mut SparseVec,
        reached: &mut dyn FnMut(usize),
    ) {
        let yk = c.val[k] / self.u_diag[k];
        if yk == 0.0 {
            return;
        }
        let i = self.piv_row[k];
        y.add(i, yk);
        for &(k2, v) in &rows.u[rows.u_start[i]..rows.u_start[i + 1]] {
            let k2 = k2 as usize;
            if c.touch(k2) {
                reached(k2);
            }
            c.val[k2] -= v * yk;
        }
    }

    /// The final `y` at the pivot row of position `k` scattered into the pivot rows of the
    /// earlier eliminations that reach it (`reached` told of each position new to `y`).
    fn backward_row(&self, k: usize, rows: &ByRows, y: &mut SparseVec, reached: &mut dyn FnMut(usize)) {
        let i = self.piv_row[k];
        let yi = y.val[i];
        if yi == 0.0 {
            return;
        }
        for &(k2, v) in &rows.l[rows.l_start[i]..rows.l_start[i + 1]] {
            let r = self.piv_row[k2 as usize];
            if y.touch(r) {
                reached(k2 as usize);
            }
            y.val[r] -= v * yi;
        }
    }

    /// [`ByRows`] of the current factors.
    fn transpose(&self) -> ByRows {
        let by_row = |start: &[usize], idx: &[u32], val: &[f64]| {
            let mut count = vec![0usize; self.m + 1];
            idx.iter().for_each(|&i| count[i as usize + 1] += 1);
            (0..self.m).for_each(|i| count[i + 1] += count[i]);
            let mut fill = count.clone();
            let mut out = vec![(0u32, 0.0); idx.len()];
            for k in 0..start.len() - 1 {
                for t in start[k]..start[k + 1] {
                    let i = idx[t] as usize;
                    out[fill[i]] = (k as u32, val[t]);
                    fill[i] += 1;
                }
            }
            (count, out)
        };
        let (u_start, u) = by_row(&self.u_start, &self.u_idx, &self.u_val);
        let (l_start, l) = by_row(&self.l_start, &self.l_idx, &self.l_val);
        ByRows { u_start, u, l_start, l }
    }

    /// Forget the updates after the first `k` (undo basis changes made since then).
    pub(crate) fn truncate_updates(&mut self, k: usize) {
        self.e_pos.truncate(k);
        self.e_piv.truncate(k);
        self.e_start.truncate(k + 1);
        let len = self.e_start[k];
        self.e_idx.truncate(len);
        self.e_val.truncate(len);
    }

    /// Record the basis change at position `r` with entering column `alpha = B^{-1} a_q`.
    pub(crate) fn update(&mut self, r: usize, alpha: &SparseVec) {
        self.e_pos.push(r);
        self.e_piv.push(alpha.val[r]);
        for &i in &alpha.idx {
            let v = alpha.val[i];
            if i != r && v != 0.0 {
                self.e_idx.push(i as u32);
                self.e_val.push(v);
            }
        }
        self.e_start.push(self.e_idx.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::generate::Rng;

    /// A random nonsingular basis of `m` rows: network-like columns (one or two entries),
    /// a few longer ones, completed by unit columns; then `updates` product-form updates.
    fn random_factor(rng: &mut Rng, m: usize, updates: usize) -> Factor {
        let mut f = Factor::new(m, vec![1; m]);
        let mut col = Vec::new();
        for _ in 0..3 * m {
            if f.rank() == m {
                break;
            }
            col.clear();
            let len = if rng.chance(0.1) {
                3 + rng.below(8)
            } else {
                1 + rng.below(2)
            };
            for _ in 0..len {
                col.push((rng.below(m), rng.range(-2.0, 2.0)));
            }
            f.try_push(&col);
        }
        for i in 0..m {
            if f.pos_of_row[i] == usize::MAX {
                assert!(f.try_push(&[(i, 1.0)]));
            }
        }
        for _ in 0..updates {
            let mut alpha = SparseVec::new(m);
            for _ in 0..1 + rng.below(4) {
                alpha.add(rng.below(m), rng.range(-1.0, 1.0));
            }
            let r = rng.below(m);
            alpha.add(r, rng.range(0.5, 2.0) - alpha.val[r]);
            f.update(r, &alpha);
        }
        f
    }

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0))
    }

    /// The hypersparse solves equal the dense ones, both while sparse and after they switch
    /// to a dense pass, and their patterns hold every nonzero.
    #[test]
    fn sparse_solves_equal_the_dense_ones() {
        let mut rng = Rng::new(0xF7A2_11C3_9B04_5E6D);
        let (mut sparse, mut dense) = (0, 0);
        for case in 0..60 {
            let m = 50 + rng.below(300);
            let updates = if case % 2 == 0 { 0 } else { 1 + rng.below(20) };
            let f = random_factor(&mut rng, m, updates);
            let (mut b, mut z) = (SparseVec::new(m), SparseVec::new(m));
            for _ in 0..20 {
                let entries: Vec<(usize, f64)> = (0..1 + rng.below(3))
                    .map(|_| (rng.below(m), rng.range(-3.0, 3.0)))
                    .collect();
                let mut want_in = vec![0.0; m];
                entries.iter().for_each(|&(i, v)| want_in[i] += v);
                for transpose in [false, true] {
                    let (mut input, mut want) = (want_in.clone(), vec![0.0; m]);
                    b.clear();
                    z.clear();
                    entries.iter().for_each(|&(i, v)| b.add(i, v));
                    if transpose {
                        f.btran(&mut input, &mut want);
                        f.btran_sparse(&mut b, &mut z);
                    } else {
                        f.ftran(&mut input, &mut want);
                        f.ftran_sparse(&mut b, &mut z);
                    }
                    assert!(close(&z.val, &want), "case {case} transpose {transpose}");
                    let pattern: std::collections::HashSet<usize> = z.idx.iter().copied().collect();
                    assert_eq!(pattern.len(), z.idx.len(), "an index listed twice");
                    assert!((0..m).all(|i| z.val[i] == 0.0 || pattern.contains(&i)));
                    if z.idx.len() > f.dense_at() {
                        dense += 1;
                    } else {
                        sparse += 1;
                    }
                }
            }
        }
        assert!(
            sparse >= 200 && dense >= 200,
            "{sparse} sparse and {dense} dense solves"
        );
    }
}
