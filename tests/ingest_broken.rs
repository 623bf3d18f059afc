//! Broken mail: see tests/data/mail/broken (in progress).
