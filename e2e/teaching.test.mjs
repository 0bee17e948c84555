// The lab's data and state without a browser: every question is answered, every experiment is a
// fair comparison, every line of Rust an explainer quotes is in the code, and the lab's
// transitions ignore what a stopped trial's workers still send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { EXPERIMENTS, EXPLAINERS, TEACHING, CATALOG, QUESTION_COUNT, findTeaching } from '../www/experiments.js';
import { initialLabState, labTransitions, summarize, activationStats, settled } from '../www/lab-state.js';
import { storeOf } from '../www/state.js';
import { resultsCsv } from '../www/lab-view.js';
import { settingsQuery } from '../www/files.js';
import { float32Neighbours } from '../www/widgets.js';

const REPO = new URL('../', import.meta.url);

test('experiments and explainers together answer every question once or more, 1 to 42', () => {
  const covered = new Set(TEACHING.flatMap((t) => t.questions));
  for (let q = 1; q <= QUESTION_COUNT; q++) assert.ok(covered.has(q), `question ${q} has no experiment or explainer`);
  for (const q of covered) assert.ok(Number.isInteger(q) && q >= 1 && q <= QUESTION_COUNT, `question ${q}`);
  assert.equal(CATALOG.length, EXPERIMENTS.length + EXPLAINERS.length);
  for (const c of CATALOG) assert.deepEqual(Object.keys(c).sort(), ['id', 'questions', 'title']);
});

test('ids are unique kebab-case, and findTeaching knows each and nothing else', () => {
  const ids = TEACHING.map((t) => t.id);
  assert.equal(new Set(ids).size, ids.length, ids.join(', '));
  for (const id of ids) {
    assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.equal(findTeaching(id).id, id);
  }
  assert.equal(findTeaching('no-such-thing'), null);
  assert.equal(findTeaching('__proto__'), null);
});

test('each variant differs from its baseline only in its change, on the CPU, same seed and epochs', () => {
  for (const x of EXPERIMENTS) {
    const [base, ...variants] = x.runs;
    assert.ok(variants.length >= 1, x.id);
    assert.deepEqual(base.change, {}, x.id);
    assert.equal(base.settings.backend, 'cpu', x.id);
    assert.ok(Number.isInteger(base.settings.seed), `${x.id} fixes its seed`);
    for (const k of ['model', 'hidden', 'epochs']) assert.ok(k in base.settings, `${x.id}: the baseline names its ${k}`);
    for (const v of variants) {
      assert.ok(Object.keys(v.change).length >= 1, `${x.id}: ${v.label} changes nothing`);
      assert.deepEqual(v.settings, { ...base.settings, ...v.change }, `${x.id}: ${v.label}`);
      for (const k of ['backend', 'seed', 'epochs']) assert.ok(!(k in v.change), `${x.id}: ${v.label} changes ${k}`);
      for (const [k, value] of Object.entries(v.change)) assert.notEqual(base.settings[k], value, `${x.id}: ${v.label} "changes" ${k} to what it was`);
    }
    assert.equal(new Set(x.runs.map((r) => r.label)).size, x.runs.length, `${x.id}: labels tell the runs apart`);
  }
  // The known flaw: "one prediction per token" changed more than the prediction mode.
  const every = findTeaching('every-token');
  assert.deepEqual(every.runs.map((r) => r.change), [{}, { every: true }]);
});

test('explainers carry an answer, and every quoted line of Rust is in its file', async () => {
  for (const e of EXPLAINERS) {
    assert.ok(e.answer.length > 40 && e.look.length > 10, e.id);
    if (e.snippet) {
      const source = await readFile(new URL(e.snippet.rust.path, REPO), 'utf8');
      assert.ok(source.includes(e.snippet.rust.line), `${e.id}: "${e.snippet.rust.line}" is not in ${e.snippet.rust.path}`);
      assert.ok(e.snippet.pytorch.length > 10, e.id);
    }
  }
  assert.deepEqual(EXPLAINERS.filter((e) => e.widget).map((e) => [e.id, e.widget]), [['float-precision', 'float'], ['tanh-sigmoid', 'tanh']]);
});

// A finished run as the runner summarizes it, from made-up numbers.
function fakeRun(settings, { accuracy, params = 1000, hidden = 64 }) {
  return summarize({
    label: 'x', settings, config: { ...settings, hidden, epochs: 2 }, params, backend: 'flex', batchesPerEpoch: 10,
    steps: [{ x: 0.5, loss: 2, grad: 1.5 }, { x: 1, loss: 1, grad: 0.5 }],
    epochs: [{ epoch: 0, train_loss: 1.5, valid_loss: 1.8, accuracy: accuracy - 0.1, seconds: 1 }, { epoch: 1, train_loss: 1.2, valid_loss: 1.6, accuracy, seconds: 3 }],
    activations: { mean_square: 1, step_change_square: 1, max_abs: 1, rms_first: 1, rms_last: 1 },
  });
}

test('every verdict is a sentence with the numbers, whatever the results', () => {
  for (const x of EXPERIMENTS) {
    const results = x.runs.map((r, i) => fakeRun(r.settings, { accuracy: 0.5 + 0.01 * i }));
    const verdict = x.verdict(results);
    assert.equal(typeof verdict, 'string', x.id);
    assert.match(verdict, /\d\.\d/, `${x.id}: ${verdict}`);
    if (x.expect) assert.equal(typeof x.expect(results), 'boolean', x.id);
  }
});

test('summarize gives the last epoch, the mean epoch time and the peak gradient', () => {
  const r = fakeRun({ model: 'm3' }, { accuracy: 0.6 });
  assert.equal(r.accuracy, 0.6);
  assert.equal(r.valid_loss, 1.6);
  assert.equal(r.seconds_per_epoch, 2);
  assert.equal(r.ms_per_batch, 200);
  assert.equal(r.peak_grad_norm, 1.5);
  const csv = resultsCsv({ id: 'demo' }, [r]).trim().split('\n');
  assert.equal(csv.length, 2);
  assert.match(csv[1], /^demo,x,0\.6,1\.6,1\.2,1000,2,200,1\.5,/);
  assert.equal(settingsQuery({ model: 'm7', tie: false, lr: 0.01 }), 'model=m7&tie=0&lr=0.01');
});

test('activation statistics read the last layer', () => {
  // 2 layers, 3 tokens, 2 units; the last layer holds [1, -1], [3, -1], [3, 1].
  const values = new Float32Array([9, 9, 9, 9, 9, 9, 1, -1, 3, -1, 3, 1]);
  const a = activationStats({ layers: 2, tokens: 3, hidden: 2, values });
  assert.equal(a.mean_square, (1 + 1 + 9 + 1 + 9 + 1) / 6);
  assert.equal(a.step_change_square, (4 + 0 + 0 + 4) / 4);
  assert.equal(a.max_abs, 3);
});

test('a stopped trial\'s late messages change nothing', () => {
  const x = findTeaching('carry-state');
  const store = storeOf(initialLabState(), labTransitions);
  const { dispatch, state } = store;
  dispatch('trialStarted', { experiment: x, token: 1 });
  dispatch('trialStopped', { token: 1 });
  dispatch('trialStarted', { experiment: x, token: 2 });
  const progress = { step: 4, total_steps: 10, phase: 'train' };
  assert.equal(dispatch('runProgressed', { token: 1, index: 0, steps: [{ step: 3, loss: 1, grad_norm: 1 }], epochs: [], progress }), false);
  assert.equal(state.trial.runs[0].steps.length, 0);
  assert.equal(dispatch('runProgressed', { token: 2, index: 0, steps: [{ step: 3, loss: 1, grad_norm: 1 }], epochs: [], progress }), true);
  assert.deepEqual(state.trial.runs[0].steps, [{ x: 0.4, loss: 1, grad: 1 }]);
  assert.equal(settled(state.trial), false);
  dispatch('runFailed', { token: 2, index: 0, message: 'no' });
  dispatch('runProbed', { token: 2, index: 1, activations: null });
  assert.equal(settled(state.trial), true);
});

test('float32 neighbours: the gap grows with the number, and runs out of digits near zero', () => {
  assert.equal(float32Neighbours(1).gap, 2 ** -23);
  assert.equal(float32Neighbours(1e6).gap, 0.0625);
  assert.equal(float32Neighbours(16777217).stored, 16777216);
  assert.equal(float32Neighbours(-1).below, -1 - 2 ** -23);
  assert.ok(float32Neighbours(1e-40).subnormal);
  assert.ok(float32Neighbours(1e-40).digits < float32Neighbours(1).digits);
  assert.equal(float32Neighbours(1e39), null);
  assert.equal(float32Neighbours(NaN), null);
});
