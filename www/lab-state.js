// The lab's state: which experiment or explainer is open, and the experiment being run (its
// runs, each trained by its own worker, their curves and the measured results). Changed only by
// the named transitions below, like the page's state (state.js), and independent of the page's
// main run. No DOM, no workers: lab.js talks to the workers, lab-view.js draws.

export function initialLabState() {
  return {
    open: null, // the experiment or explainer shown (an entry of TEACHING in experiments.js)
    trial: null, // the experiment being run, or the one run last (see newTrial)
  };
}

// token: tells this trial's worker messages from those of one stopped before it.
function newTrial(experiment, token) {
  return {
    token,
    experiment,
    phase: 'running', // running | done | failed | stopped
    started: performance.now(),
    runs: experiment.runs.map((r) => ({
      label: r.label,
      settings: r.settings, // what it asked for; `config` is what its worker made of it
      change: r.change,
      phase: 'starting', // starting | training | probing | done | failed
      config: null, params: null, backend: null, batchesPerEpoch: null,
      totalSteps: null,
      steps: [], // { x: fraction of training done after the batch, loss, grad }
      epochs: [],
      fraction: 0,
      error: null,
      activations: null, // the last layer's, on PROBE_TEXT, once trained (activationStats)
      byPosition: null, // validation accuracy at each position, once trained (where asked)
    })),
    results: null, // summarize(run) of each run, once all have finished
    verdict: null,
    asExpected: null, // the experiment's expect(results): true or false, or null without one
    error: null,
  };
}

// The run `index` of the trial `token`, while that trial runs (else null: a late message).
function liveRun(s, token, index) {
  const t = s.trial;
  return t && t.token === token && t.phase === 'running' ? t.runs[index] : null;
}

export const labTransitions = {
  opened(s, { item }) { s.open = item; },
  trialStarted(s, { experiment, token }) { s.trial = newTrial(experiment, token); },
  runCreated(s, { token, index, data }) {
    const run = liveRun(s, token, index);
    if (!run) return false;
    Object.assign(run, { phase: 'training', config: data.config, params: data.paramCount, backend: data.backend, batchesPerEpoch: data.batchesPerEpoch });
    return true;
  },
  runProgressed(s, { token, index, steps, epochs, progress }) {
    const run = liveRun(s, token, index);
    if (!run) return false;
    const total = Math.max(progress.total_steps, 1);
    run.totalSteps = progress.total_steps;
    // Aligned by the share of training done, so runs of different lengths share one axis.
    for (const x of steps) run.steps.push({ x: (x.step + 1) / total, loss: x.loss, grad: x.grad_norm });
    run.epochs.push(...epochs);
    run.fraction = progress.phase === 'done' ? 1 : progress.step / total;
    return true;
  },
  runTrained(s, { token, index }) {
    const run = liveRun(s, token, index);
    if (!run) return false;
    run.phase = 'probing';
    run.fraction = 1;
    return true;
  },
  runProbed(s, { token, index, activations, byPosition = null }) {
    const run = liveRun(s, token, index);
    if (!run) return false;
    run.phase = 'done';
    run.activations = activations;
    run.byPosition = byPosition;
    return true;
  },
  runFailed(s, { token, index, message }) {
    const run = liveRun(s, token, index);
    if (!run) return false;
    run.phase = 'failed';
    run.error = message;
    return true;
  },
  trialConcluded(s, { token, results, verdict, asExpected }) {
    const t = s.trial;
    if (!t || t.token !== token || t.phase !== 'running') return false;
    Object.assign(t, { phase: 'done', results, verdict, asExpected });
    return true;
  },
  trialFailed(s, { token, message }) {
    const t = s.trial;
    if (!t || t.token !== token || t.phase !== 'running') return false;
    Object.assign(t, { phase: 'failed', error: message });
    return true;
  },
  trialStopped(s, { token }) {
    const t = s.trial;
    if (!t || t.token !== token || t.phase !== 'running') return false;
    t.phase = 'stopped';
    return true;
  },
};

/// Whether every run of a trial has finished, one way or the other.
export const settled = (trial) => trial.runs.every((r) => r.phase === 'done' || r.phase === 'failed');

/// A run's measured numbers, as the verdicts, the table, the downloads and the `experiment`
/// event give them (from the last epoch; partial while the run trains).
export function summarize(run) {
  const last = run.epochs[run.epochs.length - 1];
  const secondsPerEpoch = run.epochs.length ? run.epochs.reduce((a, e) => a + e.seconds, 0) / run.epochs.length : NaN;
  const grads = run.steps.map((x) => x.grad).filter(Number.isFinite);
  return {
    label: run.label,
    config: run.config || run.settings,
    accuracy: last ? last.accuracy : NaN,
    valid_loss: last ? last.valid_loss : NaN,
    train_loss: last ? last.train_loss : NaN,
    params: run.params,
    seconds_per_epoch: secondsPerEpoch,
    // The epoch's time (training and validation) over its training batches.
    ms_per_batch: run.batchesPerEpoch ? (1000 * secondsPerEpoch) / run.batchesPerEpoch : NaN,
    peak_grad_norm: grads.length ? grads.reduce((a, b) => Math.max(a, b)) : NaN,
    epochs: run.epochs.length,
    backend: run.backend,
    activations: run.activations,
    // Validation accuracy at each position within the sequence, first word first (experiments
    // that ask for it; null otherwise).
    accuracy_by_position: run.byPosition || null,
  };
}

/// The last layer's activations on a text, from the worker's `hidden` answer ({layers, tokens,
/// hidden, values} in [layer][time][unit] order): mean square (what AR penalizes), mean square
/// change from one word to the next (TAR), largest magnitude, and RMS over the first and the last
/// 8 words.
export function activationStats({ layers, tokens, hidden, values }) {
  const at = (t, u) => values[((layers - 1) * tokens + t) * hidden + u];
  let square = 0;
  let change = 0;
  let maxAbs = 0;
  for (let t = 0; t < tokens; t++) {
    for (let u = 0; u < hidden; u++) {
      const v = at(t, u);
      square += v * v;
      maxAbs = Math.max(maxAbs, Math.abs(v));
      if (t > 0) change += (v - at(t - 1, u)) ** 2;
    }
  }
  const rms = (from, to) => {
    let q = 0;
    for (let t = from; t < to; t++) for (let u = 0; u < hidden; u++) q += at(t, u) ** 2;
    return Math.sqrt(q / Math.max((to - from) * hidden, 1));
  };
  const edge = Math.min(8, tokens);
  return {
    mean_square: square / Math.max(tokens * hidden, 1),
    step_change_square: change / Math.max((tokens - 1) * hidden, 1),
    max_abs: maxAbs,
    rms_first: rms(0, edge),
    rms_last: rms(tokens - edge, tokens),
  };
}
