//! fastai's default optimizer: Adam with beta2 = 0.99, eps = 1e-5 added after the square root,
//! debiasing with the current beta1, and decoupled weight decay applied before the step
//! (p *= 1 - lr * wd), skipped for Linear biases. Written out because burn's AdamW neither takes
//! a beta1 that changes every step (the one-cycle momentum) nor exempts chosen parameters.

use std::collections::{HashMap, HashSet};

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

const BETA2: f64 = 0.99;
const EPS: f64 = 1e-5;

/// Running averages of one parameter (flattened).
#[derive(Clone)]
struct AdamState {
    grad_avg: Tensor<1>,
    sqr_avg: Tensor<1>,
    step: i32,
}

/// Hyper-parameters of one optimizer step.
#[derive(Debug, Clone, Copy)]
pub struct StepSettings {
    pub lr: f64,
    pub beta1: f64,
    pub wd: f64,
}

#[derive(Clone, Default)]
pub struct FastaiAdam {
    states: HashMap<ParamId, AdamState>,
    no_decay: HashSet<ParamId>,
}

impl FastaiAdam {
    pub fn new(no_decay: impl IntoIterator<Item = ParamId>) -> Self {
        FastaiAdam {
            states: HashMap::new(),
            no_decay: no_decay.into_iter().collect(),
        }
    }

    /// The running averages of one parameter (flattened) and the steps that made them, if it has
    /// been updated.
    pub fn moments(&self, id: &ParamId) -> Option<(Tensor<1>, Tensor<1>, i32)> {
        self.states
            .get(id)
            .map(|s| (s.grad_avg.clone(), s.sqr_avg.clone(), s.step))
    }

    /// Puts back what `moments` gave (a restored checkpoint).
    pub fn set_moments(&mut self, id: ParamId, grad_avg: Tensor<1>, sqr_avg: Tensor<1>, step: i32) {
        self.states.insert(
            id,
            AdamState {
                grad_avg,
                sqr_avg,
                step,
            },
        );
    }

    /// Updates every parameter of `module` that has a gradient. `grad_scale` (a one-element
    /// tensor) multiplies all gradients first: gradient clipping without reading the norm back.
    pub fn step<M: Module>(
        &mut self,
        module: M,
        grads: GradientsParams,
        settings: StepSettings,
        grad_scale: Option<Tensor<1>>,
    ) -> M {
        let mut mapper = AdamMapper {
            optim: self,
            grads,
            settings,
            grad_scale,
        };
        module.map(&mut mapper)
    }
}

struct AdamMapper<'a> {
    optim: &'a mut FastaiAdam,
    grads: GradientsParams,
    settings: StepSettings,
    grad_scale: Option<Tensor<1>>,
}

impl ModuleMapper for AdamMapper<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let dims = tensor.dims();
        let n: usize = dims.iter().product();
        let StepSettings { lr, beta1, wd } = self.settings;
        let mut grad = grad.reshape([n]);
        if let Some(scale) = &self.grad_scale {
            grad = grad * scale.clone();
        }
        let mut value = tensor.inner().reshape([n]);
        if !self.optim.no_decay.contains(&id) && wd != 0.0 {
            value = value.mul_scalar(1.0 - lr * wd);
        }
        let state = match self.optim.states.remove(&id) {
            Some(s) => AdamState {
                grad_avg: s.grad_avg.mul_scalar(beta1) + grad.clone().mul_scalar(1.0 - beta1),
                sqr_avg: s.sqr_avg.mul_scalar(BETA2) + grad.powi_scalar(2).mul_scalar(1.0 - BETA2),
                step: s.step + 1,
            },
            None => AdamState {
                grad_avg: grad.clone().mul_scalar(1.0 - beta1),
                sqr_avg: grad.powi_scalar(2).mul_scalar(1.0 - BETA2),
                step: 1,
            },
        };
        let debias1 = 1.0 - beta1.powi(state.step);
        let debias2 = 1.0 - BETA2.powi(state.step);
        let denom = state
            .sqr_avg
            .clone()
            .div_scalar(debias2)
            .sqrt()
            .add_scalar(EPS);
        let value = value - (state.grad_avg.clone() / denom).mul_scalar(lr / debias1);
        self.optim.states.insert(id, state);
        let updated = Tensor::from_inner(value.reshape(dims)).require_grad();
        Param::from_mapped_value(id, updated, mapper)
    }
}

/// Sums of squared gradients per group of parameters (e.g. per layer), each a one-element tensor
/// still on the device: reading them is left to the caller, batched with other metrics.
pub fn grad_square_sums<M: Module>(
    module: &M,
    grads: &GradientsParams,
    groups: &[(String, Vec<ParamId>)],
) -> Vec<Tensor<1>> {
    let group_of: HashMap<ParamId, usize> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, (_, ids))| ids.iter().map(move |id| (*id, g)))
        .collect();
    let mut visitor = SquareSums {
        grads,
        group_of,
        sums: vec![None; groups.len()],
    };
    module.visit(&mut visitor);
    let device = visitor.sums.iter().flatten().next().map(|t| t.device());
    visitor
        .sums
        .into_iter()
        .map(|s| {
            s.unwrap_or_else(|| Tensor::zeros([1], device.as_ref().expect("at least one gradient")))
        })
        .collect()
}

struct SquareSums<'a> {
    grads: &'a GradientsParams,
    group_of: HashMap<ParamId, usize>,
    sums: Vec<Option<Tensor<1>>>,
}

impl ModuleVisitor for SquareSums<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let (Some(grad), Some(&group)) =
            (self.grads.get::<D>(param.id), self.group_of.get(&param.id))
        else {
            return;
        };
        let sq = grad.powi_scalar(2).sum();
        self.sums[group] = Some(match self.sums[group].take() {
            Some(total) => total + sq,
            None => sq,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::*;
    use burn::module::Module;

    #[derive(Module, Debug)]
    struct Two {
        w: Param<Tensor<1>>,
        b: Param<Tensor<1>>,
    }

    fn setup() -> (Two, GradientsParams) {
        let device = device().autodiff();
        let two = Two {
            w: Param::from_tensor(Tensor::from_floats([1.0, -2.0], &device)),
            b: Param::from_tensor(Tensor::from_floats([0.5], &device)),
        };
        // loss = sum(w * [3, 4]) + 2 b: grads [3, 4] and [2].
        let loss = (two.w.val() * Tensor::from_floats([3.0, 4.0], &device)).sum()
            + two.b.val().mul_scalar(2.0).sum();
        let grads = GradientsParams::from_grads(loss.backward(), &two);
        (two, grads)
    }

    #[test]
    fn first_step_matches_fastais_formula() {
        let (two, grads) = setup();
        let mut adam = FastaiAdam::new([two.b.id]);
        let s = StepSettings {
            lr: 0.1,
            beta1: 0.9,
            wd: 0.5,
        };
        let two = adam.step(two, grads, s, None);
        // Step 1: avg = 0.1 g, sqr = 0.01 g^2; debiased: g and g^2; update = lr * g / (|g| + eps).
        let expect = |p: f64, g: f64, wd: f64| p * (1.0 - 0.1 * wd) - 0.1 * g / (g.abs() + EPS);
        let w = values(two.w.val().inner());
        assert_close(
            &w,
            &[expect(1.0, 3.0, 0.5) as f32, expect(-2.0, 4.0, 0.5) as f32],
            1e-6,
        );
        // The bias is exempt from weight decay.
        assert_close(
            &values(two.b.val().inner()),
            &[expect(0.5, 2.0, 0.0) as f32],
            1e-6,
        );
        assert!(
            two.w.val().is_require_grad(),
            "updated parameters keep requiring gradients"
        );
    }

    #[test]
    fn second_step_uses_running_averages_and_current_beta1() {
        let (two, grads) = setup();
        let mut adam = FastaiAdam::new([]);
        let two = adam.step(
            two,
            grads,
            StepSettings {
                lr: 0.1,
                beta1: 0.9,
                wd: 0.0,
            },
            None,
        );
        let device = two.w.val().device();
        let loss =
            (two.w.val() * Tensor::from_floats([3.0, 4.0], &device)).sum() + two.b.val().sum();
        let grads = GradientsParams::from_grads(loss.backward(), &two);
        let before = values(two.w.val().inner());
        let two = adam.step(
            two,
            grads,
            StepSettings {
                lr: 0.1,
                beta1: 0.8,
                wd: 0.0,
            },
            None,
        );
        // Same gradient twice: avg = 0.8 * 0.1 g + 0.2 g = 0.28 g, debias1 = 1 - 0.8^2 = 0.36;
        // sqr = 0.99 * 0.01 g^2 + 0.01 g^2 = 0.0199 g^2, debias2 = 1 - 0.99^2 = 0.0199.
        let step = |g: f64| 0.1 * (0.28 * g / 0.36) / (g.abs() + EPS);
        let after = values(two.w.val().inner());
        assert_close(
            &after,
            &[before[0] - step(3.0) as f32, before[1] - step(4.0) as f32],
            1e-6,
        );
    }

    #[test]
    fn grad_norms_by_group() {
        let (two, grads) = setup();
        let groups = vec![
            ("w".to_string(), vec![two.w.id]),
            ("b".to_string(), vec![two.b.id]),
        ];
        let sums = grad_square_sums(&two, &grads, &groups);
        assert_close(&values(sums[0].clone()), &[25.0], 1e-6);
        assert_close(&values(sums[1].clone()), &[4.0], 1e-6);
    }
}
