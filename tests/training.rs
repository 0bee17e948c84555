#![cfg(not(target_arch = "wasm32"))]
//! Behaviour of the training loop: it learns, it is reproducible, and the chapter's mechanisms
//! (reset, detach, AR/TAR, dropout) do what the book says, where the book says.

use burn::optim::GradientsParams;
use burn::tensor::{Int, Tensor, TensorData};
use rnn_playground::backend::cpu_device;
use rnn_playground::data::{Corpus, baseline_accuracy};
use rnn_playground::model::{LanguageModel, LayerState, Noise};
use rnn_playground::rng::RunRng;
use rnn_playground::train::loss::activation_penalties;
use rnn_playground::train::{Phase, TrainError};
use rnn_playground::{Preset, RunConfig, Trainer};

fn trainer(config: RunConfig) -> Trainer {
    Trainer::new(config, cpu_device()).expect("valid config")
}

fn small_m7(epochs: usize) -> RunConfig {
    RunConfig {
        epochs,
        hidden: 32,
        ..RunConfig::preset(Preset::M7)
    }
}

#[test]
fn a_small_run_beats_the_baseline_clearly() {
    let baseline = baseline_accuracy(&Corpus::human_numbers());
    let mut t = trainer(small_m7(3));
    while !t.is_done() {
        t.run_epoch().unwrap();
    }
    let history = t.history();
    assert_eq!(history.epochs.len(), 3);
    assert_eq!(history.steps.len(), 3 * 49);
    let last = history.epochs.last().unwrap();
    assert!(
        last.accuracy > baseline + 0.2,
        "accuracy {} vs baseline {baseline}",
        last.accuracy
    );
    let first_losses: f64 = history.steps[..10].iter().map(|s| s.loss).sum();
    let last_losses: f64 = history.steps[history.steps.len() - 10..]
        .iter()
        .map(|s| s.loss)
        .sum();
    assert!(
        last_losses < first_losses * 0.7,
        "loss must fall: {first_losses} -> {last_losses}"
    );
}

#[test]
fn same_seed_same_numbers() {
    // Every recorded number (all but the epoch's seconds), twice in a row in one process.
    let run = |seed| {
        let mut t = trainer(RunConfig {
            seed,
            ..small_m7(1)
        });
        t.run_epoch().unwrap().unwrap();
        let mut history = t.history().clone();
        history.epochs.iter_mut().for_each(|e| e.seconds = 0.0);
        history
    };
    let (a, b, c) = (run(3), run(3), run(4));
    assert_eq!(a.steps.len(), 49);
    assert_eq!(
        a, b,
        "the same seed, config and backend give the same metrics"
    );
    assert_ne!(
        a.epochs[0].valid_loss, c.epochs[0].valid_loss,
        "another seed gives another run"
    );
}

#[test]
fn steps_record_the_schedule_and_gradient_norms() {
    let mut t = trainer(small_m7(1));
    t.run_epoch().unwrap();
    let steps = &t.history().steps;
    assert!((steps[0].lr - 1e-2 / 25.0).abs() < 1e-12);
    assert!((steps[0].mom - 0.8).abs() < 1e-12);
    let groups = &t.history().groups;
    assert_eq!(groups, &["embedding", "layer 1", "layer 2", "output"]);
    for s in steps {
        assert!(s.grad_norm > 0.0 && s.grad_norm.is_finite());
        let from_groups: f64 = s.group_grad_norms.iter().map(|g| g * g).sum::<f64>().sqrt();
        assert!(
            (from_groups - s.grad_norm).abs() < 1e-3 * s.grad_norm,
            "{from_groups} vs {}",
            s.grad_norm
        );
    }
}

#[test]
fn reset_zeroes_hidden_state() {
    let mut t = trainer(small_m7(2));
    t.advance().unwrap();
    let state = t
        .hidden_state()
        .expect("stateful models carry state between batches");
    let norm: f32 = state[0].hidden.clone().abs().sum().into_scalar();
    assert!(norm > 0.0);
    t.reset_state();
    assert!(t.hidden_state().is_none());
    // A missing state is a zero state.
    let device = cpu_device();
    let model = LanguageModel::new(&small_m7(1), 30, &device, &mut RunRng::new(1));
    let tokens = || Tensor::<2, Int>::from_data(TensorData::new(vec![1i32, 2, 3], [1, 3]), &device);
    let zeros: Vec<LayerState> = (0..2)
        .map(|_| LayerState {
            hidden: Tensor::zeros([1, 32], &device),
            cell: Some(Tensor::zeros([1, 32], &device)),
        })
        .collect();
    let a = model
        .forward(tokens(), None, &Noise::none())
        .logits
        .into_data();
    let b = model
        .forward(tokens(), Some(zeros), &Noise::none())
        .logits
        .into_data();
    assert_eq!(a, b);
}

#[test]
fn state_is_reset_before_validation_and_each_epoch_only_when_asked() {
    let mut with_reset = trainer(small_m7(2));
    let mut without = trainer(RunConfig {
        reset_state: false,
        ..small_m7(2)
    });
    for t in [&mut with_reset, &mut without] {
        while t.advance().unwrap().phase == Phase::Train {}
    }
    assert!(
        with_reset.hidden_state().is_none(),
        "ModelResetter resets before validation"
    );
    assert!(
        without.hidden_state().is_some(),
        "without reset the state flows into validation"
    );
}

#[test]
fn detach_stops_gradients_at_the_batch_boundary() {
    // Batch 1 uses tokens 1-3 only, batch 2 tokens 4-6: with a detached state, batch 2's loss has
    // no gradient on batch 1's embedding rows; with the raw state it would.
    let device = cpu_device().autodiff();
    // Untied: with tying every embedding row also feeds the output layer.
    let config = RunConfig {
        tie: false,
        ..small_m7(1)
    };
    let model = LanguageModel::new(&config, 30, &device, &mut RunRng::new(1));
    let tokens = |ids: Vec<i32>| Tensor::<2, Int>::from_data(TensorData::new(ids, [1, 3]), &device);
    let grad_on_first_rows = |detach: bool| {
        let first = model.forward(tokens(vec![1, 2, 3]), None, &Noise::none());
        let state = if detach {
            first.state.into_iter().map(LayerState::detached).collect()
        } else {
            first.state
        };
        let second = model.forward(tokens(vec![4, 5, 6]), Some(state), &Noise::none());
        let loss = second.logits.powi_scalar(2).mean();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let g: Tensor<2> = grads.get(model.embedding.id).unwrap();
        g.narrow(0, 1, 3).abs().sum().into_scalar::<f32>()
    };
    assert_eq!(grad_on_first_rows(true), 0.0);
    assert!(
        grad_on_first_rows(false) > 0.0,
        "the test must be able to see a gradient cross"
    );
    // And the trainer keeps a detached state (no autodiff) between batches.
    let mut t = trainer(small_m7(1));
    t.advance().unwrap();
    assert!(!t.hidden_state().unwrap()[0].hidden.is_autodiff());
}

#[test]
fn ar_reads_the_dropped_output_and_tar_the_raw_output() {
    let device = cpu_device();
    let raw = Tensor::<3>::from_data(
        TensorData::new(vec![1.0f32, 3.0, 2.0, 2.0], [1, 2, 2]),
        &device,
    );
    let dropped = Tensor::<3>::from_data(
        TensorData::new(vec![0.0f32, 6.0, 0.0, 4.0], [1, 2, 2]),
        &device,
    );
    let ar = activation_penalties(&raw, &dropped, 2.0, 0.0).into_scalar::<f32>();
    assert!(
        (ar - 2.0 * (36.0 + 16.0) / 4.0).abs() < 1e-5,
        "AR = alpha * mean(dropped^2), got {ar}"
    );
    let tar = activation_penalties(&raw, &dropped, 0.0, 1.0).into_scalar::<f32>();
    // raw[:, 1] - raw[:, 0] = [1, -1]
    assert!(
        (tar - 1.0).abs() < 1e-5,
        "TAR = beta * mean((raw_t+1 - raw_t)^2), got {tar}"
    );
}

#[test]
fn validation_ignores_ar_tar_and_dropout() {
    // Same seed, same initial weights: validation must not depend on training-only settings.
    let plain = trainer(RunConfig {
        dropout: 0.0,
        ar: 0.0,
        tar: 0.0,
        ..small_m7(1)
    });
    let regularized = trainer(RunConfig {
        dropout: 0.9,
        ar: 50.0,
        tar: 50.0,
        ..small_m7(1)
    });
    assert_eq!(plain.evaluate(), regularized.evaluate());
    assert_eq!(
        regularized.evaluate(),
        regularized.evaluate(),
        "no dropout mask in eval"
    );
    // The validation a run records is the same plain cross entropy: with AR 50 and TAR 50 in it,
    // it would be far above what `evaluate` measures of the same weights.
    let mut regularized = regularized;
    let record = regularized.run_epoch().unwrap().unwrap();
    let (loss, accuracy) = regularized.evaluate();
    assert!(
        (record.valid_loss - loss).abs() < 1e-4 && (record.accuracy - accuracy).abs() < 1e-6,
        "recorded {record:?}, evaluated ({loss}, {accuracy})"
    );
}

#[test]
fn tied_weights_are_one_parameter_during_training() {
    let mut t = trainer(small_m7(1));
    let before = t.param_count();
    t.advance().unwrap();
    assert_eq!(t.param_count(), before);
    let model = t.model();
    assert!(model.output_weight.is_none());
    let untied = trainer(RunConfig {
        tie: false,
        ..small_m7(1)
    });
    assert_eq!(untied.param_count() - before, 30 * 32);
}

#[test]
fn a_huge_learning_rate_diverges_and_keeps_the_history() {
    let mut t = trainer(RunConfig {
        lr: 100.0,
        ..RunConfig::preset(Preset::M4)
    });
    let error = loop {
        match t.run_epoch() {
            Ok(_) if t.is_done() => panic!("lr 100 should diverge"),
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    let TrainError::Diverged { step, .. } = error else {
        panic!("expected divergence, got {error:?}")
    };
    assert_eq!(
        t.history().steps.len(),
        step,
        "every step before the bad one is kept"
    );
    assert!(t.history().steps.iter().all(|s| s.loss.is_finite()));
    assert!(error.to_string().contains("lower learning rate"));
    assert!(t.advance().is_err(), "a diverged run stays stopped");
}

#[test]
fn gradient_clipping_tames_a_run_that_blows_up_without_it() {
    // The stacked tanh RNN at lr 1: unclipped, its gradients explode and it ends at the baseline
    // with a huge loss; clipped to norm 1, the same run learns.
    let run = |clip: f64| {
        let mut t = trainer(RunConfig {
            lr: 1.0,
            grad_clip: clip,
            epochs: 1,
            ..RunConfig::preset(Preset::M5)
        });
        t.run_epoch().unwrap().unwrap()
    };
    let (unclipped, clipped) = (run(0.0), run(1.0));
    assert!(clipped.valid_loss.is_finite());
    assert!(
        unclipped.valid_loss > 2.0 * clipped.valid_loss,
        "unclipped {unclipped:?}, clipped {clipped:?}"
    );
    assert!(
        clipped.accuracy > unclipped.accuracy + 0.1,
        "unclipped {unclipped:?}, clipped {clipped:?}"
    );
}

#[test]
fn every_cell_trains() {
    let baseline = baseline_accuracy(&Corpus::human_numbers());
    for cell in ["simple", "rnn", "lstm", "gru"] {
        let mut config = small_m7(1);
        config.set("cell", cell).unwrap();
        let mut t = trainer(config);
        let record = t.run_epoch().unwrap().unwrap();
        assert!(
            record.valid_loss.is_finite() && record.accuracy > baseline + 0.05,
            "{cell}: {record:?}"
        );
    }
}

#[test]
fn predictions_are_probabilities() {
    let t = trainer(small_m7(1));
    let ids = t.corpus().encode("four thousand one hundred").unwrap();
    let probs = t
        .next_token_probs(&ids)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    assert_eq!(probs.len(), 30);
    assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    assert_eq!(t.hidden_activations(&ids).dims(), [2, 4, 32]);
}

#[test]
fn accuracy_by_position_rises_with_context_and_averages_to_the_accuracy() {
    // Each sequence from a zero state (as validation then does too), so the first word of each
    // has no context; with the state carried (the book's m4) every position has some.
    let mut t = trainer(RunConfig {
        epochs: 2,
        hidden: 32,
        stateful: false,
        ..RunConfig::preset(Preset::M4)
    });
    while !t.is_done() {
        t.run_epoch().unwrap();
    }
    let by_position = t.accuracy_by_position().unwrap();
    assert_eq!(by_position.len(), t.config().bptt);
    assert!(
        by_position.iter().all(|a| (0.0..=1.0).contains(a)),
        "{by_position:?}"
    );
    let last4 = by_position[by_position.len() - 4..].iter().sum::<f32>() / 4.0;
    assert!(
        by_position[0] + 0.1 < last4,
        "position 0 ({}) must be clearly below the last four ({last4}): {by_position:?}",
        by_position[0]
    );
    // Every position has one prediction per validation row, so the plain mean is the accuracy.
    let mean = by_position.iter().sum::<f32>() / by_position.len() as f32;
    let (_, accuracy) = t.evaluate();
    assert!(
        (mean as f64 - accuracy).abs() < 1e-5,
        "mean {mean} vs accuracy {accuracy}"
    );
    eprintln!("m4 accuracy by position: {by_position:?} (accuracy {accuracy})");
}

#[test]
fn accuracy_by_position_needs_a_prediction_after_every_token() {
    let t = trainer(RunConfig::preset(Preset::M3));
    let err = t.accuracy_by_position().unwrap_err().to_string();
    assert_eq!(
        err,
        "accuracy by position needs a prediction after every token (every=1)"
    );
}
