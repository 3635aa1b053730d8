//! A sparse LU factorisation of a simplex basis, grown column by column (left-looking, with
//! threshold partial pivoting) and updated in product form; the linear algebra of
//! [`super::basis`].

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
pub(super) struct Factor {
    m: usize,
    piv_row: Vec<usize>,
    /// Basis position of a pivoted row, `usize::MAX` before it is pivoted.
    pub(super) pos_of_row: Vec<usize>,
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
    pub(super) row_weight: Vec<usize>,
    work: Vec<f64>,
    mark: Vec<bool>,
    touched: Vec<usize>,
    /// Scratch of [`Factor::try_push`]: positions to eliminate, smallest first.
    heap: BinaryHeap<Reverse<usize>>,
}

impl Factor {
    pub(super) fn new(m: usize, row_weight: Vec<usize>) -> Self {
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
        }
    }

    pub(super) fn rank(&self) -> usize {
        self.piv_row.len()
    }

    pub(super) fn n_updates(&self) -> usize {
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
    pub(super) fn try_push(&mut self, col: &[(usize, f64)]) -> bool {
        debug_assert_eq!(self.n_updates(), 0, "columns are added before any update");
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
    pub(super) fn ftran(&self, b: &mut [f64], z: &mut [f64]) {
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
    pub(super) fn btran(&self, c: &mut [f64], y: &mut [f64]) {
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

    /// Forget the updates after the first `k` (undo basis changes made since then).
    pub(super) fn truncate_updates(&mut self, k: usize) {
        self.e_pos.truncate(k);
        self.e_piv.truncate(k);
        self.e_start.truncate(k + 1);
        let len = self.e_start[k];
        self.e_idx.truncate(len);
        self.e_val.truncate(len);
    }

    /// Record the basis change at position `r` with entering column `alpha = B^{-1} a_q`.
    pub(super) fn update(&mut self, r: usize, alpha: &[f64]) {
        self.e_pos.push(r);
        self.e_piv.push(alpha[r]);
        for (i, &v) in alpha.iter().enumerate() {
            if i != r && v != 0.0 {
                self.e_idx.push(i as u32);
                self.e_val.push(v);
            }
        }
        self.e_start.push(self.e_idx.len());
    }
}
