//! The LSTM recurrence joined to burn: one autodiff operation on the CPU backend (flex) whose
//! forward and backward are the kernel in `lstm.rs`. Composed of tensor operations, each step is
//! eight small autodiff nodes whose backward writes zero tensors the size of their inputs; as one
//! node, a step is a matrix product and one pass over the gates. On wgpu (Vulkan/Metal natively,
//! WebGPU in the browser) the same operation runs the GPU kernels of `lstm_gpu.rs`, one dispatch
//! per layer each way where the composed layer costs dozens per step. ndarray keeps the composed
//! layer (`model/lstm.rs`).

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, DispatchDevice, Flex, backend_extension};
use burn::tensor::{Device, Tensor, TensorData};

use super::lstm::{self, Dims, Tape};

/// The recurrence over a whole sequence: [batch, time, 4 hidden] gate inputs (x W_ih + biases),
/// W_hh [hidden, 4 hidden] and the entering state [batch, hidden] give [batch, time + 1, hidden]:
/// h_1 .. h_T, then c_T.
#[backend_extension(Flex, Cube: cfg(feature = "wgpu"), Autodiff)]
pub trait LstmSequence: Backend {
    fn lstm_sequence(
        x_gates: FloatTensor<Self>,
        w_hh: FloatTensor<Self>,
        h0: FloatTensor<Self>,
        c0: FloatTensor<Self>,
    ) -> FloatTensor<Self>;
}

/// The hidden states h_1 .. h_T [batch, time, hidden] and the last cell state c_T [batch, hidden].
/// Only for tensors on a device `has_fused_kernel` accepts.
pub fn lstm_sequence(
    x_gates: Tensor<3>,
    w_hh: Tensor<2>,
    h0: Tensor<2>,
    c0: Tensor<2>,
) -> (Tensor<3>, Tensor<2>) {
    let [batch, time, _] = x_gates.dims();
    let hidden = h0.dims()[1];
    let out = <Dispatch as LstmSequence>::lstm_sequence(
        x_gates.into_dispatch(),
        w_hh.into_dispatch(),
        h0.into_dispatch(),
        c0.into_dispatch(),
    );
    let out = Tensor::<3>::from_dispatch(out);
    let hidden_states = out.clone().slice([0..batch, 0..time, 0..hidden]);
    let cell = out
        .slice([0..batch, time..time + 1, 0..hidden])
        .reshape([batch, hidden]);
    (hidden_states, cell)
}

/// Whether a layer of `hidden` units on this device runs the recurrence as one fused operation:
/// on flex (the CPU kernel) and on wgpu (native or WebGPU: the GPU kernels, which take hidden
/// sizes up to `lstm_gpu::MAX_HIDDEN`), directly or under autodiff.
pub fn has_fused_kernel(device: &Device, hidden: usize) -> bool {
    match device.clone().inner().as_dispatch() {
        DispatchDevice::Flex(_) => true,
        #[cfg(feature = "wgpu")]
        DispatchDevice::Cube(cube) => {
            super::lstm_gpu::runs_on(cube) && hidden <= super::lstm_gpu::MAX_HIDDEN
        }
        _ => {
            let _ = hidden;
            false
        }
    }
}

/// The GPU kernels (`lstm_gpu.rs`) on burn's cube backend: forward and backward one dispatch
/// each, plus one product for dW_hh.
#[cfg(feature = "wgpu")]
mod cube {
    use super::*;
    use crate::kernels::lstm_gpu::{self, GpuTape};
    use burn_cubecl::CubeBackend;
    use burn_cubecl::tensor::CubeTensor;

    impl LstmSequence for CubeBackend {
        fn lstm_sequence(
            x_gates: CubeTensor,
            w_hh: CubeTensor,
            h0: CubeTensor,
            c0: CubeTensor,
        ) -> CubeTensor {
            lstm_gpu::forward(x_gates, w_hh, h0, c0).0
        }
    }

    impl<C: CheckpointStrategy> LstmSequence for Autodiff<CubeBackend, C> {
        fn lstm_sequence(
            x_gates: FloatTensor<Self>,
            w_hh: FloatTensor<Self>,
            h0: FloatTensor<Self>,
            c0: FloatTensor<Self>,
        ) -> FloatTensor<Self> {
            let (out, tape) = lstm_gpu::forward(
                x_gates.primitive().clone(),
                w_hh.primitive().clone(),
                h0.primitive().clone(),
                c0.primitive().clone(),
            );
            match GpuLstmBackward
                .prepare::<C>([x_gates.node(), w_hh.node(), h0.node(), c0.node()])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => prep.finish(tape, out),
                OpsKind::UnTracked(prep) => prep.finish(out),
            }
        }
    }

    #[derive(Debug)]
    struct GpuLstmBackward;

    impl Backward<CubeBackend, 4> for GpuLstmBackward {
        type State = GpuTape;

        fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
            let grad_out = grads.consume::<CubeBackend>(&ops.node);
            let grad = lstm_gpu::backward(&ops.state, grad_out);
            let [x_gates, w_hh, h0, c0] = ops.parents;
            let results = [
                (x_gates, grad.x_gates),
                (w_hh, grad.w_hh),
                (h0, grad.h0),
                (c0, grad.c0),
            ];
            for (parent, tensor) in results {
                if let Some(node) = parent {
                    grads.register::<CubeBackend>(node.id, tensor);
                }
            }
        }
    }
}

impl LstmSequence for Flex {
    fn lstm_sequence(
        x_gates: FlexTensor,
        w_hh: FlexTensor,
        h0: FlexTensor,
        c0: FlexTensor,
    ) -> FlexTensor {
        run_forward(&x_gates, &w_hh, &h0, &c0).0
    }
}

impl<C: CheckpointStrategy> LstmSequence for Autodiff<Flex, C> {
    fn lstm_sequence(
        x_gates: FloatTensor<Self>,
        w_hh: FloatTensor<Self>,
        h0: FloatTensor<Self>,
        c0: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let (out, tape) = run_forward(
            x_gates.primitive(),
            w_hh.primitive(),
            h0.primitive(),
            c0.primitive(),
        );
        match LstmBackward
            .prepare::<C>([x_gates.node(), w_hh.node(), h0.node(), c0.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(Arc::new(tape), out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }
}

#[derive(Debug)]
struct LstmBackward;

impl Backward<Flex, 4> for LstmBackward {
    type State = Arc<Tape>;

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad_out = contiguous(&grads.consume::<Flex>(&ops.node));
        let grad = lstm::backward(&ops.state, slice(&grad_out));
        let Dims {
            batch,
            time,
            hidden,
        } = ops.state.dims();
        let [x_gates, w_hh, h0, c0] = ops.parents;
        let results = [
            (x_gates, grad.x_gates, vec![batch, time, 4 * hidden]),
            (w_hh, grad.w_hh, vec![hidden, 4 * hidden]),
            (h0, grad.h0, vec![batch, hidden]),
            (c0, grad.c0, vec![batch, hidden]),
        ];
        for (parent, values, shape) in results {
            if let Some(node) = parent {
                grads.register::<Flex>(
                    node.id,
                    FlexTensor::from_data(TensorData::new(values, shape)),
                );
            }
        }
    }
}

fn run_forward(
    x_gates: &FlexTensor,
    w_hh: &FlexTensor,
    h0: &FlexTensor,
    c0: &FlexTensor,
) -> (FlexTensor, Tape) {
    let shape = x_gates.layout().shape();
    let (batch, time, gates) = (shape[0], shape[1], shape[2]);
    let dims = Dims {
        batch,
        time,
        hidden: gates / 4,
    };
    let [x_gates, w_hh, h0, c0] = [x_gates, w_hh, h0, c0].map(contiguous);
    let (out, tape) = lstm::forward(dims, slice(&x_gates), slice(&w_hh), slice(&h0), slice(&c0));
    let out = TensorData::new(out, [batch, time + 1, dims.hidden]);
    (FlexTensor::from_data(out), tape)
}

fn contiguous(tensor: &FlexTensor) -> FlexTensor {
    tensor.to_contiguous()
}

/// The f32 values of a contiguous tensor (the models compute in f32 throughout).
fn slice(tensor: &FlexTensor) -> &[f32] {
    tensor
        .as_slice::<f32>()
        .expect("the LSTM kernel computes in f32 on contiguous tensors")
}
