// The page's end of a training worker (www/worker.js): spawns it on one of the two wasm modules,
// asks it things by request id (a promise per question), tells it things (no answer), and retires
// it. A channel holds only its transport; which channel trains lives in the page state.

export class Channel {
  // kind: cpu (pkg-cpu/, what every visitor loads first) | gpu (pkg/, with WebGPU).
  constructor(kind) {
    this.kind = kind;
    this.worker = new Worker(new URL(`./worker.js?module=${kind}`, import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.nextId = 0;
    this.isReady = false; // the worker has loaded its module
    this.retired = null; // why it was ended
    // Settles once: resolved by the worker's `ready`, rejected when it fails before that.
    this.started = new Promise((resolve, reject) => { this.settle = { resolve, reject }; });
    this.started.catch(() => {}); // a failed start is also reported through `listen`
    this.listen(() => {}, (event) => event.preventDefault());
  }

  // Routes the worker's events (replies are dealt with here) and its crash.
  listen(onEvent, onCrash) {
    this.worker.onmessage = ({ data }) => {
      if (data.type === 'reply') {
        this.answer(data);
        return;
      }
      if (data.type === 'ready') {
        this.isReady = true;
        this.settle.resolve();
      } else if (!this.isReady && (data.type === 'error' || data.type === 'deviceLost')) {
        this.settle.reject(new Error(data.message));
      }
      onEvent(data, this);
    };
    this.worker.onerror = (event) => {
      if (!this.isReady) this.settle.reject(new Error(event.message || 'its worker could not start'));
      onCrash(event, this);
    };
  }

  ask(type, payload = {}) {
    if (this.retired) return Promise.reject(new Error(this.retired));
    const id = this.nextId++;
    this.worker.postMessage({ type, id, ...payload });
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  tell(type, payload = {}) {
    if (!this.retired) this.worker.postMessage({ type, ...payload });
  }

  answer(data) {
    const p = this.pending.get(data.id);
    if (!p) return;
    this.pending.delete(data.id);
    if (data.error !== undefined) p.reject(new Error(data.error));
    else p.resolve(data.result);
  }

  // Ends the worker; what was asked of it fails with `why`.
  retire(why) {
    if (this.retired) return;
    this.retired = why;
    this.worker.terminate();
    this.settle.reject(new Error(why));
    for (const p of this.pending.values()) p.reject(new Error(why));
    this.pending.clear();
  }
}
