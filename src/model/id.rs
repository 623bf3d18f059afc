//! Ticket IDs: 14 lowercase characters of Crockford base32, `TTTTTTTSSCCCCC`:
//!
//! - `T` (7): seconds since 2020-01-01 UTC, so IDs sort by creation time;
//! - `S` (2): a sequence within that second on this clone (1024 a second; beyond that
//!   the ID borrows the next second, so IDs stay ordered and unique);
//! - `C` (5): this clone's random 25-bit identity, kept in `.desk/ids.json` (local, never
//!   committed), so two clones creating tickets in the same second cannot collide
//!   unless they drew the same identity (1 in 33 million).

use serde::{Deserialize, Serialize};

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// 2020-01-01T00:00:00Z.
pub const EPOCH: i64 = 1_577_836_800;
pub const LEN: usize = 14;
const SEQ_MAX: u32 = 1023;
const CLONE_BITS: u32 = 25;

fn encode(mut value: u64, width: usize, out: &mut String) {
    let mut buf = vec![b'0'; width];
    for slot in buf.iter_mut().rev() {
        *slot = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
}

/// Builds an ID from its parts. `secs` counts from [`EPOCH`].
pub fn format(secs: u64, seq: u32, clone: u32) -> String {
    let mut s = String::with_capacity(LEN);
    encode(secs, 7, &mut s);
    encode(u64::from(seq.min(SEQ_MAX)), 2, &mut s);
    encode(u64::from(clone) & ((1 << CLONE_BITS) - 1), 5, &mut s);
    s
}

/// The ID of a recurring ticket: the same on every clone for the same schedule and
/// occurrence, so two clones that both tick create one ticket between them.
pub fn for_occurrence(schedule: &str, unix_secs: i64) -> String {
    // FNV-1a: a stable hash of the schedule's name, as the clone part.
    let mut h: u32 = 0x811c_9dc5;
    for b in schedule.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format(u64::try_from(unix_secs - EPOCH).unwrap_or(0), 0, h)
}

/// True for a string that has the shape of a full ticket ID.
pub fn is_full_id(s: &str) -> bool {
    s.len() == LEN && s.bytes().all(|b| ALPHABET.contains(&b))
}

/// True for a string that could start an ID (used to reject odd input before touching files).
pub fn is_id_prefix(s: &str) -> bool {
    !s.is_empty() && s.len() <= LEN && s.bytes().all(|b| ALPHABET.contains(&b))
}

/// Per-clone generator state, stored in `.desk/ids.json` under the helpdesk lock.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdState {
    pub clone: u32,
    /// The helpdesk root this state was made for: a copied directory gets a new identity.
    pub root: String,
    pub last_secs: u64,
    pub last_seq: u32,
}

impl IdState {
    pub fn fresh(root: &str) -> Self {
        let mut bytes = [0u8; 4];
        // With no entropy source we still have uniqueness within the clone.
        let _ = getrandom::fill(&mut bytes);
        IdState {
            clone: u32::from_le_bytes(bytes) & ((1 << CLONE_BITS) - 1),
            root: root.to_string(),
            last_secs: 0,
            last_seq: 0,
        }
    }

    /// The next ID at `unix_secs`, never smaller than the previous one.
    pub fn next(&mut self, unix_secs: i64) -> String {
        let secs = u64::try_from(unix_secs - EPOCH).unwrap_or(0);
        if secs > self.last_secs || (self.last_secs == 0 && self.last_seq == 0) {
            self.last_secs = secs.max(self.last_secs);
            self.last_seq = 0;
        } else if self.last_seq < SEQ_MAX {
            self.last_seq += 1;
        } else {
            self.last_secs += 1;
            self.last_seq = 0;
        }
        format(self.last_secs, self.last_seq, self.clone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time_and_sequence() {
        let mut st = IdState::fresh("/x");
        let a = st.next(EPOCH + 100);
        let b = st.next(EPOCH + 100);
        let c = st.next(EPOCH + 99); // clock went back: still increasing
        let d = st.next(EPOCH + 101);
        assert!(a < b && b < c && c < d, "{a} {b} {c} {d}");
        assert!(is_full_id(&a));
        let mut ids: Vec<String> = (0..3000).map(|_| st.next(EPOCH + 500)).collect();
        let sorted = ids.clone();
        ids.sort();
        ids.dedup();
        assert_eq!(ids, sorted);
    }
}
