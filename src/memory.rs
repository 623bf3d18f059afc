//! How the allocator is set up. The binary allocates with mimalloc (see `main.rs`): a
//! listing or a tick at a million tickets makes millions of small allocations on
//! several threads, and glibc's per-thread arenas grow by mprotect calls (27,000 of
//! them for one `desk list`) and fault pages in one at a time. mimalloc takes a third
//! off such a listing.

use std::sync::atomic::{AtomicBool, Ordering};

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_e`, which libmimalloc-sys does not
/// name: the test below checks it by its default.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Set by `reuse_freed`: a loop chose to keep freed memory, and no scan inside it
/// undoes that.
static REUSING: AtomicBool = AtomicBool::new(false);

/// Memory freed (a batch of the listing cache's bytes) goes back at once rather than a
/// second later, so the next batch does not add to the peak: 200 MiB to 160 MiB for a
/// listing of 89,000 tickets, in the same time. Called by the scans of the listing
/// cache, unless `reuse_freed` came first. A command that scans nothing keeps
/// mimalloc's default: giving back at once cost `desk new` 42 `madvise` calls, 0.1 ms.
pub fn return_freed_at_once() {
    if !REUSING.load(Ordering::Relaxed) {
        // SAFETY: sets an option's value; mimalloc reads options atomically.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    }
}

/// Memory freed goes back after mimalloc's default delay again. For a loop that frees
/// and allocates much the same memory for each item, a tick's tickets: given back at
/// once, it was faulted in again for the next ticket, an eighth of a dry tick of 12,489
/// tickets (947 to 827 ms), for 21 MiB more at the peak (71 to 92 MiB).
pub fn reuse_freed() {
    REUSING.store(true, Ordering::Relaxed);
    // SAFETY: as in `return_freed_at_once`.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 1000) };
}

#[cfg(test)]
mod tests {
    #[test]
    fn purge_delay_is_the_option_named() {
        // mimalloc 3 defaults mi_option_purge_delay to 1000 (ms); no option near it in
        // the list has that default.
        // SAFETY: reads an option's value.
        assert_eq!(
            unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) },
            1000
        );
    }
}
