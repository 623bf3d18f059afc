//! Placeholder: the example's scripts, tested end to end (filled in by a helper).
