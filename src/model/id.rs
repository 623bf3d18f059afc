//! Ticket IDs: 14 lowercase characters of Crockford base32, `TTTTTTTSSCCCCC`:
//!
//! - `T` (7): seconds since 2020-01-01 UTC, so IDs sort by creation time;
//! - `S` (2): a sequence within that second on this clone (1024 a second; beyond that
//!   the ID borrows the next second, so IDs stay ordered and unique);
//! - `C` (5): this clone's random 25-bit identity, kept in `.desk/ids.json` (local, never
//!   committed), so two clones creating tickets in the same second cannot collide
//!   unless they drew the same identity (1 in 33 million).
//!
//! The time part holds 2020-01-01T00:00:00Z to 3108-10-26T03:46:07Z ([`TIME_MAX`]
//! seconds). Times outside are clamped to the nearest end, and the clone's counter
//! never goes back, so what sorts by what is:
//!
//! - on one clone, IDs always sort in the order they were made, whatever the clock;
//! - across clones, IDs made between those two ends sort by the second they were made
//!   (the later of the ticket's time and the clone's previous ID), then by sequence;
//! - IDs made for earlier times (imports of old tickets, a clock set back before 2020)
//!   all start at second 0, borrowing later seconds when there are more than 1024: they
//!   sort before the IDs of later tickets, and among themselves by the order they were
//!   made on their clone, not by their dates;
//! - IDs made after 3108-10-26T03:46:07Z all hold the last second: they sort after
//!   every other ID, and each clone can make 1024 of them; then it has no IDs left and
//!   creating a ticket fails with an error (never wraps around, never waits).

use serde::{Deserialize, Serialize};

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// 2020-01-01T00:00:00Z.
pub const EPOCH: i64 = 1_577_836_800;
pub const LEN: usize = 14;
const SEQ_MAX: u32 = 1023;
/// The largest time part seven characters hold (35 bits).
pub const TIME_MAX: u64 = (1 << 35) - 1;
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
    encode(secs.min(TIME_MAX), 7, &mut s);
    encode(u64::from(seq.min(SEQ_MAX)), 2, &mut s);
    encode(u64::from(clone) & ((1 << CLONE_BITS) - 1), 5, &mut s);
    s
}

/// The time part for a Unix time: seconds since [`EPOCH`], clamped to what it can hold.
fn time_part(unix_secs: i64) -> u64 {
    u64::try_from(unix_secs.saturating_sub(EPOCH))
        .unwrap_or(0)
        .min(TIME_MAX)
}

/// The ID of a recurring ticket: the same on every clone for the same schedule and
/// occurrence, so two clones that both tick create one ticket between them. `None` for
/// an occurrence the time part cannot hold exactly (before 2020 or after 3108), which
/// would share its ID with other occurrences; such a ticket takes the clone's next ID.
pub fn for_occurrence(schedule: &str, unix_secs: i64) -> Option<String> {
    let secs = u64::try_from(unix_secs.checked_sub(EPOCH)?).ok()?;
    if secs > TIME_MAX {
        return None;
    }
    // FNV-1a: a stable hash of the schedule's name, as the clone part.
    let mut h: u32 = 0x811c_9dc5;
    for b in schedule.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    Some(format(secs, 0, h))
}

/// The second (Unix time) an ID's time part holds; `None` for a string that is not an ID.
pub fn time_of(id: &str) -> Option<i64> {
    if !is_full_id(id) {
        return None;
    }
    let mut secs: i64 = 0;
    for b in id.bytes().take(7) {
        let digit = ALPHABET.iter().position(|a| *a == b)?;
        secs = secs * 32 + i64::try_from(digit).ok()?;
    }
    Some(secs + EPOCH)
}

/// The ID of a ticket opened by a mail: the same on every clone that ingests that mail
/// (by its Message-ID) at the same instant, so two clones make one ticket between them.
pub fn for_message(message_id: &str, unix_secs: i64) -> Option<String> {
    for_occurrence(&format!("message\n{message_id}"), unix_secs)
}

/// True for a string that has the shape of a full ticket ID.
pub fn is_full_id(s: &str) -> bool {
    s.len() == LEN && s.bytes().all(|b| ALPHABET.contains(&b))
}

/// True for a string that could start an ID (used to reject odd input before touching files).
pub fn is_id_prefix(s: &str) -> bool {
    !s.is_empty() && s.len() <= LEN && s.bytes().all(|b| ALPHABET.contains(&b))
}

/// The length of the shortest prefix of `id` that no other ID in `sorted` starts with,
/// at least `min` (and at most the ID): what a person needs to type. `sorted` holds
/// every ticket's ID in order (with or without `id` itself); only `id`'s neighbours
/// there are compared.
pub fn unique_prefix_len(sorted: &[String], id: &str, min: usize) -> usize {
    let common = |other: &str| {
        id.bytes()
            .zip(other.bytes())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let at = sorted.partition_point(|x| x.as_str() < id);
    let before = at.checked_sub(1).map_or(0, |i| common(&sorted[i]));
    let after = sorted[at..]
        .iter()
        .find(|x| x.as_str() != id)
        .map_or(0, |x| common(x));
    (before.max(after) + 1).max(min).min(id.len())
}

/// Per-clone generator state, stored in `.desk/ids.json` under the helpdesk lock.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdState {
    pub clone: u32,
    /// The helpdesk root this state was made for: a copied directory gets a new identity.
    pub root: String,
    pub last_secs: u64,
    pub last_seq: u32,
    /// Whether `last_*` name an ID given out: second 0, sequence 0 is a real ID too (any
    /// time before 2020). Older state files lack it; for them a nonzero counter says so.
    #[serde(default)]
    pub used: bool,
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
            used: false,
        }
    }

    /// The next ID at `unix_secs`, always greater than the previous one; `None` when the
    /// clone has used every ID up to the last second the time part holds.
    pub fn next(&mut self, unix_secs: i64) -> Option<String> {
        let secs = time_part(unix_secs);
        let started = self.used || self.last_secs > 0 || self.last_seq > 0;
        if !started || secs > self.last_secs {
            self.last_secs = secs;
            self.last_seq = 0;
        } else if self.last_seq < SEQ_MAX {
            self.last_seq += 1;
        } else if self.last_secs < TIME_MAX {
            self.last_secs += 1;
            self.last_seq = 0;
        } else {
            return None;
        }
        self.used = true;
        Some(format(self.last_secs, self.last_seq, self.clone))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(st: &mut IdState, unix_secs: i64, n: usize) -> Vec<String> {
        (0..n).filter_map(|_| st.next(unix_secs)).collect()
    }

    /// Strictly increasing: unique and in the order made.
    fn assert_increasing(ids: &[String]) {
        for w in ids.windows(2) {
            assert!(w[0] < w[1], "{} then {}", w[0], w[1]);
        }
    }

    #[test]
    fn the_time_part_reads_back() {
        let t = 1_764_000_000;
        let id = for_occurrence("monthly", t).unwrap();
        assert_eq!(time_of(&id), Some(t));
        assert_eq!(time_of("not an id"), None);
    }

    #[test]
    fn ids_sort_by_time_and_sequence() {
        let mut st = IdState::fresh("/x");
        let a = st.next(EPOCH + 100).unwrap();
        let b = st.next(EPOCH + 100).unwrap();
        let c = st.next(EPOCH + 99).unwrap(); // clock went back: still increasing
        let d = st.next(EPOCH + 101).unwrap();
        assert!(a < b && b < c && c < d, "{a} {b} {c} {d}");
        assert!(is_full_id(&a));
        let made = ids(&mut st, EPOCH + 500, 3000);
        assert_eq!(made.len(), 3000);
        assert_increasing(&made);
    }

    #[test]
    fn times_before_2020_clamp_and_borrow_later_seconds() {
        let mut st = IdState::fresh("/x");
        let t2013 = 1_367_402_400; // 2013-05-01T10:00:00Z
        let mut made = ids(&mut st, t2013, 1100);
        made.extend(ids(&mut st, 0, 5)); // 1970
        made.extend(ids(&mut st, EPOCH, 5));
        made.extend(ids(&mut st, EPOCH + 3600, 5));
        assert_eq!(made.len(), 1115);
        assert_increasing(&made);
        assert!(made[0].starts_with("0000000"), "{}", made[0]);
        assert!(made.iter().all(|i| is_full_id(i)));
    }

    #[test]
    fn an_old_state_file_at_zero_is_fresh_and_a_used_one_goes_on() {
        let old: IdState =
            serde_json::from_str(r#"{"clone":7,"root":"/x","last_secs":0,"last_seq":0}"#).unwrap();
        let mut st = old.clone();
        assert_eq!(st.next(EPOCH + 5).unwrap(), format(5, 0, 7));
        let mut st: IdState = serde_json::from_str(&serde_json::to_string(&st).unwrap()).unwrap();
        assert_eq!(st.next(EPOCH + 5).unwrap(), format(5, 1, 7));
    }

    #[test]
    fn far_future_times_clamp_and_run_out_without_wrapping() {
        let mut st = IdState::fresh("/x");
        let now = ids(&mut st, EPOCH + 200_000_000, 3); // 2026
        let y3000 = ids(&mut st, 32_503_680_000, 3); // 3000-01-01, representable
        let y3200 = ids(&mut st, 37_868_688_000, 3);
        let y9999 = ids(&mut st, 253_402_300_740, 3000);
        assert_eq!(y9999.len(), 1024 - 3, "the last second's IDs, then none");
        let all: Vec<String> = [now, y3000, y3200, y9999].concat();
        assert_increasing(&all);
        assert_eq!(st.next(253_402_300_740), None);
        assert_eq!(st.next(EPOCH), None, "never goes back");
        assert!(all.last().unwrap().starts_with("zzzzzzz"));
    }

    #[test]
    fn unique_prefixes_compare_neighbours() {
        let ids: Vec<String> = [
            "06aa0000000001",
            "06aa0000000002",
            "06ab1000000000",
            "07zz0000000000",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(unique_prefix_len(&ids, "06aa0000000001", 4), 14);
        assert_eq!(unique_prefix_len(&ids, "06ab1000000000", 4), 4);
        assert_eq!(unique_prefix_len(&ids, "07zz0000000000", 2), 2);
        assert_eq!(unique_prefix_len(&ids, "06ab1000000000", 2), 4);
        assert_eq!(unique_prefix_len(&[], "06ab1000000000", 4), 4);
        // An ID not among them is compared with where it would be.
        assert_eq!(unique_prefix_len(&ids, "06ab0000000000", 4), 5);
    }

    #[test]
    fn occurrences_outside_the_time_part_have_no_shared_id() {
        assert_eq!(for_occurrence("s", EPOCH - 60), None);
        assert_eq!(for_occurrence("s", 0), None);
        assert_eq!(for_occurrence("s", 253_402_300_740), None);
        let a = for_occurrence("s", EPOCH).unwrap();
        let b = for_occurrence("s", EPOCH + 60).unwrap();
        assert!(a < b);
        assert!(for_occurrence("s", EPOCH + TIME_MAX as i64).is_some());
    }
}
