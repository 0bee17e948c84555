// Times m7 (book recipe, a few epochs) in headless Chromium on the page's CPU backend (wasm) and
// on WebGPU (SwiftShader here), plus the time from pressing Train to the first loss point. With
// backend=webgpu the run starts on the CPU module and moves to WebGPU once its module is loaded and
// its kernels compiled (the `handover` event): that time is reported too.
//   node bench/browser_epoch.mjs [--epochs 2] [--webgpu-batches 6]
// Needs the built site (bash scripts/build-site.sh).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((a) => a.trim().split(/\s+/)));
const EPOCHS = Number(args.epochs ?? 2);
const GPU_BATCHES = Number(args['webgpu-batches'] ?? 6);
const ROOT = new URL('../dist/', import.meta.url).pathname;
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };

const server = createServer(async (req, res) => {
  const path = normalize(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
  try {
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    res.end(await readFile(join(ROOT, path)));
  } catch { res.writeHead(404).end(); }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});

async function measure(query, until) {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    window.__events = [];
    window.addEventListener('message', (e) => { if (e.data?.source === 'rnn-playground') window.__events.push({ ...e.data, at: performance.now() }); });
  });
  await page.goto(`${origin}/index.html?${query}`);
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'ready'), null, { timeout: 120_000 });
  const pressed = await page.evaluate(() => { document.querySelector('#train').click(); return performance.now(); });
  await page.waitForFunction(() => Number(document.body.dataset.steps) >= 1, null, { timeout: 600_000, polling: 50 });
  const firstLoss = (await page.evaluate(() => performance.now())) - pressed;
  const result = await until(page, pressed);
  await page.close();
  return { firstLossSeconds: firstLoss / 1000, ...result };
}

const cpu = await measure(`model=m7&epochs=${EPOCHS}&backend=cpu`, async (page) => {
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'done' || e.type === 'error'), null, { timeout: 1_800_000, polling: 500 });
  const epochs = await page.evaluate(() => window.__events.filter((e) => e.type === 'epoch'));
  return { epochSeconds: epochs.map((e) => e.seconds), accuracy: epochs.at(-1)?.accuracy };
});
console.log(JSON.stringify({ backend: 'cpu (wasm, flex)', model: 'm7', ...cpu }));

// --webgpu-batches 0 skips WebGPU (SwiftShader compiles for minutes). 200 epochs, so that the
// run is still training on the CPU when WebGPU is ready to take it over.
const gpu = GPU_BATCHES > 0 && await measure('model=m7&epochs=200&backend=webgpu', async (page, pressed) => {
  await page.waitForFunction(() => window.__events.some((e) => ['handover', 'fallback', 'error'].includes(e.type)), null, { timeout: 1_800_000, polling: 500 });
  const handover = await page.evaluate(() => window.__events.find((e) => e.type === 'handover'));
  if (!handover) throw new Error(JSON.stringify(await page.evaluate(() => window.__events)));
  await page.waitForFunction(() => document.body.dataset.backend === 'webgpu', null, { timeout: 600_000, polling: 200 });
  const t0 = await page.evaluate(() => performance.now());
  const n0 = await page.evaluate(() => Number(document.body.dataset.steps));
  await page.waitForFunction((n) => Number(document.body.dataset.steps) >= n, n0 + GPU_BATCHES, { timeout: 1_800_000, polling: 200 });
  const t1 = await page.evaluate(() => performance.now());
  const n1 = await page.evaluate(() => Number(document.body.dataset.steps));
  await page.click('#pause');
  const perBatch = (t1 - t0) / 1000 / (n1 - n0);
  // An m7 epoch is 49 training batches plus 12 validation batches (about a third of the work each).
  return {
    handoverSecondsAfterTrain: (handover.at - pressed) / 1000,
    webgpuModuleAndKernelsSeconds: handover.seconds,
    handoverStep: handover.step,
    secondsPerTrainingBatch: perBatch,
    estimatedEpochSeconds: perBatch * (49 + 12 / 3),
    batchesTimed: n1 - n0,
  };
});
if (gpu) console.log(JSON.stringify({ backend: 'webgpu (SwiftShader)', model: 'm7', ...gpu }));

await browser.close();
server.close();
