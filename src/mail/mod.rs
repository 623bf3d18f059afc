//! Mail: building outgoing messages, the outbox, and the rules that keep automatic mail
//! from going where it must not.

pub mod charset;
pub mod incoming;
pub mod outbox;
pub mod outgoing;
pub mod safety;
pub mod sources;
pub mod transport;
