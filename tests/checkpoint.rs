#![cfg(not(target_arch = "wasm32"))]
//! Checkpoints: a run restored from one goes on exactly as the original, and bytes that are not a
//! checkpoint are refused with a reason, never a panic.

use rnn_playground::backend::cpu_device;
use rnn_playground::train::{Checkpoint, History};
use rnn_playground::{BackendChoice, Preset, RunConfig, Trainer};

/// A run that exercises everything a checkpoint carries: dropout (the generator), the carried
/// hidden and cell state, the optimizer's averages and the one-cycle position.
fn config() -> RunConfig {
    RunConfig {
        epochs: 2,
        hidden: 16,
        ..RunConfig::preset(Preset::M7)
    }
}

fn finish(trainer: &mut Trainer) -> History {
    while !trainer.is_done() {
        trainer.advance().unwrap();
    }
    trainer.flush().unwrap();
    let mut history = trainer.history().clone();
    for e in &mut history.epochs {
        e.seconds = 0.0; // the only field that may differ
    }
    history
}

#[test]
fn a_restored_run_continues_exactly_as_the_original() {
    let mut original = Trainer::new(config(), cpu_device()).unwrap();
    let per_epoch = original.batches_per_epoch();
    // Past the first epoch's validation and into the second epoch, so the checkpoint holds a
    // finished epoch, a carried state and a part-done epoch.
    let mut advanced = 0;
    while original.progress(false).step < per_epoch + 5 {
        original.advance().unwrap();
        advanced += 1;
    }
    assert!(advanced > per_epoch + 5, "validation batches ran too");
    let checkpoint = original.checkpoint().unwrap();
    assert_eq!(checkpoint.step(), per_epoch + 5);
    assert_eq!(checkpoint.epoch(), 1);
    assert_eq!(checkpoint.history().epochs.len(), 1);
    assert!(original.hidden_state().is_some(), "m7 carries its state");

    let bytes = checkpoint.to_bytes();
    let mut restored =
        Trainer::from_checkpoint(Checkpoint::from_bytes(&bytes).unwrap(), cpu_device()).unwrap();
    assert_eq!(restored.history(), original.history());
    assert_eq!(restored.progress(false).step, per_epoch + 5);

    let (a, b) = (finish(&mut original), finish(&mut restored));
    assert_eq!(a.steps.len(), 2 * per_epoch);
    assert_eq!(
        a, b,
        "the restored run must repeat the original's every number"
    );
}

#[test]
fn a_checkpoint_at_the_start_or_the_end_restores_too() {
    let mut fresh = Trainer::new(config(), cpu_device()).unwrap();
    let at_start = fresh.checkpoint().unwrap();
    let mut from_start = Trainer::from_checkpoint(at_start, cpu_device()).unwrap();
    assert_eq!(finish(&mut fresh), finish(&mut from_start));

    let at_end = fresh.checkpoint().unwrap();
    let restored = Trainer::from_checkpoint(at_end, cpu_device()).unwrap();
    assert!(restored.is_done());
    assert_eq!(restored.history().epochs.len(), 2);
}

#[test]
fn a_checkpoint_can_move_to_another_backend_choice() {
    let mut t = Trainer::new(config(), cpu_device()).unwrap();
    t.advance().unwrap();
    let mut checkpoint = t.checkpoint().unwrap();
    checkpoint.set_backend(BackendChoice::Cpu);
    let restored = Trainer::from_checkpoint(checkpoint, cpu_device()).unwrap();
    assert_eq!(restored.config().backend, BackendChoice::Cpu);
    assert_eq!(restored.evaluate(), t.evaluate());
}

#[test]
fn no_checkpoint_while_validating() {
    let mut t = Trainer::new(config(), cpu_device()).unwrap();
    while t.progress(false).phase != rnn_playground::train::Phase::Valid {
        t.advance().unwrap();
    }
    let error = t.checkpoint().unwrap_err().to_string();
    assert!(error.contains("validating"), "{error}");
    assert!(!error.contains("device"), "not a device failure: {error}");
}

#[test]
fn bytes_that_are_not_a_checkpoint_are_refused_with_a_reason() {
    let mut t = Trainer::new(config(), cpu_device()).unwrap();
    t.advance().unwrap();
    let good = t.checkpoint().unwrap().to_bytes();
    let refuse = |bytes: &[u8], why: &str| {
        let error = Checkpoint::from_bytes(bytes).unwrap_err().to_string();
        assert!(error.contains(why), "{error:?} should say {why:?}");
    };
    refuse(b"", "RNNPCKPT");
    refuse(b"hello world, not a checkpoint", "RNNPCKPT");
    refuse(&good[..good.len() - 4], "numbers");
    refuse(&good[..good.len() - 2], "cut short");
    refuse(&good[..20], "cut short");
    let mut huge_header = good.clone();
    huge_header[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    refuse(&huge_header, "cut short");
    let mut garbled = good.clone();
    garbled[14] = b'#';
    refuse(&garbled, "header");

    // A readable header whose config builds another model than its numbers fit: refused by the
    // reader (the carried state), or, with no state carried, when the weights are loaded.
    let fresh = Trainer::new(config(), cpu_device())
        .unwrap()
        .checkpoint()
        .unwrap()
        .to_bytes();
    for bytes in [good, fresh] {
        let header_len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
        let header = std::str::from_utf8(&bytes[12..12 + header_len]).unwrap();
        let other_header = header.replacen("\"hidden\":16", "\"hidden\":17", 1);
        assert_ne!(other_header, header);
        let mut other = bytes.clone();
        other[12..12 + header_len].copy_from_slice(other_header.as_bytes());
        let error = match Checkpoint::from_bytes(&other) {
            Err(e) => e,
            Ok(c) => Trainer::from_checkpoint(c, cpu_device()).err().unwrap(),
        }
        .to_string();
        assert!(error.contains("not fit"), "{error}");
    }
}

/// The checkpoint with its JSON header changed by `edit` (the rest kept, re-padded).
fn with_header(bytes: &[u8], edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let header_len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    let mut header: serde_json::Value =
        serde_json::from_slice(&bytes[12..12 + header_len]).unwrap();
    edit(&mut header);
    let text = serde_json::to_vec(&header).unwrap();
    let mut out = b"RNNPCKPT".to_vec();
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(&text);
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
    out.extend_from_slice(&bytes[(12 + header_len).div_ceil(8) * 8..]);
    out
}

#[test]
fn a_header_with_an_impossible_position_is_refused_not_run() {
    let mut t = Trainer::new(config(), cpu_device()).unwrap();
    for _ in 0..3 {
        t.advance().unwrap();
    }
    let good = t.checkpoint().unwrap().to_bytes();
    // The helper itself keeps a good checkpoint good.
    let same = with_header(&good, |_| {});
    assert!(Trainer::from_checkpoint(Checkpoint::from_bytes(&same).unwrap(), cpu_device()).is_ok());

    let refused = |edit: &dyn Fn(&mut serde_json::Value), why: &str| {
        let bytes = with_header(&good, |h| edit(h));
        let error = match Checkpoint::from_bytes(&bytes) {
            Err(e) => e,
            Ok(c) => Trainer::from_checkpoint(c, cpu_device()).err().unwrap(),
        }
        .to_string();
        assert!(error.contains(why), "{error}");
    };
    refused(&|h| h["batch"] = 10_000.into(), "position");
    refused(&|h| h["epoch"] = 99.into(), "position");
    refused(&|h| h["step"] = 2.into(), "position");
    refused(&|h| h["phase"] = "done".into(), "position");
    refused(&|h| h["phase"] = "valid".into(), "position");
    refused(
        &|h| h["groups"] = serde_json::json!(["a", "b", "c", "d"]),
        "position",
    );
    refused(&|h| h["hidden"][0][0][0] = 63.into(), "hidden state");

    // An absurd elapsed time restores (the epoch's clock just restarts) rather than panicking.
    let slow = with_header(&good, |h| h["epoch_seconds"] = 1e300.into());
    let mut restored =
        Trainer::from_checkpoint(Checkpoint::from_bytes(&slow).unwrap(), cpu_device()).unwrap();
    restored.advance().unwrap();
}
