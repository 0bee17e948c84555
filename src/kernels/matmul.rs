//! The one matrix product the kernels need: gemm on matrices that sit inside larger slices
//! (a time step's rows of a [batch, time, gates] array, a transpose read in place), with every view
//! checked against its slice before the unsafe call.

/// A matrix inside a slice: its first element and the steps between rows and between columns.
#[derive(Debug, Clone, Copy)]
pub(super) struct View {
    offset: usize,
    row_step: usize,
    column_step: usize,
}

impl View {
    /// Row-major, `row_step` apart.
    pub(super) fn rows(offset: usize, row_step: usize) -> View {
        View {
            offset,
            row_step,
            column_step: 1,
        }
    }

    /// The transpose of a row-major matrix whose rows are `row_step` apart.
    pub(super) fn columns(offset: usize, row_step: usize) -> View {
        View {
            offset,
            row_step: 1,
            column_step: row_step,
        }
    }

    /// Panics unless a [rows, columns] matrix seen this way lies inside `len` values.
    fn check(self, [rows, columns]: [usize; 2], len: usize) {
        let last = self.offset + (rows - 1) * self.row_step + (columns - 1) * self.column_step;
        assert!(
            last < len,
            "a {rows}x{columns} matrix view {self:?} overruns {len} values"
        );
    }
}

/// dst = lhs @ rhs (dst += when `accumulate`) for [m, k] @ [k, n], single-threaded (the kernel
/// splits the work itself). The views are checked against their slices first.
pub(super) fn matmul(
    [m, n, k]: [usize; 3],
    (dst, d): (&mut [f32], View),
    accumulate: bool,
    (lhs, l): (&[f32], View),
    (rhs, r): (&[f32], View),
) {
    assert!(
        m > 0 && n > 0 && k > 0,
        "an empty product: {m}x{k} @ {k}x{n}"
    );
    d.check([m, n], dst.len());
    l.check([m, k], lhs.len());
    r.check([k, n], rhs.len());
    // SAFETY: every element the views address lies inside its slice (checked above), and `dst`
    // is borrowed mutably, so it overlaps neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr().add(d.offset),
            d.column_step as isize,
            d.row_step as isize,
            accumulate,
            lhs.as_ptr().add(l.offset),
            l.column_step as isize,
            l.row_step as isize,
            rhs.as_ptr().add(r.offset),
            r.column_step as isize,
            r.row_step as isize,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// The transpose of a row-major [rows, cols] matrix, as a new row-major [cols, rows] one.
pub(super) fn transpose(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; values.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = values[r * cols + c];
        }
    }
    out
}
