// The WebGPU module's lifecycle: every visitor trains on the CPU module first; when the browser
// offers a GPU adapter worth trying, a second worker loads the WebGPU module, times the run's
// steps against the CPU, and takes over only when clearly faster (or when the link insists).
//   none → starting → warm → adopted   |   starting → declined | failed   |   adopted → none (lost)
import { Channel } from './rpc.js';

export class GpuLifecycle {
  // store: the page state; emit: events to the host page; listeners: the page's handlers for the
  // events and the crash of the worker that trains, given to the WebGPU one when it takes over.
  constructor({ store, emit, listeners }) {
    this.store = store;
    this.emit = emit;
    this.listeners = listeners;
  }

  get state() { return this.store.state; }

  // Whether the settings and the adapter make the WebGPU module worth loading: always for
  // backend=webgpu; for auto, only with a hardware adapter (a software one is slower than the CPU).
  wanted() {
    const { gpu, backend, settings } = this.state;
    const a = gpu.adapter;
    if (!a || !a.available || backend.channel.kind === 'gpu') return false;
    return settings.backend === 'webgpu' || (settings.backend === 'auto' && !a.software);
  }

  // Whether the CPU worker trains the next run while a WebGPU module is loading or was tried.
  cpuStays() {
    return ['starting', 'failed', 'declined'].includes(this.state.gpu.phase);
  }

  async start() {
    const s = this.state;
    if (s.gpu.phase !== 'none' || !this.wanted()) return;
    const channel = new Channel('gpu');
    // A crash while it is timed fails what was asked of it, and so the start.
    channel.listen(() => {}, (event) => {
      event.preventDefault();
      channel.retire(event.message || 'its worker stopped');
    });
    this.store.dispatch('gpuStarting', { channel });
    this.showBackend().catch(() => {}); // it shows its own error
    let figures;
    try {
      await channel.started;
      // The run being trained, if any, is what would move; else the settings' next run.
      const config = { ...(s.run && s.run.config ? s.run.config : s.settings), backend: 'webgpu' };
      const onGpu = await channel.ask('measure', { config });
      const onCpu = await s.backend.channel.ask('measure', { config: { ...config, backend: 'cpu' } });
      figures = { webgpu_ms_per_batch: onGpu.msPerBatch, cpu_ms_per_batch: onCpu.msPerBatch };
    } catch (error) {
      if (s.gpu.channel === channel) this.failed(channel, error);
      return;
    }
    if (s.gpu.channel !== channel) return;
    this.store.dispatch('gpuMeasured', { figures, forced: s.settings.backend === 'webgpu' });
    if (s.gpu.phase === 'warm') {
      await this.adopt();
      return;
    }
    channel.retire('WebGPU is not faster here');
    this.emit('backend', { backend: s.run && s.run.backend ? s.run.backend : 'flex', ...figures, message: s.gpu.verdict });
    this.showBackend().catch(() => {});
  }

  failed(channel, error) {
    channel.retire('WebGPU did not start');
    const message = `WebGPU could not start (${error.message.replace(/\.$/, '')}); training stays on the CPU.`;
    this.store.dispatch('gpuFailed', { message });
    const run = this.state.run;
    this.emit('fallback', { from: 'webgpu', to: 'cpu', step: run ? run.steps.length : 0, message });
    this.showBackend().catch(() => {});
  }

  // Makes the warm WebGPU worker the one that trains: now when no run needs the CPU worker, by a
  // handover when a run is training or paused on it, or at the next Train after a finished run
  // (whose model answers predictions until then; see `beforeRun`).
  async adopt() {
    const s = this.state;
    if (s.gpu.phase !== 'warm') return;
    if (s.phase === 'training' || s.phase === 'paused') await this.handover();
    else if (!s.run) this.swap();
  }

  // A new run is about to start: it starts on the warm WebGPU worker, if there is one.
  beforeRun() {
    if (this.state.gpu.phase === 'warm') this.swap();
  }

  swap() {
    const old = this.state.backend.channel;
    this.state.gpu.channel.listen(this.listeners.onEvent, this.listeners.onCrash);
    this.store.dispatch('adopted');
    old.retire('the run moved to the GPU');
    this.showBackend().catch(() => {}); // it shows its own error
  }

  // Moves the run from the CPU worker to the warm WebGPU worker through a checkpoint.
  async handover() {
    const s = this.state;
    let saved;
    try {
      saved = await s.backend.channel.ask('handover');
    } catch {
      return;
    }
    if (!saved || !s.run) return; // finished meanwhile: the next Train starts on the GPU
    const resume = saved.wasRunning && s.phase === 'training';
    this.store.dispatch('handover', { saved });
    this.swap();
    s.backend.channel.tell('restore', { bytes: saved.bytes, backend: 'webgpu', resume });
    this.emit('handover', { from: 'flex', to: 'webgpu', step: saved.step, seconds: s.gpu.ready, ...s.gpu.figures });
  }

  // The settings' backend changed: try WebGPU if now wanted, else say what the CPU will use.
  backendChanged() {
    if (this.state.settings.backend === 'webgpu') this.store.dispatch('gpuRetry');
    if (this.wanted()) this.start();
    else this.showBackend().catch(() => {});
  }

  // The backend line, while no run says which backend it got; resolves to the probe's answer.
  async showBackend() {
    const { gpu, backend, settings } = this.state;
    if (gpu.phase === 'starting') {
      this.store.dispatch('backendShown', {});
      return null;
    }
    try {
      const probed = await backend.channel.ask('probeBackend', { backend: backend.channel.kind === 'cpu' && this.cpuStays() ? 'cpu' : settings.backend });
      this.store.dispatch('backendShown', probed);
      return probed;
    } catch (error) {
      this.store.dispatch('backendShown', { error: error.message });
      throw error;
    }
  }
}
