//! How a kernel splits a batch's rows across cores: rayon natively, a single chunk in wasm (one
//! thread). A kernel that computes each row alone gives the same numbers for any split.

/// Rows per chunk for about `chunks` chunks, none of them a single row unless the batch is one:
/// the matrix product takes another path for one row, which rounds differently.
pub(super) fn rows_per_chunk(batch: usize, chunks: usize) -> usize {
    let mut rows = batch.div_ceil(chunks.clamp(1, batch));
    while rows < batch && batch % rows == 1 {
        rows += 1;
    }
    rows
}

/// One chunk per core natively (at least 8 rows each), one in wasm (a single thread).
pub(super) fn default_chunks(batch: usize) -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    let cores = rayon::current_num_threads();
    #[cfg(target_arch = "wasm32")]
    let cores = 1;
    cores.min(batch / 8).max(1)
}

pub(super) fn for_each_chunk<T: Send>(chunks: Vec<T>, work: impl Fn(T) + Sync + Send) {
    map_chunks(chunks, work);
}

pub(super) fn map_chunks<T: Send, R: Send>(
    chunks: Vec<T>,
    work: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    #[cfg(not(target_arch = "wasm32"))]
    if chunks.len() > 1 {
        use rayon::prelude::*;
        return chunks.into_par_iter().map(work).collect();
    }
    chunks.into_iter().map(work).collect()
}
