//! Compaction: the LP of a subset of the rows and columns of another, as the presolve and the
//! aggregation leave it.

use super::Lp;

impl Lp {
    /// The LP of the alive columns and rows of this LP, with the costs `obj` and right-hand sides
    /// `rhs` (indexed as in this LP) and the terms `row_terms(i, ..)` pushes for row `i`; terms of
    /// columns not alive are dropped (they are 0). Also returns the this LP index of each column and
    /// row kept.
    pub fn compact(
        &self,
        col_alive: &[bool],
        row_alive: &[bool],
        obj: &[f64],
        rhs: &[f64],
        mut row_terms: impl FnMut(usize, &mut Vec<(usize, f64)>),
    ) -> (Lp, Vec<usize>, Vec<usize>) {
        let col_of: Vec<usize> = (0..self.n_vars()).filter(|&j| col_alive[j]).collect();
        let row_of: Vec<usize> = (0..self.n_rows()).filter(|&i| row_alive[i]).collect();
        let mut new_col = vec![u32::MAX; self.n_vars()];
        for (k, &j) in col_of.iter().enumerate() {
            new_col[j] = k as u32;
        }
        let mut reduced = Lp::default();
        for &j in &col_of {
            reduced.period = self.var_period[j];
            reduced.class = self.var_class[j];
            if self.is_free(j) {
                reduced.add_free_var(self.vars[j], obj[j]);
            } else {
                reduced.add_var(self.vars[j], obj[j]);
            }
        }
        let (mut old, mut terms) = (Vec::new(), Vec::new());
        for &i in &row_of {
            row_terms(i, &mut old);
            terms.extend(
                old.drain(..)
                    .filter(|&(c, _)| col_alive[c])
                    .map(|(c, v)| (new_col[c], v)),
            );
            reduced.add_row_like(self, i, &mut terms, self.senses[i], rhs[i]);
        }
        (reduced.period, reduced.class) = (0, 0);
        (reduced, col_of, row_of)
    }
}
