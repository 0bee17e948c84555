//! The `rnn-playground` command (native only; in the browser the JS API in `web/` is the shell).

#[cfg(not(target_arch = "wasm32"))]
mod cli;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    keep_freed_memory();
    cli::main()
}

/// Training allocates and frees buffers of a few hundred KB to a few MB at every step. glibc's
/// defaults give such blocks back to the OS on free (mmap, heap trimming), so each step paid page
/// faults on fresh memory: 15% of the time of an m7 epoch, which these settings remove
/// (BENCHMARKS.md). The memory stays with the process, which needs it again at the next step.
#[cfg(not(target_arch = "wasm32"))]
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator thresholds; called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
