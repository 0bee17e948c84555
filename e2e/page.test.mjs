// End-to-end test of the page: the built site (dist/) served on 127.0.0.1, driven in Debian's
// Chromium by playwright-core. Run by scripts/test.sh (`node --test e2e/`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { EXPERIMENTS, EXPLAINERS, QUESTION_COUNT } from '../www/experiments.js';

const ROOT = new URL('../dist/', import.meta.url).pathname;
const SHOTS = new URL('../target/e2e/', import.meta.url).pathname;
const BASELINE = 0.15165;
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png' };
// The page must work under this policy (what an embedding site may impose).
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'";

let server;
let origin;
let browser;

before(async () => {
  server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '');
    const file = join(ROOT, path === '' || path.endsWith('/') ? join(path, 'index.html') : path);
    if (!file.startsWith(ROOT)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
  await mkdir(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

// Opens the page with a query; collects console errors, host events, long tasks and requests.
async function open(query, { viewport = { width: 1280, height: 900 }, before = null } = {}) {
  const page = await browser.newPage({ viewport });
  if (before) await before(page);
  const errors = [];
  const foreign = [];
  const requests = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('request', (req) => {
    requests.push(req.url());
    if (!req.url().startsWith(origin)) foreign.push(req.url());
  });
  await page.addInitScript(() => {
    window.__events = [];
    window.addEventListener('message', (e) => { if (e.data && e.data.source === 'rnn-playground') window.__events.push(e.data); });
    window.__longTasks = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration }); })
      .observe({ type: 'longtask', buffered: true });
    // Every value <body data-steps> takes (null: no run), and when: the page's progress draws.
    window.__steps = [];
    new MutationObserver((records) => {
      for (const r of records) window.__steps.push({ at: performance.now(), value: r.target.getAttribute('data-steps') });
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-steps'] });
  });
  await page.goto(`${origin}/index.html${query}`);
  return { page, errors, foreign, requests };
}

const events = (page, type) => page.evaluate((t) => window.__events.filter((e) => e.type === t), type);

// The page's draws of a run's progress after `since` (performance.now() in the page).
const drawsSince = (page, since) => page.evaluate((t0) => window.__steps.filter((d) => d.at > t0), since);
// Main-thread tasks over 1 s after `since`: a generous bound, so that a loaded machine does not
// fail it; a page that blocks on training (a flood of progress, a chart redrawn in full) does.
const longTasksSince = (page, since) => page.evaluate((t0) => window.__longTasks.filter((t) => t.start > t0 && t.duration > 1000), since);

// Pauses a run if it is still training: a small model can finish between a check and a click,
// and Playwright would wait for a disabled Pause button until the test times out.
const pauseIfTraining = (page) => page.evaluate(() => document.querySelector('#pause').click());

async function waitForEvent(page, type, timeout) {
  await page.waitForFunction((t) => window.__events.some((e) => e.type === t || e.type === 'error'), type, { timeout, polling: 250 });
  const errs = await events(page, 'error');
  assert.equal(errs.length, 0, `the page reported an error: ${JSON.stringify(errs)}`);
}

test('the page loads without console errors and reports ready, listing experiments for questions 1 to 42', async () => {
  const { page, errors, foreign, requests } = await open('');
  await waitForEvent(page, 'ready', 60_000);
  const [ready] = await events(page, 'ready');
  assert.ok(['webgpu', 'flex', 'ndarray'].includes(ready.backend), JSON.stringify(ready));
  // It lists the lab's experiments and explainers, which between them answer questions 1 to 42.
  const covered = new Set(ready.experiments.flatMap((x) => x.questions));
  for (let q = 1; q <= QUESTION_COUNT; q++) assert.ok(covered.has(q), `ready.experiments does not answer question ${q}`);
  assert.equal(ready.experiments.length, EXPERIMENTS.length + EXPLAINERS.length);
  for (const x of ready.experiments) assert.ok(x.id && x.title && x.questions.length, JSON.stringify(x));
  assert.deepEqual(errors, []);
  assert.deepEqual(foreign, [], 'no request leaves the page\'s origin');
  // The page, its scripts and styles, the worker and the module: a handful of files, each once.
  const files = requests.map((u) => new URL(u).pathname);
  console.log(`requests on load: ${requests.length} (${files.join(', ')})`);
  assert.ok(requests.length <= 16, `${requests.length} requests: ${files.join(', ')}`);
  assert.equal(new Set(files).size, files.length, `a file was fetched twice: ${files.join(', ')}`);
  // Every visitor loads the CPU-only module first; the WebGPU one only with a hardware adapter
  // (this Chromium's is SwiftShader, which `auto` skips).
  assert.ok(files.includes('/pkg-cpu/rnn_playground_bg.wasm'), files.join(', '));
  assert.ok(!files.includes('/pkg/rnn_playground_bg.wasm'), files.join(', '));
  // What a visitor downloads before the first training step, gzipped: at most 3 MB.
  let gzipped = 0;
  for (const f of files) gzipped += gzipSync(await readFile(join(ROOT, f === '/' ? 'index.html' : f)), { level: 9 }).length;
  console.log(`loaded before training, gzipped: ${gzipped} bytes`);
  assert.ok(gzipped <= 3_000_000, `${gzipped} bytes gzipped`);
  await page.close();
});

test('m7 trains on the CPU from the URL, beats the baseline, and never blocks the page', async () => {
  const { page, errors, foreign } = await open('?model=m7&hidden=32&epochs=2&backend=cpu&autostart=1');
  await waitForEvent(page, 'ready', 60_000);
  const trainingStart = await page.evaluate(() => performance.now());
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'epoch'), null, { timeout: 120_000 });
  await page.screenshot({ path: join(SHOTS, 'training.png'), fullPage: true });
  await waitForEvent(page, 'done', 240_000);
  const epochs = await events(page, 'epoch');
  assert.equal(epochs.length, 2);
  for (const e of epochs) for (const k of ['epoch', 'train_loss', 'valid_loss', 'accuracy', 'seconds', 'backend']) assert.ok(k in e, `epoch event lacks ${k}`);
  assert.ok(epochs[1].accuracy > BASELINE + 0.15, `accuracy ${epochs[1].accuracy} vs baseline ${BASELINE}`);
  const [done] = await events(page, 'done');
  assert.equal(done.accuracy, epochs[1].accuracy);
  assert.deepEqual(await longTasksSince(page, trainingStart), [], 'no main-thread task over 1 s while training');
  // The page draws the run as it goes, a few times a second (the worker sends about a dozen).
  const draws = await drawsSince(page, trainingStart);
  const seconds = (draws[draws.length - 1].at - draws[0].at) / 1000;
  assert.ok(draws.length >= 2 * seconds, `${draws.length} progress draws in ${seconds.toFixed(1)} s of training`);
  await page.screenshot({ path: join(SHOTS, 'done.png'), fullPage: true });
  assert.deepEqual(errors, []);
  assert.deepEqual(foreign, []);
  await page.close();
});

// backend=webgpu: the run starts at once on the CPU module while the WebGPU module loads and
// compiles its kernels, then moves to it. Many epochs, so that it is still training then.
const WEBGPU_RUN = '?model=m6&hidden=8&bs=64&bptt=4&epochs=200&backend=webgpu&autostart=1';

async function waitForHandover(page) {
  await page.waitForFunction(() => window.__events.some((e) => ['handover', 'fallback', 'error'].includes(e.type)) || document.querySelector('#run-error:not([hidden])'), null, { timeout: 300_000, polling: 500 });
  assert.equal(await page.locator('#run-error').isHidden(), true, await page.locator('#run-error').textContent());
  assert.deepEqual(await events(page, 'fallback'), []);
  const [handover] = await events(page, 'handover');
  assert.equal(handover.to, 'webgpu', JSON.stringify(handover));
  return handover;
}

test('backend=webgpu: training starts on the CPU and moves to WebGPU once its kernels are ready, even when measured slower', async () => {
  const { page, errors, requests } = await open(WEBGPU_RUN);
  await waitForEvent(page, 'ready', 60_000);
  await page.waitForFunction(() => Number(document.body.dataset.steps) > 0, null, { timeout: 60_000, polling: 100 });
  assert.equal(await page.evaluate(() => document.body.dataset.backend), 'flex', 'the first steps run on the CPU');
  const handover = await waitForHandover(page);
  assert.ok(handover.step > 0, JSON.stringify(handover));
  // Both backends were timed; SwiftShader is far slower than the CPU, and the link forces it.
  console.log(`backend=webgpu measured: WebGPU ${handover.webgpu_ms_per_batch} ms per batch, CPU ${handover.cpu_ms_per_batch} ms; handover at step ${handover.step} after ${handover.seconds} s`);
  assert.ok(handover.cpu_ms_per_batch > 0 && handover.webgpu_ms_per_batch > handover.cpu_ms_per_batch, JSON.stringify(handover));
  assert.match(await page.locator('#notice').textContent(), /WebGPU [\d.]+ ms per batch, CPU [\d.]+ ms: training on WebGPU, as the link asks/);
  await page.waitForFunction(() => document.body.dataset.backend === 'webgpu', null, { timeout: 240_000, polling: 250 });
  // The history before the handover is kept, and training goes on on the GPU.
  await page.waitForFunction((n) => Number(document.body.dataset.steps) >= n + 8, handover.step, { timeout: 240_000, polling: 500 });
  const backend = await page.locator('#backend').textContent();
  assert.match(backend, /WebGPU/, `backend shown: ${backend}`);
  assert.equal(await page.locator('#run-error').isHidden(), true, await page.locator('#run-error').textContent());
  const losses = await page.evaluate(() => JSON.parse(document.body.dataset.losses));
  assert.ok(losses.every(Number.isFinite), JSON.stringify(losses));
  assert.ok(requests.some((u) => u.endsWith('/pkg/rnn_playground_bg.wasm')), 'the WebGPU module was loaded');
  await page.click('#pause');
  await page.screenshot({ path: join(SHOTS, 'webgpu.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

// Makes this Chromium's SwiftShader adapter pass for a hardware one in the page's workers, so that
// `auto` loads the WebGPU module and times it: a GPU that is slower than the CPU.
const HARDWARE_DISGUISE = `for (const proto of [self.GPUAdapterInfo?.prototype, self.GPUAdapter?.prototype]) {
  if (!proto) continue;
  const fake = { isFallbackAdapter: false, vendor: 'test', architecture: 'disguised', description: 'a slow GPU' };
  for (const [k, v] of Object.entries(fake)) if (k in proto) Object.defineProperty(proto, k, { get: () => v, configurable: true });
}
`;
async function disguiseSwiftShader(page) {
  await page.route(/\/worker\.js(\?|$)/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: HARDWARE_DISGUISE + (await response.text()) });
  });
}

test('auto times WebGPU against the CPU and keeps the run on the CPU when WebGPU is not faster', async () => {
  const { page, errors, requests } = await open(WEBGPU_RUN.replace('backend=webgpu', 'backend=auto'), { before: disguiseSwiftShader });
  await waitForEvent(page, 'ready', 60_000);
  await page.waitForFunction(() => window.__events.some((e) => ['backend', 'handover', 'fallback', 'error'].includes(e.type)), null, { timeout: 300_000, polling: 500 });
  for (const type of ['handover', 'fallback', 'error']) assert.deepEqual(await events(page, type), [], `no ${type} event`);
  assert.ok(requests.some((u) => u.endsWith('/pkg/rnn_playground_bg.wasm')), 'the WebGPU module was loaded to be timed');
  const [choice] = await events(page, 'backend');
  console.log(`auto measured: WebGPU ${choice.webgpu_ms_per_batch} ms per batch, CPU ${choice.cpu_ms_per_batch} ms`);
  assert.equal(choice.backend, 'flex', JSON.stringify(choice));
  assert.ok(choice.cpu_ms_per_batch > 0 && choice.webgpu_ms_per_batch > choice.cpu_ms_per_batch, JSON.stringify(choice));
  assert.match(choice.message, /^WebGPU [\d.]+ ms per batch, CPU [\d.]+ ms: training on the CPU\.$/);
  // Training goes on on the CPU, and the page shows both figures.
  const steps = await page.evaluate(() => Number(document.body.dataset.steps));
  await page.waitForFunction((n) => Number(document.body.dataset.steps) >= n + 8, steps, { timeout: 60_000, polling: 250 });
  assert.equal(await page.evaluate(() => document.body.dataset.backend), 'flex');
  assert.match(await page.locator('#backend').textContent(), /WebGPU [\d.]+ ms per batch, CPU [\d.]+ ms: training on the CPU/);
  await page.click('#pause');
  await page.screenshot({ path: join(SHOTS, 'webgpu-declined.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the URL round-trips every setting', async () => {
  const query = 'model=m6&cell=gru&hidden=48&layers=3&bptt=8&every=1&stateful=1&reset=0&dropout=0.2&ar=1.5&tar=0.5&tie=1&edrop=0.1&wdrop=0.2&lr=0.005&wd=0.05&epochs=3&bs=32&mom_high=0.9&mom_low=0.8&clip=2&shuffle=1&seed=7&backend=cpu';
  const { page, errors } = await open(`?${query}`);
  await waitForEvent(page, 'ready', 60_000);
  const back = new URLSearchParams(await page.evaluate(() => location.search));
  for (const [k, v] of new URLSearchParams(query)) assert.equal(back.get(k), v, `setting ${k}`);
  assert.equal(await page.locator('#ctl-cell').inputValue(), 'gru');
  assert.equal(await page.locator('#ctl-tie').isChecked(), true);
  // Every setting the URL carries (written from the table of settings in Rust) has a control,
  // showing the URL's value, and there is no control for anything else.
  const controls = await page.evaluate(() => [...document.querySelectorAll('.control')].map((c) => c.dataset.key));
  assert.deepEqual([...controls].sort(), [...back.keys()].sort());
  for (const [k, v] of back) {
    const el = page.locator(`#ctl-${k}`);
    const shown = (await el.getAttribute('type')) === 'checkbox' ? ((await el.isChecked()) ? '1' : '0') : await el.inputValue();
    assert.equal(shown, v, `control ${k}`);
  }
  // Its range comes from the table too: dropout's cap is 0.9 there.
  assert.equal(await page.locator('#ctl-dropout').getAttribute('max'), '0.9');
  // A changed control is written back to the URL.
  await page.locator('#ctl-bptt').fill('12');
  await page.locator('#ctl-bptt').dispatchEvent('change');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('bptt') === '12');
  assert.deepEqual(errors, []);
  await page.close();
});

test('embed mode shows only the listed controls', async () => {
  const { page, errors } = await open('?model=m7&embed=1&controls=tie,bptt', { viewport: { width: 800, height: 600 } });
  await waitForEvent(page, 'ready', 60_000);
  const visible = await page.$$eval('.control', (rows) => rows.filter((r) => r.offsetParent !== null).map((r) => r.dataset.key));
  assert.deepEqual(visible.sort(), ['bptt', 'tie']);
  assert.equal(await page.locator('#lab-title').isVisible(), false);
  await page.screenshot({ path: join(SHOTS, 'embed.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the model is drawn as a diagram from the settings, and drawn again when they change', async () => {
  const { page, errors, requests } = await open('?model=m3&backend=cpu');
  await waitForEvent(page, 'ready', 60_000);
  // Loaded when its panel is first opened, not with the page.
  assert.ok(!requests.some((u) => u.endsWith('/diagram.js')), 'diagram.js loads only when its panel opens');
  await page.locator('#diagram-panel summary').click();
  const marks = (mark) => page.locator(`#diagram svg [data-mark="${mark}"]`);
  await marks('shared-hh').first().waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#diagram svg title').count(), 1);
  assert.equal(await marks('shared-hh').count(), 1);
  assert.match(await marks('shared-hh').textContent(), /h_h \(one matrix, used 3 times\)/);
  assert.ok(await marks('detach').count() > 0, 'm3 shows where its carried state is detached');
  assert.equal(await marks('cell').count(), 3, 'three steps, one layer');
  assert.match(await page.locator('#diagram-legend [data-mark=detach]').textContent(), /zeroed at each epoch start and before validation/);
  assert.match(await page.locator('#diagram-caption').textContent(), /m3/);
  for (const mark of ['dropout', 'ar', 'tar', 'tie']) assert.equal(await marks(mark).count(), 0, `m3 has no ${mark}`);
  await page.locator('#diagram-panel').screenshot({ path: join(SHOTS, 'diagram-m3.png') });

  await page.locator('#ctl-model').selectOption('m7');
  await page.waitForFunction(() => document.querySelector('#diagram svg [data-mark=tie]'), null, { timeout: 30_000 });
  for (const mark of ['dropout', 'ar', 'tar', 'tie', 'detach', 'steps']) assert.ok(await marks(mark).count() > 0, `m7 shows ${mark}`);
  assert.deepEqual(await marks('shared-hh').allTextContents(), ["layer 1's h_h (one matrix, used 16 times)", "layer 2's h_h (one matrix, used 16 times)"]);
  assert.equal(await marks('cell').count(), 2 * 7, 'two stacked layers, seven of the 16 steps drawn');
  const caption = await page.locator('#diagram-caption').textContent();
  assert.match(caption, /m6 to m7/);
  for (const word of [/dropout/i, /AR/, /TAR/, /tied/]) assert.match(caption, word);
  await page.locator('#diagram-panel').screenshot({ path: join(SHOTS, 'diagram-m7.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('an invalid parameter shows a notice and the page still trains', async () => {
  const { page, errors } = await open('?model=m7&hidden=-5&epochs=1&bs=256&backend=cpu&autostart=1');
  await waitForEvent(page, 'ready', 60_000);
  const notice = await page.locator('#notice').textContent();
  assert.match(notice, /hidden/);
  await waitForEvent(page, 'epoch', 240_000);
  assert.equal(new URLSearchParams(await page.evaluate(() => location.search)).get('hidden'), '64');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a phone-sized screen gets one readable column', async () => {
  const { page, errors } = await open('?model=m4', { viewport: { width: 390, height: 844 } });
  await waitForEvent(page, 'ready', 60_000);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page is ${overflow}px wider than the screen`);
  await page.screenshot({ path: join(SHOTS, 'phone.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('when the WebGPU module cannot load, training stays on the CPU and says so', async () => {
  // Requests from the page's workers go through its context's routes.
  const broken = (page) => page.context().route('**/pkg/rnn_playground_bg.wasm', (route) => route.fulfill({ status: 404, body: 'gone' }));
  const { page, errors } = await open(WEBGPU_RUN.replace('epochs=200', 'epochs=3'), { before: broken });
  await waitForEvent(page, 'ready', 60_000);
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'fallback'), null, { timeout: 240_000, polling: 250 });
  const [fallback] = await events(page, 'fallback');
  assert.equal(fallback.to, 'cpu', JSON.stringify(fallback));
  assert.match(await page.locator('#notice').textContent(), /WebGPU could not start.*stays on the CPU/);
  // The run it started on the CPU trains to the end.
  await waitForEvent(page, 'done', 120_000);
  assert.equal(await page.evaluate(() => document.body.dataset.backend), 'flex');
  assert.deepEqual(await events(page, 'handover'), []);
  assert.deepEqual(errors.filter((e) => !/404|failed to load|Failed to load/i.test(e)), []);
  await page.close();
});

test('a lost GPU moves the run to the CPU, keeping its history', async () => {
  const { page, errors } = await open(WEBGPU_RUN);
  await waitForEvent(page, 'ready', 60_000);
  await waitForHandover(page);
  await page.waitForFunction(() => document.body.dataset.backend === 'webgpu' && Number(document.body.dataset.checkpointStep) > 0, null, { timeout: 240_000, polling: 250 });
  const saved = await page.evaluate(() => Number(document.body.dataset.checkpointStep));
  const worker = page.workers().find((w) => w.url().includes('module=gpu'));
  const destroyed = await worker.evaluate(() => {
    const device = self.rnnPlayground.gpuDevice();
    if (!device) return false;
    device.destroy();
    return true;
  });
  assert.ok(destroyed, 'the worker saw the GPU device burn asked for');
  await page.waitForFunction(() => document.body.dataset.backend && document.body.dataset.backend !== 'webgpu', null, { timeout: 60_000, polling: 250 });
  const notice = await page.locator('#notice').textContent();
  assert.match(notice, /GPU stopped[\s\S]*continues on the CPU/, notice);
  const [fallback] = await events(page, 'fallback');
  assert.equal(fallback.step, saved, JSON.stringify(fallback));
  // Training goes on from the checkpoint on the CPU, and the history before it is kept.
  await page.waitForFunction((n) => Number(document.body.dataset.steps) > n + 4, saved, { timeout: 60_000, polling: 250 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'training');
  // A tiny model trains thousands of batches a second on the CPU: the worker's progress must not
  // flood the page (it did when turns were a fixed 4 batches with no pause between them).
  // Counted rather than timed, so that a loaded machine does not fail it: a flood is hundreds of
  // progress messages a second, where the worker's turns send about a dozen.
  const since = await page.evaluate(() => performance.now());
  await page.waitForTimeout(3000);
  const draws = (await drawsSince(page, since)).length;
  assert.ok(draws >= 3 && draws <= 300, `${draws} progress draws in 3 s while a tiny model trains`);
  assert.deepEqual(await longTasksSince(page, since), [], 'no main-thread task over 1 s while a tiny model trains');
  const asked = Date.now();
  await page.evaluate(() => document.body.dataset.steps);
  assert.ok(Date.now() - asked < 5000, `the page took ${Date.now() - asked} ms to answer while a tiny model trains`);
  assert.equal(await page.locator('#run-error').isHidden(), true, await page.locator('#run-error').textContent());
  assert.equal((await events(page, 'error')).length, 0);
  await page.click('#pause');
  await page.screenshot({ path: join(SHOTS, 'gpu-lost.png'), fullPage: true });
  assert.deepEqual(errors.filter((e) => !/destroy|lost|Device/i.test(e)), []);
  await page.close();
});

test('a crashed worker is replaced: the error shows, the charts stay, Train works again', async () => {
  const { page, errors } = await open('?model=m7&hidden=16&epochs=5&backend=cpu&autostart=1');
  await waitForEvent(page, 'ready', 60_000);
  await page.waitForFunction(() => Number(document.body.dataset.steps) >= 4, null, { timeout: 60_000, polling: 250 });
  const [worker] = page.workers();
  await worker.evaluate(() => setTimeout(() => { throw new Error('simulated crash'); }, 0));
  await page.waitForFunction(() => document.querySelector('#run-error:not([hidden])'), null, { timeout: 30_000, polling: 250 });
  assert.match(await page.locator('#run-error').textContent(), /training worker stopped.*simulated crash/);
  const [error] = await events(page, 'error');
  assert.match(error.message, /simulated crash/);
  await page.waitForFunction(() => ['idle', 'done'].includes(document.body.dataset.state), null, { timeout: 30_000, polling: 250 });
  const kept = await page.evaluate(() => Number(document.body.dataset.steps));
  assert.ok(kept >= 4, `the charts keep the run's ${kept} steps`);
  // The old worker is gone: nothing more arrives from it.
  await page.waitForTimeout(1_500);
  assert.equal(await page.evaluate(() => Number(document.body.dataset.steps)), kept, 'the crashed worker was not stopped');
  assert.equal(page.workers().length, 1, `${page.workers().length} workers`);
  const points = await page.evaluate(() => JSON.parse(document.body.dataset.losses).length);
  assert.ok(points > 0);
  // A new run starts in the new worker, without a reload.
  await page.click('#train');
  await page.waitForFunction(() => document.body.dataset.state === 'training' && Number(document.body.dataset.steps) >= 4 && document.body.dataset.backend, null, { timeout: 60_000, polling: 250 });
  await pauseIfTraining(page);
  assert.deepEqual(errors.filter((e) => !/simulated crash/.test(e)), []);
  await page.close();
});

// ---- keep and share: the main run's exports, and the run as a file ----

const SMALL_RUN = '?model=m7&hidden=16&epochs=2&backend=cpu&autostart=1';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// Clicks `selector` and reads the file the browser saves: its suggested name and its bytes.
async function download(page, selector) {
  const [saved] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click(selector)]);
  assert.equal(await saved.failure(), null, `the download of ${selector} failed`);
  return { name: saved.suggestedFilename(), bytes: await readFile(await saved.path()) };
}

const epochRows = (page) => page.$$eval('#epoch-table tbody tr', (rows) => rows.map((r) => r.textContent));

test('the run\'s history, the kept runs and the charts download as CSV, JSON and PNG', async () => {
  const { page, errors, foreign } = await open(SMALL_RUN);
  await waitForEvent(page, 'done', 240_000);
  const epochs = await events(page, 'epoch');
  const steps = await page.evaluate(() => Number(document.body.dataset.steps));
  const csv = async (selector) => (await download(page, selector)).bytes.toString('utf8').trim().split('\n');

  const perEpoch = await csv('#export-epochs-csv');
  assert.equal(perEpoch[0], 'epoch,train_loss,valid_loss,accuracy,seconds');
  assert.equal(perEpoch.length, 1 + epochs.length);
  perEpoch.slice(1).forEach((row, i) => assert.equal(Number(row.split(',')[3]), epochs[i].accuracy, row));

  const perBatch = await csv('#export-steps-csv');
  assert.match(perBatch[0], /^step,epoch,loss,lr,mom,grad_norm,grad_norm_embedding,/);
  assert.equal(perBatch.length, 1 + steps);
  const columns = perBatch[0].split(',').length;
  assert.ok(perBatch.slice(1).every((row) => row.split(',').length === columns && row.split(',').every((c) => c !== '' && Number.isFinite(Number(c)))));

  const history = await download(page, '#export-history-json');
  assert.equal(history.name, 'rnn-playground-m7-history.json');
  const saved = JSON.parse(history.bytes.toString('utf8'));
  assert.equal(saved.epochs.length, epochs.length);
  assert.equal(saved.steps.length, steps);
  assert.equal(saved.settings.hidden, 16);
  assert.deepEqual(saved.epochs.map((e) => e.accuracy), epochs.map((e) => e.accuracy));

  // The kept runs: nothing to save until one is kept.
  assert.equal(await page.locator('#export-kept-csv').isDisabled(), true);
  await page.click('#keep');
  const kept = await csv('#export-kept-csv');
  assert.equal(kept.length, 2);
  assert.match(kept[0], /^label,params,valid_loss,accuracy,seconds_per_epoch,backend,settings$/);
  assert.ok(kept[1].includes(`,${epochs[1].accuracy},`) && /model=m7&/.test(kept[1]), kept[1]);
  const keptJson = JSON.parse((await download(page, '#export-kept-json')).bytes.toString('utf8'));
  assert.equal(keptJson.length, 1);
  assert.equal(keptJson[0].accuracy, epochs[1].accuracy);

  for (const chart of ['loss', 'epoch', 'grad']) {
    const image = await download(page, `#export-${chart}-png`);
    assert.match(image.name, /^rnn-playground-.*\.png$/);
    assert.ok(image.bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${chart}: not a PNG`);
    assert.ok(image.bytes.length > 2_000, `${chart}: ${image.bytes.length} bytes`);
    await writeFile(join(SHOTS, `chart-${chart}.png`), image.bytes);
  }
  assert.equal(await page.locator('#file-error').isHidden(), true, await page.locator('#file-error').textContent());
  await page.locator('#share').screenshot({ path: join(SHOTS, 'share.png') });
  assert.deepEqual(errors, []);
  assert.deepEqual(foreign, []);
  await page.close();
});

test('a saved run opens after a reload with its history; a file that is not a run is refused', async () => {
  const { page, errors } = await open(SMALL_RUN);
  await waitForEvent(page, 'done', 240_000);
  const steps = await page.evaluate(() => document.body.dataset.steps);
  const rows = await epochRows(page);
  assert.equal(rows.length, 2);
  const file = await download(page, '#save-run');
  assert.equal(file.name, 'rnn-playground-m7-epoch2.rnnpckpt');
  assert.equal(file.bytes.subarray(0, 8).toString('latin1'), 'RNNPCKPT');
  await page.close();

  // A fresh page with other settings: the file brings its own.
  const { page: again, errors: againErrors } = await open('?model=m4&backend=cpu');
  await waitForEvent(again, 'ready', 60_000);
  const notARun = { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('definitely not a checkpoint') };
  await again.setInputFiles('#open-run', notARun);
  await again.waitForSelector('#file-error:not([hidden])', { timeout: 30_000 });
  assert.match(await again.locator('#file-error').textContent(), /"notes\.txt" could not be opened: not a usable checkpoint: it does not start with RNNPCKPT/);
  assert.equal(await again.evaluate(() => document.body.dataset.state), 'idle');

  await again.setInputFiles('#open-run', { name: file.name, mimeType: 'application/octet-stream', buffer: file.bytes });
  await again.waitForFunction((n) => document.body.dataset.steps === n, steps, { timeout: 60_000, polling: 100 });
  assert.equal(await again.evaluate(() => document.body.dataset.state), 'done');
  assert.deepEqual(await epochRows(again), rows);
  assert.equal(await again.locator('#file-error').isHidden(), true);
  assert.equal(await again.locator('#ctl-model').inputValue(), 'm7');
  assert.equal(await again.locator('#ctl-hidden').inputValue(), '16');
  assert.equal(new URLSearchParams(await again.evaluate(() => location.search)).get('model'), 'm7');
  assert.match(await again.locator('#progress-text').textContent(), /Opened a saved run\. Finished 2 epochs/);
  // The restored model answers, as the trained one did.
  await again.click('#predict-form button');
  await again.waitForSelector('#predictions li', { timeout: 30_000 });

  // A bad file now leaves the opened run as it was.
  await again.setInputFiles('#open-run', { ...notARun, buffer: file.bytes.subarray(0, 40) });
  await again.waitForSelector('#file-error:not([hidden])', { timeout: 30_000 });
  assert.match(await again.locator('#file-error').textContent(), /not a usable checkpoint/);
  assert.equal(await again.evaluate(() => document.body.dataset.steps), steps);
  assert.equal(await again.evaluate(() => document.body.dataset.state), 'done');
  await again.click('#predict-form button');
  assert.equal(await again.locator('#explain-error').isHidden(), true);

  // A finished run, as usual: Reset gives fresh weights, Train a new run.
  await again.click('#reset');
  await again.waitForFunction(() => document.body.dataset.state === 'idle' && document.body.dataset.steps === undefined, null, { timeout: 30_000 });
  await again.click('#train');
  await again.waitForFunction(() => document.body.dataset.state === 'training' && Number(document.body.dataset.steps) >= 4, null, { timeout: 60_000, polling: 100 });
  await pauseIfTraining(again);
  assert.equal((await epochRows(again)).length <= 2, true);
  assert.deepEqual(errors, []);
  assert.deepEqual(againErrors, []);
  await again.close();
});

test('a run saved mid-epoch opens paused and goes on as if it had never stopped', async () => {
  // The same run straight through, for its numbers.
  const straight = await open(SMALL_RUN);
  await waitForEvent(straight.page, 'done', 240_000);
  const [expected] = await events(straight.page, 'done');
  await straight.page.close();

  const { page, errors } = await open(SMALL_RUN.replace('&autostart=1', ''));
  await waitForEvent(page, 'ready', 60_000);
  for (let n = 1; n <= 3; n++) {
    await page.click('#step');
    await page.waitForFunction((k) => Number(document.body.dataset.steps) === k, n, { timeout: 60_000, polling: 100 });
  }
  const file = await download(page, '#save-run');
  assert.equal(file.name, 'rnn-playground-m7-epoch0-step3.rnnpckpt');
  await page.close();

  const { page: again, errors: againErrors } = await open('?backend=cpu');
  await waitForEvent(again, 'ready', 60_000);
  await again.setInputFiles('#open-run', { name: file.name, mimeType: 'application/octet-stream', buffer: file.bytes });
  await again.waitForFunction(() => document.body.dataset.state === 'paused' && document.body.dataset.steps === '3', null, { timeout: 60_000, polling: 100 });
  assert.equal(await again.locator('#train').textContent(), 'Resume');
  assert.match(await again.locator('#progress-text').textContent(), /Opened a saved run at epoch 1 of 2, batch 3 of \d+\. Press Resume/);
  await again.click('#train');
  // A file refused while the run trains leaves it training.
  await again.setInputFiles('#open-run', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a run') });
  await again.waitForSelector('#file-error:not([hidden])', { timeout: 30_000 });
  await waitForEvent(again, 'done', 240_000);
  const [done] = await events(again, 'done');
  assert.deepEqual([done.epochs, done.train_loss, done.valid_loss, done.accuracy], [expected.epochs, expected.train_loss, expected.valid_loss, expected.accuracy]);
  assert.equal((await epochRows(again)).length, 2);
  assert.deepEqual(errors, []);
  assert.deepEqual(againErrors, []);
  await again.close();
});

test('the page takes no commands from its host', async () => {
  const { page, errors } = await open('?model=m7&hidden=16&epochs=1&backend=cpu');
  await waitForEvent(page, 'ready', 60_000);
  // Messages shaped like commands, from the page's own window (as a host page's would arrive).
  await page.evaluate(() => {
    for (const type of ['start', 'train', 'resume', 'step', 'reset', 'restore', 'predict']) {
      window.postMessage({ source: 'rnn-playground', type, config: { model: 'm1' } }, '*');
      window.postMessage({ type, config: { model: 'm1' } }, '*');
    }
  });
  await page.waitForTimeout(2_000);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'idle');
  assert.equal(await page.evaluate(() => document.body.dataset.steps), undefined);
  assert.equal(await page.locator('#ctl-model').inputValue(), 'm7');
  assert.deepEqual(errors, []);
  await page.close();
});

test('embedded in a page of another origin, it trains and reports to its host', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  // The host is about:blank (an opaque origin): any read of it from the frame would throw.
  await page.evaluate(() => {
    window.__events = [];
    window.addEventListener('message', (e) => { if (e.data && e.data.source === 'rnn-playground') window.__events.push(e.data); });
  });
  const src = `${origin}/index.html?model=m7&hidden=16&epochs=1&backend=cpu&embed=1&autostart=1`;
  await page.evaluate((url) => {
    const frame = document.createElement('iframe');
    frame.src = url;
    frame.width = 800;
    frame.height = 600;
    document.body.append(frame);
  }, src);
  await page.waitForFunction(() => window.__events.some((e) => ['done', 'error'].includes(e.type)), null, { timeout: 240_000, polling: 500 });
  const types = await page.evaluate(() => window.__events.map((e) => e.type));
  assert.deepEqual(types.filter((t) => t !== 'epoch'), ['ready', 'done'], types.join(', '));
  assert.ok(types.includes('epoch'));
  assert.deepEqual(errors, []);
  await page.close();
});

// ---- the lab: the chapter's questions as experiments and explainers ----

const finite = (x) => typeof x === 'number' && Number.isFinite(x);

// Waits until the page has no worker but its main one: the lab retires each run's worker.
async function waitForWorkers(page, n, timeout = 10_000) {
  const until = Date.now() + timeout;
  while (page.workers().length !== n && Date.now() < until) await page.waitForTimeout(100);
  return page.workers().length;
}

test('every experiment, linked with autostart, trains its runs and reports a measured verdict', async () => {
  const measured = [];
  for (const x of EXPERIMENTS) {
    const { page, errors, foreign } = await open(`?experiment=${x.id}&autostart=1`);
    await waitForEvent(page, 'ready', 60_000);
    const started = Date.now();
    await waitForEvent(page, 'experiment', 180_000);
    const seconds = (Date.now() - started) / 1000;
    const [event] = await events(page, 'experiment');
    assert.equal(event.id, x.id);
    assert.equal(event.runs.length, x.runs.length, x.id);
    event.runs.forEach((r, i) => {
      assert.equal(r.label, x.runs[i].label);
      for (const k of ['accuracy', 'valid_loss', 'train_loss', 'params', 'seconds_per_epoch', 'ms_per_batch', 'peak_grad_norm']) assert.ok(finite(r[k]), `${x.id}, ${r.label}: ${k} = ${r[k]}`);
      assert.ok(r.accuracy > 0 && r.accuracy < 1, `${x.id}: accuracy ${r.accuracy}`);
      assert.equal(r.backend, 'flex', `${x.id} trains on the CPU`);
      // The full config, as the worker made it: the run's settings, and the recipe's for the rest.
      for (const [k, v] of Object.entries(x.runs[i].settings)) assert.equal(r.config[k], v, `${x.id}, ${r.label}: ${k}`);
      assert.ok(finite(r.config.lr) && finite(r.config.hidden), JSON.stringify(r.config));
      assert.ok(r.activations && finite(r.activations.mean_square), `${x.id}: activations measured`);
    });
    assert.ok(typeof event.verdict === 'string' && event.verdict.length > 20, event.verdict);
    // Where the book states a direction, the event's numbers show it.
    if (x.expect) {
      assert.equal(x.expect(event.runs), true, `${x.id}: not as the book says: ${event.verdict}`);
      assert.equal(event.as_expected, true);
    } else {
      assert.equal(event.as_expected, null);
    }
    // Each run's epochs are reported, labelled, and the main run never started.
    const epochs = await events(page, 'epoch');
    for (const r of x.runs) assert.equal(epochs.filter((e) => e.label === r.label).length, r.settings.epochs, `${x.id}: epoch events of ${r.label}`);
    assert.ok(epochs.every((e) => e.experiment === x.id && finite(e.accuracy) && e.backend === 'flex'));
    assert.deepEqual(await events(page, 'done'), []);
    assert.equal(await page.evaluate(() => document.body.dataset.steps), undefined);
    // The page shows the verdict, and the runs' workers are gone.
    await page.waitForFunction(() => document.querySelector('#lab').dataset.lab === 'done', null, { timeout: 5_000 });
    assert.match(await page.locator('#lab-verdict').textContent(), /\d/);
    assert.equal(await page.locator('#lab-results tbody tr').count(), x.runs.length);
    assert.equal(await waitForWorkers(page, 1), 1, `${x.id}: its run workers were retired`);
    await page.locator('#lab').screenshot({ path: join(SHOTS, `lab-${x.id}.png`) });
    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, []);
    console.log(`experiment ${x.id} (questions ${x.questions.join(', ')}): ${seconds.toFixed(1)} s, ${x.runs.length} runs. ${event.verdict}`);
    measured.push({ id: x.id, seconds });
    await page.close();
  }
  console.log(`all ${measured.length} experiments: ${measured.reduce((a, m) => a + m.seconds, 0).toFixed(0)} s of training`);
});

test('context-by-position: accuracy at each position within the sequence rises from the first word to the last', async () => {
  const { page, errors } = await open('?experiment=context-by-position&autostart=1');
  await waitForEvent(page, 'experiment', 180_000);
  const [event] = await events(page, 'experiment');
  assert.equal(event.id, 'context-by-position');
  const a = event.runs[0].accuracy_by_position;
  assert.ok(Array.isArray(a) && a.length === event.runs[0].config.bptt, JSON.stringify(a));
  assert.ok(a.every((v) => finite(v) && v >= 0 && v <= 1), JSON.stringify(a));
  const last4 = a.slice(-4).reduce((x, y) => x + y, 0) / 4;
  assert.ok(a[0] < a[a.length - 1] && a[0] < last4, `first ${a[0]}, last ${a[a.length - 1]}: ${JSON.stringify(a)}`);
  // Every position has one prediction per validation row: the mean is the reported accuracy.
  const mean = a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(Math.abs(mean - event.runs[0].accuracy) < 1e-4, `mean ${mean} vs accuracy ${event.runs[0].accuracy}`);
  assert.equal(event.as_expected, true);
  assert.match(event.verdict, /^position 1: 0\.\d\d; position 16: 0\.\d\d/);
  await page.waitForFunction(() => document.querySelector('#lab').dataset.lab === 'done', null, { timeout: 5_000 });
  assert.equal(await page.locator('#lab-positions').isVisible(), true);
  const b = event.runs[1].accuracy_by_position;
  assert.ok(Array.isArray(b) && b.length === a.length && b[0] > a[0], `carried state: ${JSON.stringify(b)}`);
  assert.equal(await page.locator('#lab-positions svg rect').count(), a.length + b.length);
  assert.deepEqual(errors, []);
  console.log(`context-by-position: ${event.verdict} [${a.map((v) => v.toFixed(3)).join(', ')}] carried [${b.map((v) => v.toFixed(3)).join(', ')}]`);
  await page.close();
});

test('the results download as CSV and JSON from Blob URLs, under the page\'s CSP', async () => {
  const { page, errors } = await open('?experiment=carry-state&autostart=1');
  await waitForEvent(page, 'experiment', 180_000);
  const [event] = await events(page, 'experiment');
  const read = async (selector) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    assert.match(await page.locator(selector).getAttribute('href'), /^blob:/);
    return { name: download.suggestedFilename(), text: await readFile(await download.path(), 'utf8') };
  };
  const json = await read('#lab-json');
  assert.equal(json.name, 'carry-state.json');
  const saved = JSON.parse(json.text);
  assert.equal(saved.id, 'carry-state');
  assert.equal(saved.verdict, event.verdict);
  assert.deepEqual(saved.runs.map((r) => [r.label, r.accuracy, r.params]), event.runs.map((r) => [r.label, r.accuracy, r.params]));
  const csv = await read('#lab-csv');
  assert.equal(csv.name, 'carry-state.csv');
  const rows = csv.text.trim().split('\n');
  assert.equal(rows.length, 1 + event.runs.length);
  assert.match(rows[0], /^experiment,label,accuracy,valid_loss/);
  assert.ok(rows[1].startsWith(`carry-state,${event.runs[0].label},${event.runs[0].accuracy},`), rows[1]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('two experiment runs train side by side without blocking the page', async () => {
  const { page, errors } = await open('?model=m7&hidden=16&epochs=1&backend=cpu&experiment=text-in-order&autostart=1');
  await waitForEvent(page, 'ready', 60_000);
  const since = await page.evaluate(() => performance.now());
  await page.waitForFunction(() => Number(document.querySelector('#lab').dataset.steps) > 0, null, { timeout: 60_000, polling: 100 });
  assert.equal(await waitForWorkers(page, 3), 3, 'the main worker and one per run');
  await waitForEvent(page, 'experiment', 180_000);
  // Drawn as it goes, a few times a second, with no main-thread task over 1 s.
  const draws = (await drawsSince(page, since)).filter((d) => d.value !== null);
  const seconds = (draws[draws.length - 1].at - draws[0].at) / 1000;
  console.log(`lab: ${draws.length} progress draws in ${seconds.toFixed(1)} s of two runs training`);
  assert.ok(draws.length >= 2 * seconds, `${draws.length} progress draws in ${seconds.toFixed(1)} s`);
  assert.deepEqual(await longTasksSince(page, since), [], 'no main-thread task over 1 s while two runs train');
  // The main run is untouched: it never trained, and Train still starts it.
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'idle');
  await page.click('#train');
  await waitForEvent(page, 'done', 120_000);
  const [done] = await events(page, 'done');
  assert.equal(done.config.model, 'm7');
  assert.equal(done.config.hidden, 16);
  assert.deepEqual(errors, []);
  await page.close();
});

// The two bugs of the old guided experiments, which ran through the main run: an experiment
// pressed after Step resumed the paused run under the experiment's settings, and a run still
// training was kept as the experiment's baseline. Experiments now train in their own workers
// with their own baselines: the main run stays as it was, and nothing is kept from it.
test('an experiment neither resumes a paused main run nor keeps it as a baseline', async () => {
  const { page, errors } = await open('?model=m7&hidden=16&epochs=2&backend=cpu&experiment=weight-tying');
  await waitForEvent(page, 'ready', 60_000);
  await page.click('#step');
  await page.waitForFunction(() => Number(document.body.dataset.steps) === 1, null, { timeout: 60_000, polling: 100 });
  const query = await page.evaluate(() => location.search);
  await page.click('#lab-run');
  await waitForEvent(page, 'experiment', 180_000);
  const [event] = await events(page, 'experiment');
  assert.equal(event.id, 'weight-tying');
  assert.deepEqual(event.runs.map((r) => r.config.tie).sort(), [false, true], 'the experiment ran its own baseline and variant');
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'paused', 'the main run is still paused');
  assert.equal(await page.evaluate(() => document.body.dataset.steps), '1', 'and was not resumed');
  assert.equal(new URLSearchParams(await page.evaluate(() => location.search)).get('tie'), new URLSearchParams(query).get('tie'), 'the main settings are unchanged');
  assert.equal(await page.locator('#compare-table tbody tr').count(), 0, 'no run was kept as a baseline');
  // Resume goes on with the main run's own settings.
  await page.click('#train');
  await waitForEvent(page, 'done', 120_000);
  const [done] = await events(page, 'done');
  assert.deepEqual([done.config.model, done.config.hidden, done.config.tie], ['m7', 16, true]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('every explainer, linked with autostart, answers at once; the list opens items in place', async () => {
  for (const x of EXPLAINERS) {
    const { page, errors } = await open(`?experiment=${x.id}&autostart=1`);
    await waitForEvent(page, 'experiment', 60_000);
    const [event] = await events(page, 'experiment');
    assert.deepEqual({ id: event.id, runs: event.runs, verdict: event.verdict }, { id: x.id, runs: [], verdict: x.answer });
    assert.equal(await page.locator('#lab-item-title').textContent(), x.title);
    assert.equal(await page.locator('.lab-answer').textContent(), x.answer);
    if (x.snippet) assert.equal(await page.locator('.lab-code code').nth(1).textContent(), x.snippet.rust.line);
    assert.equal(page.workers().length, 1, 'an explainer trains nothing');
    assert.deepEqual(errors, []);
    await page.close();
  }
  // Opened from the list, the widgets draw, and the link names the item.
  const { page, errors } = await open('?experiment=float-precision');
  await waitForEvent(page, 'ready', 60_000);
  await page.fill('#float-input', '1000000');
  await page.waitForFunction(() => /0\.0625/.test(document.querySelector('#float-table').textContent));
  await page.fill('#float-input', '1e-40');
  await page.waitForFunction(() => /exponent has run out/.test(document.querySelector('#float-note').textContent));
  await page.locator('#lab-detail').screenshot({ path: join(SHOTS, 'widget-float.png') });
  await page.click('#lab-list a[href="?experiment=tanh-sigmoid"]');
  await page.waitForSelector('#tanh-canvas');
  assert.equal(new URLSearchParams(await page.evaluate(() => location.search)).get('experiment'), 'tanh-sigmoid');
  await page.locator('#tanh-x').fill('2');
  const said = await page.locator('#tanh-out').textContent();
  const [t, viaSigmoid] = [...said.matchAll(/= (-?[\d.]+);/g)].map((m) => Number(m[1]));
  assert.ok(Math.abs(t - Math.tanh(2)) < 1e-6 && Math.abs(viaSigmoid - t) < 1e-6, said);
  await page.locator('#lab-detail').screenshot({ path: join(SHOTS, 'widget-tanh.png') });
  // An experiment opened from the list waits for Run; Stop retires its workers.
  await page.click('#lab-list a[href="?experiment=lstm-high-lr"]');
  await page.click('#lab-run');
  await page.waitForFunction(() => Number(document.querySelector('#lab').dataset.steps) > 0, null, { timeout: 60_000, polling: 100 });
  await page.click('#lab-stop');
  await page.waitForFunction(() => document.querySelector('#lab').dataset.lab === 'stopped', null, { timeout: 5_000 });
  assert.equal(await waitForWorkers(page, 1), 1, 'Stop retired the runs\' workers');
  await page.screenshot({ path: join(SHOTS, 'lab.png'), fullPage: true });
  assert.deepEqual(await events(page, 'experiment'), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an unknown experiment id gets a notice naming the valid ids, and nothing trains', async () => {
  const { page, errors } = await open('?experiment=no-such-thing&autostart=1&model=m7&backend=cpu');
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'ready'), null, { timeout: 60_000 });
  const notice = await page.locator('#notice').textContent();
  assert.match(notice, /no experiment or explainer "no-such-thing"/);
  for (const x of [...EXPERIMENTS, ...EXPLAINERS]) assert.ok(notice.includes(x.id), `the notice names ${x.id}`);
  const [error] = await events(page, 'error');
  assert.equal(error.message, notice);
  await page.waitForTimeout(1_500);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'idle');
  assert.equal(page.workers().length, 1);
  assert.deepEqual(errors, []);
  await page.close();
});
