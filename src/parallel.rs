//! Work split over the machine's cores: listings of ninety thousand tickets decode
//! and format on every core.

pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
}

/// Runs `f` on chunks of `items` on as many threads as there are cores (up to four),
/// keeping the order. A worker that died is redone here: a result missing from the list
/// would pair every later item with the wrong result.
pub fn parallel<'a, T: Sync, R: Send>(
    items: &'a [T],
    min: usize,
    f: impl Fn(&'a [T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let n = threads();
    if n < 2 || items.len() < min {
        return f(items);
    }
    let size = items.len().div_ceil(n);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(size)
            .map(|c| (c, scope.spawn(move || f(c))))
            .collect();
        handles
            .into_iter()
            .flat_map(|(c, h)| h.join().unwrap_or_else(|_| f(c)))
            .collect()
    })
}
