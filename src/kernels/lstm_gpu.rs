//! The LSTM recurrence as cubecl kernels for burn's cube backend (wgpu natively, WebGPU in the
//! browser): one dispatch per layer forward and one backward, where the composed layer costs
//! dozens of small kernels per time step.
//!
//! Batch rows are independent through time, so each cube (workgroup) carries a few rows through
//! every step. Its units share the rows' hidden states in shared memory; a unit owns fixed
//! (row, unit) pairs and computes the four gates of each from the recurrent product directly, so
//! a step needs one barrier (the hidden states are double-buffered). Backward needs two: the
//! gate gradients of a step are shared, then multiplied by W_hhᵀ for the step before.
//!
//! Layouts (all contiguous f32): x_gates [batch, time, 4 hidden] (x W_ih + biases), W_hh
//! [hidden, 4 hidden], h0 and c0 [batch, hidden]; gates are i, f, g, o side by side as in
//! `lstm.rs`.

use burn::backend::ops::FloatTensorOps;
use burn_cubecl::cubecl::prelude::*;
use burn_cubecl::cubecl::{self, CubeCount, CubeDim};
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::ops::numeric::empty_device_contiguous_dtype;
use burn_cubecl::tensor::CubeTensor;
use burn_cubecl::{CubeBackend, CubeDevice};

use burn::tensor::{DType, Shape};

/// Units per cube: WebGPU's default limit.
const MAX_UNITS: usize = 256;

/// Widest hidden size the kernels take: its shared memory (6 x hidden floats backward for one
/// row) must fit WebGPU's default 16 KB per workgroup.
pub const MAX_HIDDEN: usize = 512;

/// What backward needs from forward, on the device.
#[derive(Clone, Debug)]
pub struct GpuTape {
    /// i, f, g, o after their activations: [batch, time, 4 hidden].
    pub gates: CubeTensor,
    /// c_t: [batch, time, hidden].
    pub cells: CubeTensor,
    /// h_{t-1} for each step: [batch, time, hidden].
    pub previous: CubeTensor,
    pub c0: CubeTensor,
    pub w_hh: CubeTensor,
}

/// Gradients with respect to the inputs of `forward`.
pub struct GpuGrads {
    /// The gates' pre-activations (= x_gates): [batch, time, 4 hidden].
    pub x_gates: CubeTensor,
    pub w_hh: CubeTensor,
    pub h0: CubeTensor,
    pub c0: CubeTensor,
}

#[cube]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[cube(launch_unchecked)]
#[allow(clippy::too_many_arguments)]
fn lstm_forward_kernel(
    x_gates: &[f32],
    w_hh: &[f32],
    h0: &[f32],
    c0: &[f32],
    out: &mut [f32],
    gates: &mut [f32],
    cells: &mut [f32],
    previous: &mut [f32],
    batch: u32,
    time: u32,
    #[comptime] hidden: usize,
    #[comptime] pairs: usize,
    #[comptime] double_pairs: usize,
    #[comptime] units: usize,
) {
    let batch = batch as usize;
    let time = time as usize;
    let width = hidden * 4;
    let first_row = CUBE_POS * (pairs / hidden);
    // Two buffers of hidden states: a step reads one and writes the other.
    let mut h_sh = Shared::<[f32]>::new_slice(double_pairs);
    let mut c_sh = Shared::<[f32]>::new_slice(pairs);

    let mut p = UNIT_POS as usize;
    while p < pairs {
        let b = first_row + p / hidden;
        let j = p % hidden;
        if b < batch {
            h_sh[p] = h0[b * hidden + j];
            c_sh[p] = c0[b * hidden + j];
        } else {
            h_sh[p] = 0.0;
            c_sh[p] = 0.0;
        }
        p += units;
    }
    sync_cube();

    for t in 0..time {
        let current = (t % 2) * pairs;
        let next = pairs - current;
        let mut p = UNIT_POS as usize;
        while p < pairs {
            let r = p / hidden;
            let j = p % hidden;
            let b = first_row + r;
            if b < batch {
                let step = b * time + t;
                let xg = step * width;
                let mut acc_i = x_gates[xg + j];
                let mut acc_f = x_gates[xg + hidden + j];
                let mut acc_g = x_gates[xg + 2 * hidden + j];
                let mut acc_o = x_gates[xg + 3 * hidden + j];
                let h_row = current + r * hidden;
                for k in 0..hidden {
                    let hk = h_sh[h_row + k];
                    let w = k * width + j;
                    acc_i += hk * w_hh[w];
                    acc_f += hk * w_hh[w + hidden];
                    acc_g += hk * w_hh[w + 2 * hidden];
                    acc_o += hk * w_hh[w + 3 * hidden];
                }
                let i = sigmoid(acc_i);
                let f = sigmoid(acc_f);
                let g = acc_g.tanh();
                let o = sigmoid(acc_o);
                let c = f * c_sh[p] + i * g;
                let h = o * c.tanh();
                previous[step * hidden + j] = h_sh[current + p];
                c_sh[p] = c;
                h_sh[next + p] = h;
                out[(b * (time + 1) + t) * hidden + j] = h;
                cells[step * hidden + j] = c;
                gates[xg + j] = i;
                gates[xg + hidden + j] = f;
                gates[xg + 2 * hidden + j] = g;
                gates[xg + 3 * hidden + j] = o;
            }
            p += units;
        }
        sync_cube();
    }

    // c_T after h_1 .. h_T.
    let mut p = UNIT_POS as usize;
    while p < pairs {
        let b = first_row + p / hidden;
        let j = p % hidden;
        if b < batch {
            out[(b * (time + 1) + time) * hidden + j] = c_sh[p];
        }
        p += units;
    }
}

#[cube(launch_unchecked)]
#[allow(clippy::too_many_arguments)]
fn lstm_backward_kernel(
    grad_out: &[f32],
    gates: &[f32],
    cells: &[f32],
    c0: &[f32],
    w_hh_t: &[f32],
    d_gates: &mut [f32],
    dh0: &mut [f32],
    dc0: &mut [f32],
    batch: u32,
    time: u32,
    #[comptime] hidden: usize,
    #[comptime] pairs: usize,
    #[comptime] gate_pairs: usize,
    #[comptime] units: usize,
) {
    let batch = batch as usize;
    let time = time as usize;
    let width = hidden * 4;
    let first_row = CUBE_POS * (pairs / hidden);
    // The gate gradients of the current step, for the product with W_hhᵀ.
    let mut dg_sh = Shared::<[f32]>::new_slice(gate_pairs);
    // Each pair's gradient from the step after (through W_hh) and its cell gradient: only the
    // pair's own unit touches them.
    let mut dh_sh = Shared::<[f32]>::new_slice(pairs);
    let mut dc_sh = Shared::<[f32]>::new_slice(pairs);

    let mut p = UNIT_POS as usize;
    while p < pairs {
        let b = first_row + p / hidden;
        let j = p % hidden;
        dh_sh[p] = 0.0;
        if b < batch {
            dc_sh[p] = grad_out[(b * (time + 1) + time) * hidden + j];
        } else {
            dc_sh[p] = 0.0;
        }
        p += units;
    }

    for s in 0..time {
        let t = time - 1 - s;
        let mut p = UNIT_POS as usize;
        while p < pairs {
            let r = p / hidden;
            let j = p % hidden;
            let b = first_row + r;
            let d_row = r * width;
            if b < batch {
                let step = b * time + t;
                let xg = step * width;
                let i = gates[xg + j];
                let f = gates[xg + hidden + j];
                let g = gates[xg + 2 * hidden + j];
                let o = gates[xg + 3 * hidden + j];
                let tc = cells[step * hidden + j].tanh();
                let dh = grad_out[(b * (time + 1) + t) * hidden + j] + dh_sh[p];
                let dc = dc_sh[p] + dh * o * (1.0 - tc * tc);
                let mut c_prev = c0[b * hidden + j];
                if t > 0 {
                    c_prev = cells[(step - 1) * hidden + j];
                }
                let di = dc * g * i * (1.0 - i);
                let df = dc * c_prev * f * (1.0 - f);
                let dg = dc * i * (1.0 - g * g);
                let d_o = dh * tc * o * (1.0 - o);
                dc_sh[p] = dc * f;
                d_gates[xg + j] = di;
                d_gates[xg + hidden + j] = df;
                d_gates[xg + 2 * hidden + j] = dg;
                d_gates[xg + 3 * hidden + j] = d_o;
                dg_sh[d_row + j] = di;
                dg_sh[d_row + hidden + j] = df;
                dg_sh[d_row + 2 * hidden + j] = dg;
                dg_sh[d_row + 3 * hidden + j] = d_o;
            } else {
                dg_sh[d_row + j] = 0.0;
                dg_sh[d_row + hidden + j] = 0.0;
                dg_sh[d_row + 2 * hidden + j] = 0.0;
                dg_sh[d_row + 3 * hidden + j] = 0.0;
            }
            p += units;
        }
        sync_cube();

        // dh_{t-1} = dgates_t W_hhᵀ (W_hhᵀ laid out [4 hidden, hidden], so that neighbouring
        // units read neighbouring weights).
        let mut p = UNIT_POS as usize;
        while p < pairs {
            let r = p / hidden;
            let j = p % hidden;
            let d_row = r * width;
            let mut acc = 0.0;
            for n in 0..width {
                acc += dg_sh[d_row + n] * w_hh_t[n * hidden + j];
            }
            dh_sh[p] = acc;
            p += units;
        }
        sync_cube();
    }

    let mut p = UNIT_POS as usize;
    while p < pairs {
        let b = first_row + p / hidden;
        let j = p % hidden;
        if b < batch {
            dh0[b * hidden + j] = dh_sh[p];
            dc0[b * hidden + j] = dc_sh[p];
        }
        p += units;
    }
}

/// How the batch is split: (rows per cube, units per cube).
fn split(batch: usize, hidden: usize) -> (usize, usize) {
    assert!(
        hidden <= MAX_HIDDEN,
        "the GPU LSTM kernel takes hidden sizes up to {MAX_HIDDEN}, not {hidden}"
    );
    let rows = (MAX_UNITS / hidden).clamp(1, batch.max(1));
    let units = (rows * hidden).min(MAX_UNITS);
    (rows, units)
}

fn empty(like: &CubeTensor, shape: Vec<usize>) -> CubeTensor {
    empty_device_contiguous_dtype(
        like.client.clone(),
        like.device.clone(),
        Shape::from(shape),
        DType::F32,
    )
}

fn f32_contiguous(tensor: CubeTensor) -> CubeTensor {
    assert_eq!(
        tensor.dtype,
        DType::F32,
        "the GPU LSTM kernel computes in f32"
    );
    into_contiguous(tensor)
}

/// The recurrence over [batch, time, 4 hidden] gate inputs: [batch, time + 1, hidden] (h_1 ..
/// h_T, then c_T) and what backward needs. One dispatch.
pub fn forward(
    x_gates: CubeTensor,
    w_hh: CubeTensor,
    h0: CubeTensor,
    c0: CubeTensor,
) -> (CubeTensor, GpuTape) {
    let [x_gates, w_hh, h0, c0] = [x_gates, w_hh, h0, c0].map(f32_contiguous);
    let dims = x_gates.meta.shape().clone();
    let (batch, time, width) = (dims[0], dims[1], dims[2]);
    let hidden = width / 4;
    let out = empty(&x_gates, vec![batch, time + 1, hidden]);
    let gates = empty(&x_gates, vec![batch, time, width]);
    let cells = empty(&x_gates, vec![batch, time, hidden]);
    let previous = empty(&x_gates, vec![batch, time, hidden]);
    let (rows, units) = split(batch, hidden);
    let pairs = rows * hidden;
    // Safety: every buffer is contiguous f32 of the size its indices assume (shapes above), and
    // the kernel guards rows past the batch.
    unsafe {
        lstm_forward_kernel::launch_unchecked(
            &out.client,
            CubeCount::new_1d(batch.div_ceil(rows) as u32),
            CubeDim::new_1d(units as u32),
            x_gates.into_buffer_arg(),
            w_hh.clone().into_buffer_arg(),
            h0.into_buffer_arg(),
            c0.clone().into_buffer_arg(),
            out.clone().into_buffer_arg(),
            gates.clone().into_buffer_arg(),
            cells.clone().into_buffer_arg(),
            previous.clone().into_buffer_arg(),
            batch as u32,
            time as u32,
            hidden,
            pairs,
            2 * pairs,
            units,
        );
    }
    let tape = GpuTape {
        gates,
        cells,
        previous,
        c0,
        w_hh,
    };
    (out, tape)
}

/// Gradients from the gradient of forward's output [batch, time + 1, hidden]: the recurrence in
/// one dispatch, then dW_hh = Σ_t h_{t-1}ᵀ dgates_t as one product over all steps.
pub fn backward(tape: &GpuTape, grad_out: CubeTensor) -> GpuGrads {
    let grad_out = f32_contiguous(grad_out);
    let dims = tape.gates.meta.shape().clone();
    let (batch, time, width) = (dims[0], dims[1], dims[2]);
    let hidden = width / 4;
    let d_gates = empty(&grad_out, vec![batch, time, width]);
    let dh0 = empty(&grad_out, vec![batch, hidden]);
    let dc0 = empty(&grad_out, vec![batch, hidden]);
    let (rows, units) = split(batch, hidden);
    let pairs = rows * hidden;
    let w_hh_t = into_contiguous(CubeBackend::float_transpose(tape.w_hh.clone()));
    // Safety: every buffer is contiguous f32 of the size its indices assume (shapes above), and
    // the kernel guards rows past the batch.
    unsafe {
        lstm_backward_kernel::launch_unchecked(
            &d_gates.client,
            CubeCount::new_1d(batch.div_ceil(rows) as u32),
            CubeDim::new_1d(units as u32),
            grad_out.into_buffer_arg(),
            tape.gates.clone().into_buffer_arg(),
            tape.cells.clone().into_buffer_arg(),
            tape.c0.clone().into_buffer_arg(),
            w_hh_t.into_buffer_arg(),
            d_gates.clone().into_buffer_arg(),
            dh0.clone().into_buffer_arg(),
            dc0.clone().into_buffer_arg(),
            batch as u32,
            time as u32,
            hidden,
            pairs,
            4 * pairs,
            units,
        );
    }
    let steps = batch * time;
    let previous = CubeBackend::float_reshape(tape.previous.clone(), Shape::from([steps, hidden]));
    let rows = CubeBackend::float_reshape(d_gates.clone(), Shape::from([steps, width]));
    let w_hh = CubeBackend::float_matmul(CubeBackend::float_transpose(previous), rows);
    GpuGrads {
        x_gates: d_gates,
        w_hh,
        h0: dh0,
        c0: dc0,
    }
}

/// Whether a cube device runs these kernels (wgpu: Vulkan, Metal or WebGPU).
pub fn runs_on(device: &CubeDevice) -> bool {
    matches!(device, CubeDevice::Wgpu(_))
}
