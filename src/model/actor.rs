//! Who made a change: the actors recorded in history and as message authors, one name
//! table for all of them.

use std::fmt;

/// The maker of a change, as history records it (`agent:ingrid`, `rule:vip`, `system`).
/// Stored as that string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", from = "String")]
pub enum Actor {
    /// A person working tickets (`desk --as ID`).
    Agent(String),
    /// The customer, by address (their mail, a form).
    Customer(String),
    Rule(String),
    /// An SLA policy: its warnings, breaches and being chosen.
    Sla(String),
    Script(String),
    /// A `[[schedule]]` that made a recurring ticket.
    Schedule(String),
    /// desk itself, or a person who did not say who they are: a manual command run
    /// without `--as`, an ingested note, a wake-up.
    System,
    /// A name desk does not make (a hand-edited file), kept as it was written.
    Other(String),
}

/// Prefixes of the actor names, with their kind: the one table parsing and printing use.
type Make = fn(String) -> Actor;

const KINDS: [(&str, Make); 6] = [
    ("agent:", Actor::Agent),
    ("customer:", Actor::Customer),
    ("rule:", Actor::Rule),
    ("sla:", Actor::Sla),
    ("script:", Actor::Script),
    ("schedule:", Actor::Schedule),
];

impl Actor {
    /// Reads an actor as history stores it; a name desk does not make is kept as is.
    pub fn parse(s: &str) -> Actor {
        if s == "system" {
            return Actor::System;
        }
        KINDS
            .iter()
            .find_map(|(p, make)| s.strip_prefix(p).map(|rest| make(rest.to_string())))
            .unwrap_or_else(|| Actor::Other(s.to_string()))
    }

    /// Automation: rules, SLA policies, scripts and schedules. Their changes never end a
    /// time rule's episode; everything else (a person, the customer, a manual command
    /// run without `--as`) does.
    pub fn is_automatic(&self) -> bool {
        matches!(
            self,
            Actor::Rule(_) | Actor::Sla(_) | Actor::Script(_) | Actor::Schedule(_)
        )
    }

    /// The agent's ID, when an agent acts.
    pub fn agent(&self) -> Option<&str> {
        match self {
            Actor::Agent(id) => Some(id),
            _ => None,
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (prefix, name) = match self {
            Actor::Agent(n) => (KINDS[0].0, n),
            Actor::Customer(n) => (KINDS[1].0, n),
            Actor::Rule(n) => (KINDS[2].0, n),
            Actor::Sla(n) => (KINDS[3].0, n),
            Actor::Script(n) => (KINDS[4].0, n),
            Actor::Schedule(n) => (KINDS[5].0, n),
            Actor::System => return f.write_str("system"),
            Actor::Other(s) => return f.write_str(s),
        };
        write!(f, "{prefix}{name}")
    }
}

impl From<String> for Actor {
    fn from(s: String) -> Actor {
        Actor::parse(&s)
    }
}

impl From<Actor> for String {
    fn from(a: Actor) -> String {
        a.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in [
            Actor::Agent("ingrid".into()),
            Actor::Customer("a@b.example".into()),
            Actor::Rule("vip".into()),
            Actor::Sla("standard".into()),
            Actor::Script("crm".into()),
            Actor::Schedule("monthly".into()),
            Actor::System,
        ] {
            assert_eq!(Actor::parse(&a.to_string()), a);
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{a}\""));
            assert_eq!(serde_json::from_str::<Actor>(&json).unwrap(), a);
        }
        assert_eq!(Actor::parse("somebody"), Actor::Other("somebody".into()));
        assert_eq!(Actor::parse("somebody").to_string(), "somebody");
    }
}
