// The lab: opens the chapter's experiments and explainers, and runs an experiment's runs at once,
// each in its own CPU worker, apart from the page's main run. Loaded on first use (app.js imports
// it dynamically). The state is in lab-state.js, the drawing in lab-view.js.
import { storeOf } from './state.js';
import { Channel } from './rpc.js';
import { findTeaching, PROBE_TEXT } from './experiments.js';
import { initialLabState, labTransitions, settled, summarize, activationStats } from './lab-state.js';
import { LabView } from './lab-view.js';

const message = (error) => (error && error.message ? error.message : String(error));

// emit(type, payload): events to the host page, as app.js sends them.
export function createLab({ emit }) {
  const store = storeOf(initialLabState(), labTransitions);
  const s = store.state;
  const dispatch = store.dispatch;
  const view = new LabView({ onRun: (id) => start(id), onStop: stop, widgets: () => import('./widgets.js') });
  store.subscribe((state) => view.schedule(state));
  let channels = []; // the running trial's workers, one per run
  let token = 0;

  // Shows an experiment or explainer (scrolled into view when asked). False for an unknown id.
  function open(id, { scroll = false } = {}) {
    const item = findTeaching(id);
    if (!item) return false;
    dispatch('opened', { item });
    view.draw(s); // at once, so that it can be scrolled to
    if (scroll) document.querySelector('#lab').scrollIntoView({ block: 'start' });
    return true;
  }

  // Runs an experiment (an explainer answers at once). A trial still running is stopped first.
  function start(id) {
    const item = findTeaching(id);
    if (!item) return;
    if (s.open !== item) open(id);
    if (item.kind === 'explainer') {
      emit('experiment', { id: item.id, runs: [], verdict: item.answer, as_expected: null });
      return;
    }
    stop();
    token += 1;
    const t = token;
    dispatch('trialStarted', { experiment: item, token: t });
    channels = item.runs.map((run, i) => startRun(t, i, run));
  }

  function stop() {
    for (const c of channels) c.retire('the experiment was stopped');
    channels = [];
    if (s.trial) dispatch('trialStopped', { token: s.trial.token });
  }

  function startRun(t, index, run) {
    const channel = new Channel('cpu');
    channel.listen((data) => onRunMessage(t, index, channel, data), (event) => {
      event.preventDefault();
      fail(t, index, channel, `its worker stopped: ${event.message || 'unknown error'}`);
    });
    channel.started.then(() => channel.tell('start', { config: run.settings }), () => {}); // a failed start arrives as an error
    return channel;
  }

  function onRunMessage(t, index, channel, data) {
    switch (data.type) {
      case 'created':
        dispatch('runCreated', { token: t, index, data });
        break;
      case 'progress': {
        if (!dispatch('runProgressed', { token: t, index, steps: data.steps, epochs: data.epochs, progress: data.progress })) break;
        const run = s.trial.runs[index];
        for (const e of data.epochs) {
          emit('epoch', { epoch: e.epoch, train_loss: e.train_loss, valid_loss: e.valid_loss, accuracy: e.accuracy, seconds: e.seconds, backend: run.backend, label: run.label, experiment: s.trial.experiment.id });
        }
        break;
      }
      case 'done':
        if (dispatch('runTrained', { token: t, index })) probe(t, index, channel);
        break;
      case 'error':
        fail(t, index, channel, data.message);
        break;
    }
  }

  // The trained model reads PROBE_TEXT once, so the lab can measure its activations; where the
  // experiment asks, its validation accuracy at each position within the sequence too.
  async function probe(t, index, channel) {
    let activations = null;
    let byPosition = null;
    try {
      activations = activationStats(await channel.ask('hidden', { text: PROBE_TEXT }));
    } catch (error) {
      if (channel.retired) return; // stopped meanwhile
      activations = null; // the numbers of training still stand
    }
    if (s.trial && s.trial.token === t && s.trial.experiment.byPosition) {
      try {
        byPosition = Array.from(await channel.ask('accuracyByPosition', {}));
      } catch (error) {
        if (channel.retired) return;
        byPosition = null;
      }
    }
    channel.retire('its run has finished');
    if (dispatch('runProbed', { token: t, index, activations, byPosition })) conclude(t);
  }

  function fail(t, index, channel, why) {
    channel.retire('its run failed');
    if (dispatch('runFailed', { token: t, index, message: why })) conclude(t);
  }

  // Once every run has finished: the verdict from the measured numbers, and the event.
  function conclude(t) {
    const trial = s.trial;
    if (!trial || trial.token !== t || !settled(trial)) return;
    const x = trial.experiment;
    const failed = trial.runs.filter((r) => r.phase === 'failed');
    if (failed.length) {
      const why = `Experiment ${x.id}: ${failed.map((r) => `the run "${r.label}" stopped (${r.error})`).join('; ')}.`;
      dispatch('trialFailed', { token: t, message: why });
      emit('error', { message: why });
      return;
    }
    const results = trial.runs.map(summarize);
    let verdict;
    let asExpected = null;
    try {
      verdict = x.verdict(results);
      if (x.expect) asExpected = !!x.expect(results);
    } catch (error) {
      verdict = `The runs finished, but their verdict could not be written: ${message(error)}.`;
    }
    dispatch('trialConcluded', { token: t, results, verdict, asExpected });
    emit('experiment', { id: x.id, runs: results, verdict, as_expected: asExpected });
  }

  return { open, start, stop, store };
}
