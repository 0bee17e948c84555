//! The LSTM recurrence over a whole sequence, forward and backward, on plain f32 slices (joined
//! to autodiff in `lstm_autodiff.rs`). Each step is one small matrix product plus one pass over
//! the gates, and rows of the batch (independent through time) run on all cores natively.
//!
//! Gates are laid out as PyTorch's nn.LSTM lays them out: i, f, g, o side by side. Every array has
//! the batch as its outer dimension, so a range of rows is one contiguous piece of each.
//!
//! Kept in one file (about 500 lines, 200 of them tests): forward and backward read and write the
//! same `Tape` with the same index arithmetic, and the tests check one against the other.

use super::activation::{sigmoid_in_place, tanh, tanh_in_place};
use super::matmul::{View, matmul, transpose};
use super::parallel::{default_chunks, for_each_chunk, map_chunks, rows_per_chunk};

/// The sizes of one sequence: batch rows, time steps, and the hidden width (gates are 4x wider).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    pub batch: usize,
    pub time: usize,
    pub hidden: usize,
}

impl Dims {
    fn gates(self) -> usize {
        4 * self.hidden
    }

    fn rows(self, batch: usize) -> Dims {
        Dims { batch, ..self }
    }
}

/// What the backward pass reads from the forward pass.
#[derive(Debug)]
pub struct Tape {
    dims: Dims,
    /// W_hh [hidden, 4 hidden].
    w_hh: Vec<f32>,
    /// The gates after their nonlinearities [batch, time, 4 hidden].
    gates: Vec<f32>,
    /// c_0 .. c_T [batch, time + 1, hidden].
    cells: Vec<f32>,
    /// tanh(c_1) .. tanh(c_T) [batch, time, hidden].
    tanh_cells: Vec<f32>,
    /// h_0 .. h_{T-1}, the hidden state entering each step [batch, time, hidden].
    entering: Vec<f32>,
}

impl Tape {
    pub fn dims(&self) -> Dims {
        self.dims
    }
}

/// The gradients of one sequence's inputs.
#[derive(Debug)]
pub struct Grads {
    /// Of the gates' input part, x W_ih + biases [batch, time, 4 hidden].
    pub x_gates: Vec<f32>,
    pub w_hh: Vec<f32>,
    pub h0: Vec<f32>,
    pub c0: Vec<f32>,
}

/// Runs the sequence. `x_gates` [batch, time, 4 hidden] holds x_t W_ih + b_ih + b_hh for every
/// step; `w_hh` is [hidden, 4 hidden]; `h0` and `c0` are [batch, hidden]. Returns
/// [batch, time + 1, hidden]: h_1 .. h_T, then c_T (one output, so autodiff sees one operation).
pub fn forward(
    dims: Dims,
    x_gates: &[f32],
    w_hh: &[f32],
    h0: &[f32],
    c0: &[f32],
) -> (Vec<f32>, Tape) {
    forward_in(default_chunks(dims.batch), dims, x_gates, w_hh, h0, c0)
}

/// `forward` with the batch split in `chunks` ranges of rows, run in parallel natively. The
/// numbers do not depend on the split (each row is computed alone), so a run gives the same
/// numbers on any number of cores.
fn forward_in(
    chunks: usize,
    dims: Dims,
    x_gates: &[f32],
    w_hh: &[f32],
    h0: &[f32],
    c0: &[f32],
) -> (Vec<f32>, Tape) {
    let Dims {
        batch,
        time,
        hidden,
    } = dims;
    let gates = dims.gates();
    assert!(
        batch > 0 && time > 0 && hidden > 0,
        "an empty sequence: {dims:?}"
    );
    assert_eq!(
        x_gates.len(),
        batch * time * gates,
        "x_gates is [batch, time, 4 hidden]"
    );
    assert_eq!(w_hh.len(), hidden * gates, "w_hh is [hidden, 4 hidden]");
    assert_eq!(h0.len(), batch * hidden, "h0 is [batch, hidden]");
    assert_eq!(c0.len(), batch * hidden, "c0 is [batch, hidden]");

    let mut out = vec![0.0; batch * (time + 1) * hidden];
    let mut tape = Tape {
        dims,
        w_hh: w_hh.to_vec(),
        gates: x_gates.to_vec(),
        cells: vec![0.0; batch * (time + 1) * hidden],
        tanh_cells: vec![0.0; batch * time * hidden],
        entering: vec![0.0; batch * time * hidden],
    };
    let rows = rows_per_chunk(batch, chunks);
    let chunks: Vec<_> = (out.chunks_mut(rows * (time + 1) * hidden))
        .zip(tape.gates.chunks_mut(rows * time * gates))
        .zip(tape.cells.chunks_mut(rows * (time + 1) * hidden))
        .zip(tape.tanh_cells.chunks_mut(rows * time * hidden))
        .zip(tape.entering.chunks_mut(rows * time * hidden))
        .enumerate()
        .map(|(k, ((((out, gates), cells), tanh_cells), entering))| {
            let n = gates.len() / (time * dims.gates());
            let first = k * rows * hidden;
            ForwardRows {
                dims: dims.rows(n),
                out,
                gates,
                cells,
                tanh_cells,
                entering,
                h0: &h0[first..first + n * hidden],
                c0: &c0[first..first + n * hidden],
            }
        })
        .collect();
    for_each_chunk(chunks, |chunk| chunk.run(w_hh));
    (out, tape)
}

/// The gradients of the inputs of `forward`, given the gradient of its output
/// [batch, time + 1, hidden] (the last slot, c_T's, is usually zero: the state carried to the next
/// batch is detached).
pub fn backward(tape: &Tape, grad_out: &[f32]) -> Grads {
    backward_in(default_chunks(tape.dims.batch), tape, grad_out)
}

/// `backward` with the batch split in `chunks`; as `forward_in`, the numbers do not depend on it.
fn backward_in(chunks: usize, tape: &Tape, grad_out: &[f32]) -> Grads {
    let dims = tape.dims;
    let Dims {
        batch,
        time,
        hidden,
    } = dims;
    let gates = dims.gates();
    assert_eq!(
        grad_out.len(),
        batch * (time + 1) * hidden,
        "grad is [batch, time + 1, hidden]"
    );

    let w_hh_t = transpose(&tape.w_hh, hidden, gates);
    let mut grads = Grads {
        x_gates: vec![0.0; batch * time * gates],
        w_hh: vec![0.0; hidden * gates],
        h0: vec![0.0; batch * hidden],
        c0: vec![0.0; batch * hidden],
    };
    let rows = rows_per_chunk(batch, chunks);
    let parts: Vec<_> = (grads.x_gates.chunks_mut(rows * time * gates))
        .zip(grads.h0.chunks_mut(rows * hidden))
        .zip(grads.c0.chunks_mut(rows * hidden))
        .enumerate()
        .map(|(k, ((d_gates, d_h0), d_c0))| {
            let n = d_h0.len() / hidden;
            let first = k * rows;
            BackwardRows {
                dims: dims.rows(n),
                d_gates,
                d_h0,
                d_c0,
                grad_out: row_range(grad_out, first, n, (time + 1) * hidden),
                gates: row_range(&tape.gates, first, n, time * gates),
                cells: row_range(&tape.cells, first, n, (time + 1) * hidden),
                tanh_cells: row_range(&tape.tanh_cells, first, n, time * hidden),
            }
        })
        .collect();
    for_each_chunk(parts, |part| part.run(&w_hh_t));
    // dW_hh = sum over rows and steps of h_entering^T d_gates: one product over all of them,
    // [hidden, batch x time] @ [batch x time, 4 hidden], split by columns (not by rows, whose
    // partial sums would add up in an order that depended on the split).
    let columns = gates.div_ceil(chunks.clamp(1, gates));
    let (entering, d_gates) = (&tape.entering, &grads.x_gates);
    let blocks: Vec<_> = (0..gates).step_by(columns).collect();
    let products = map_chunks(blocks, |first| {
        let n = columns.min(gates - first);
        let mut block = vec![0.0f32; hidden * n];
        // `entering` [batch x time, hidden] read as its transpose; columns first .. first + n of
        // d_gates [batch x time, 4 hidden].
        matmul(
            [hidden, n, batch * time],
            (block.as_mut_slice(), View::rows(0, n)),
            false,
            (entering.as_slice(), View::columns(0, hidden)),
            (d_gates.as_slice(), View::rows(first, gates)),
        );
        (first, n, block)
    });
    for (first, n, block) in products {
        for (row, values) in block.chunks(n).enumerate() {
            grads.w_hh[row * gates + first..][..n].copy_from_slice(values);
        }
    }
    grads
}

/// A range of batch rows through the forward pass.
struct ForwardRows<'a> {
    dims: Dims,
    out: &'a mut [f32],
    gates: &'a mut [f32],
    cells: &'a mut [f32],
    tanh_cells: &'a mut [f32],
    entering: &'a mut [f32],
    h0: &'a [f32],
    c0: &'a [f32],
}

impl ForwardRows<'_> {
    fn run(self, w_hh: &[f32]) {
        let Dims {
            batch,
            time,
            hidden: h,
        } = self.dims;
        let g = 4 * h;
        for b in 0..batch {
            let row = b * time * h;
            self.entering[row..row + h].copy_from_slice(&self.h0[b * h..(b + 1) * h]);
            let row = b * (time + 1) * h;
            self.cells[row..row + h].copy_from_slice(&self.c0[b * h..(b + 1) * h]);
        }
        for t in 0..time {
            // gates[:, t] (already x W_ih + b) += h_t W_hh
            matmul(
                [batch, g, h],
                (&mut *self.gates, View::rows(t * g, time * g)),
                true,
                (&*self.entering, View::rows(t * h, time * h)),
                (w_hh, View::rows(0, g)),
            );
            for b in 0..batch {
                let a = &mut self.gates[(b * time + t) * g..][..g];
                sigmoid_in_place(&mut a[..2 * h]);
                tanh_in_place(&mut a[2 * h..3 * h]);
                sigmoid_in_place(&mut a[3 * h..]);
                let (i, rest) = a.split_at(h);
                let (f, rest) = rest.split_at(h);
                let (cand, o) = rest.split_at(h);
                let (c_prev, c_next) =
                    self.cells[(b * (time + 1) + t) * h..][..2 * h].split_at_mut(h);
                let tc = &mut self.tanh_cells[(b * time + t) * h..][..h];
                let out = &mut self.out[(b * (time + 1) + t) * h..][..h];
                for j in 0..h {
                    let c = f[j] * c_prev[j] + i[j] * cand[j];
                    c_next[j] = c;
                    tc[j] = tanh(c);
                    out[j] = o[j] * tc[j];
                }
                if t + 1 < time {
                    let next = (b * time + t + 1) * h;
                    self.entering[next..next + h].copy_from_slice(out);
                }
            }
        }
        for b in 0..batch {
            let last = (b * (time + 1) + time) * h;
            self.out[last..last + h].copy_from_slice(&self.cells[last..last + h]);
        }
    }
}

/// A range of batch rows through the backward pass.
struct BackwardRows<'a> {
    dims: Dims,
    d_gates: &'a mut [f32],
    d_h0: &'a mut [f32],
    d_c0: &'a mut [f32],
    grad_out: &'a [f32],
    gates: &'a [f32],
    cells: &'a [f32],
    tanh_cells: &'a [f32],
}

impl BackwardRows<'_> {
    /// Fills the rows' gradients of the gates' inputs and of the entering state.
    fn run(self, w_hh_t: &[f32]) {
        let Dims {
            batch,
            time,
            hidden: h,
        } = self.dims;
        let g = 4 * h;
        // d_h0 and d_c0 carry dh and dc from step to step, back to the start.
        for b in 0..batch {
            self.d_c0[b * h..][..h]
                .copy_from_slice(&self.grad_out[(b * (time + 1) + time) * h..][..h]);
        }
        for t in (0..time).rev() {
            for b in 0..batch {
                let a = &self.gates[(b * time + t) * g..][..g];
                let (i, rest) = a.split_at(h);
                let (f, rest) = rest.split_at(h);
                let (cand, o) = rest.split_at(h);
                let c_prev = &self.cells[(b * (time + 1) + t) * h..][..h];
                let tc = &self.tanh_cells[(b * time + t) * h..][..h];
                let d_out = &self.grad_out[(b * (time + 1) + t) * h..][..h];
                let dh_next = &self.d_h0[b * h..][..h];
                let dc_next = &mut self.d_c0[b * h..][..h];
                let da = &mut self.d_gates[(b * time + t) * g..][..g];
                let (di, rest) = da.split_at_mut(h);
                let (df, rest) = rest.split_at_mut(h);
                let (dg, d_o) = rest.split_at_mut(h);
                for j in 0..h {
                    let dh = d_out[j] + dh_next[j];
                    let dc = dh * o[j] * (1.0 - tc[j] * tc[j]) + dc_next[j];
                    di[j] = dc * cand[j] * i[j] * (1.0 - i[j]);
                    df[j] = dc * c_prev[j] * f[j] * (1.0 - f[j]);
                    dg[j] = dc * i[j] * (1.0 - cand[j] * cand[j]);
                    d_o[j] = dh * tc[j] * o[j] * (1.0 - o[j]);
                    dc_next[j] = dc * f[j];
                }
            }
            // dh entering step t = d_gates[:, t] W_hh^T (w_hh_t is [4 hidden, hidden])
            matmul(
                [batch, h, g],
                (&mut *self.d_h0, View::rows(0, h)),
                false,
                (&*self.d_gates, View::rows(t * g, time * g)),
                (w_hh_t, View::rows(0, h)),
            );
        }
    }
}

/// Rows first .. first + n of an array with `per_row` values a row.
fn row_range(values: &[f32], first: usize, n: usize, per_row: usize) -> &[f32] {
    &values[first * per_row..][..n * per_row]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the tests need no seeds from elsewhere.
    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s % 2001) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    fn sig(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    /// The recurrence step by step in f64, as the book's LSTMCell writes it.
    fn reference(dims: Dims, xg: &[f32], w: &[f32], h0: &[f32], c0: &[f32]) -> Vec<f64> {
        let Dims {
            batch,
            time,
            hidden: h,
        } = dims;
        let g = 4 * h;
        let mut out = vec![0.0; batch * (time + 1) * h];
        for b in 0..batch {
            let mut hs: Vec<f64> = h0[b * h..][..h].iter().map(|&v| v as f64).collect();
            let mut cs: Vec<f64> = c0[b * h..][..h].iter().map(|&v| v as f64).collect();
            for t in 0..time {
                let pre: Vec<f64> = (0..g)
                    .map(|k| {
                        xg[(b * time + t) * g + k] as f64
                            + (0..h).map(|m| hs[m] * w[m * g + k] as f64).sum::<f64>()
                    })
                    .collect();
                for j in 0..h {
                    let c = sig(pre[h + j]) * cs[j] + sig(pre[j]) * pre[2 * h + j].tanh();
                    cs[j] = c;
                    hs[j] = sig(pre[3 * h + j]) * c.tanh();
                    out[(b * (time + 1) + t) * h + j] = hs[j];
                }
            }
            for j in 0..h {
                out[(b * (time + 1) + time) * h + j] = cs[j];
            }
        }
        out
    }

    fn inputs(dims: Dims) -> (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>) {
        let g = dims.gates();
        (
            values(dims.batch * dims.time * g, 1),
            values(dims.hidden * g, 2),
            values(dims.batch * dims.hidden, 3),
            values(dims.batch * dims.hidden, 4),
        )
    }

    #[test]
    fn forward_matches_the_step_by_step_recurrence() {
        // 37 rows: chunks of unequal size when there are several cores.
        let dims = Dims {
            batch: 37,
            time: 5,
            hidden: 6,
        };
        let (xg, w, h0, c0) = inputs(dims);
        let (out, _) = forward(dims, &xg, &w, &h0, &c0);
        let want = reference(dims, &xg, &w, &h0, &c0);
        for (k, (&got, &want)) in out.iter().zip(&want).enumerate() {
            assert!(
                (got as f64 - want).abs() < 2e-6,
                "output {k}: {got} vs {want}"
            );
        }
    }

    /// The loss sum(out * weights), whose gradient with respect to out is `weights`.
    fn loss(dims: Dims, xg: &[f32], w: &[f32], h0: &[f32], c0: &[f32], weights: &[f32]) -> f64 {
        reference(dims, xg, w, h0, c0)
            .iter()
            .zip(weights)
            .map(|(o, &k)| o * k as f64)
            .sum()
    }

    #[test]
    fn backward_matches_finite_differences_for_every_input() {
        let dims = Dims {
            batch: 3,
            time: 4,
            hidden: 2,
        };
        let (xg, w, h0, c0) = inputs(dims);
        let weights = values(dims.batch * (dims.time + 1) * dims.hidden, 5);
        let (_, tape) = forward(dims, &xg, &w, &h0, &c0);
        let grads = backward(&tape, &weights);

        let eps = 1e-3f32;
        let check = |name: &str, analytic: &[f32], perturb: &dyn Fn(usize, f32) -> f64| {
            for (k, &a) in analytic.iter().enumerate() {
                let numeric = (perturb(k, eps) - perturb(k, -eps)) / (2.0 * eps as f64);
                assert!(
                    (a as f64 - numeric).abs() < 1e-3 * (1.0 + numeric.abs()),
                    "d{name}[{k}]: {a} vs {numeric}"
                );
            }
        };
        let nudged = |v: &[f32], k: usize, e: f32| {
            let mut v = v.to_vec();
            v[k] += e;
            v
        };
        check("x_gates", &grads.x_gates, &|k, e| {
            loss(dims, &nudged(&xg, k, e), &w, &h0, &c0, &weights)
        });
        check("w_hh", &grads.w_hh, &|k, e| {
            loss(dims, &xg, &nudged(&w, k, e), &h0, &c0, &weights)
        });
        check("h0", &grads.h0, &|k, e| {
            loss(dims, &xg, &w, &nudged(&h0, k, e), &c0, &weights)
        });
        check("c0", &grads.c0, &|k, e| {
            loss(dims, &xg, &w, &h0, &nudged(&c0, k, e), &weights)
        });
    }

    #[test]
    fn the_numbers_do_not_depend_on_how_the_batch_is_split() {
        // 65 rows: 2 chunks of 33 and 32, ..., 63 chunks that would leave one row alone.
        let dims = Dims {
            batch: 65,
            time: 3,
            hidden: 8,
        };
        let (xg, w, h0, c0) = inputs(dims);
        let (out, tape) = forward_in(1, dims, &xg, &w, &h0, &c0);
        let grad_out = values(out.len(), 6);
        let grads = backward_in(1, &tape, &grad_out);
        for chunks in [2, 3, 7, 32, 63] {
            let (out_k, tape_k) = forward_in(chunks, dims, &xg, &w, &h0, &c0);
            assert_eq!(out_k, out, "outputs with {chunks} chunks");
            let grads_k = backward_in(chunks, &tape_k, &grad_out);
            assert_eq!(
                grads_k.x_gates, grads.x_gates,
                "d x_gates with {chunks} chunks"
            );
            assert_eq!(grads_k.w_hh, grads.w_hh, "d w_hh with {chunks} chunks");
            assert_eq!(grads_k.h0, grads.h0, "d h0 with {chunks} chunks");
            assert_eq!(grads_k.c0, grads.c0, "d c0 with {chunks} chunks");
        }
    }
}
