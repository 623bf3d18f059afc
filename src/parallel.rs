//! Work split over the machine's cores: listings of ninety thousand tickets decode
//! and format on every core.

pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
}

/// Runs `f` on chunks of `items` on as many threads as there are cores (up to four),
/// keeping the order.
pub fn parallel<'a, T: Sync, R: Send>(
    items: &'a [T],
    min: usize,
    f: impl Fn(&'a [T]) -> Vec<R> + Sync,
) -> Vec<R> {
    ranges(items.len(), min, |r| f(&items[r]))
        .into_iter()
        .flatten()
        .collect()
}

/// Runs `f` on the numbers `0..n` split in as many ranges as there are cores (up to
/// four), one result per range, in order; at once if `n` is below `min`. A worker that
/// died is redone here: a result missing from the list would pair every later range
/// with the wrong result.
pub fn ranges<R: Send>(
    n: usize,
    min: usize,
    f: impl Fn(std::ops::Range<usize>) -> R + Sync,
) -> Vec<R> {
    let threads = threads();
    if threads < 2 || n < min.max(1) {
        return vec![f(0..n)];
    }
    let size = n.div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .step_by(size)
            .map(|start| {
                let r = start..(start + size).min(n);
                (r.clone(), scope.spawn(move || f(r)))
            })
            .collect();
        handles
            .into_iter()
            .map(|(r, h)| h.join().unwrap_or_else(|_| f(r)))
            .collect()
    })
}
