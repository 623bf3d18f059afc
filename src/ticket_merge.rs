//! Merging two tickets about one matter (`desk merge SOURCE TARGET`): the target gets
//! the source's conversation, its followers and tags; the source is closed, pointing at
//! the target, and mail that threads to it from now on is added to the target
//! ([`crate::store::Store::live`]). Both changes take the pipeline under one lock.
//!
//! The source keeps its own messages: ticket files only grow (git's merge driver unites
//! messages, so a message taken away would come back from another clone), and the
//! source's file stays a whole record of what happened there.

use std::path::{Component, Path};

use crate::error::{Error, Result};
use crate::helpdesk::{Helpdesk, Made, Outcome};
use crate::mail::incoming::Part;
use crate::model::customer::validate_email;
use crate::model::settings::Category;
use crate::model::{Edit, HistoryEntry, Message, MessageKind};
use crate::rules::event::{self as ev, Event};

/// What `desk merge` did to both tickets.
pub struct Merged {
    pub target: Outcome,
    pub source: Outcome,
    /// How many of the source's messages the target did not have yet.
    pub messages: usize,
    /// Attachments that stayed where they were (their file is missing or is not a plain
    /// file of the helpdesk), in words.
    pub problems: Vec<String>,
}

impl Helpdesk {
    /// Merges ticket `source` into ticket `target`, as the acting person. Refused, with
    /// nothing changed: a ticket into itself, a source merged already, a target that was
    /// merged away (the message names the ticket to use). The target raises
    /// `ticket.merged` (and `ticket.updated` for the followers and tags it gained) for
    /// the rules; the source is closed without running rules, so nothing is mailed
    /// about it.
    pub fn merge_tickets(&self, source: &str, target: &str) -> Result<Merged> {
        let s_id = self.store.resolve(source)?;
        let t_id = self.store.resolve(target)?;
        if s_id == t_id {
            return Err(Error::invalid(format!(
                "cannot merge ticket {s_id} into itself"
            )));
        }
        let rules = self.rules()?;
        let _lock = self.lock()?;
        let mut src = self.store.load_ticket(&s_id)?;
        let mut dst = self.store.load_ticket(&t_id)?;
        if let Some(into) = &src.merged_into {
            return Err(Error::invalid(format!(
                "{s_id} was merged into {into} already"
            )));
        }
        if let Some(into) = &dst.merged_into {
            let live = self.store.live(&t_id)?;
            return Err(Error::invalid(if live == s_id {
                format!("{t_id} was merged into {s_id}: they are one conversation already")
            } else {
                format!("{t_id} was merged into {into}: merge into {live} instead")
            }));
        }
        let actor = self.actor.clone();
        let brought: Vec<Message> = src
            .messages
            .iter()
            .filter(|m| !dst.messages.iter().any(|d| same_message(d, m)))
            .cloned()
            .collect();

        // Everything that can be refused is checked before a file is written.
        let src_changes = {
            let mut e = Edit::new(&mut src, &self.settings, self.now);
            e.author = actor.to_string();
            if self.settings.category(&e.ticket.kind, &e.ticket.status) != Category::Closed {
                e.set_category(Category::Closed)?;
            }
            e.set_merged_into(&t_id);
            e.add_message(MessageKind::Note, &format!("Merged into {t_id}"), None)?;
            e.finish()
        };
        let dst_changes = {
            let settings = &self.settings;
            let mut e = Edit::new(&mut dst, settings, self.now);
            e.author = actor.to_string();
            // A target without a requester takes the source's; otherwise the source's
            // requester follows, like its followers.
            let mut people: Vec<&str> = src.cc.iter().map(String::as_str).collect();
            match (&e.ticket.requester, &src.requester) {
                (None, Some(r)) => e.set("requester", r)?,
                (_, Some(r)) => people.push(r),
                _ => {}
            }
            let requester = e.ticket.requester.clone().unwrap_or_default();
            let people: Vec<String> = people
                .into_iter()
                .filter_map(|a| validate_email(a).ok())
                .filter(|a| !a.eq_ignore_ascii_case(&requester) && !settings.is_own_address(a))
                .collect();
            e.add_ccs(people.iter().map(String::as_str))?;
            for tag in &src.tags {
                // A tag a hand-edited file got wrong stays behind.
                let _ = e.add_tag(tag);
            }
            e.finish()
        };

        // The files come along first, so the target's messages point at its own copies.
        let mut problems = Vec::new();
        let mut brought = brought;
        for m in &mut brought {
            for a in &mut m.attachments {
                match self.attachment_source(&a.file) {
                    Some(path) => {
                        let part = Part {
                            name: a.name.clone(),
                            content_type: a.content_type.clone(),
                            data: Vec::new(),
                            file: Some(path),
                        };
                        if let Some(copy) = self.save_attachments(&t_id, &[part])?.pop() {
                            *a = copy;
                        }
                    }
                    None => problems.push(format!(
                        "{}: not a file of the helpdesk; the merged message still names it",
                        a.file
                    )),
                }
            }
        }
        let messages = brought.len();
        dst.messages = interleave(std::mem::take(&mut dst.messages), brought);

        let mut events = vec![Event {
            changes: dst_changes.clone(),
            ..Event::new(ev::MERGED)
        }];
        events.extend(Event::derived(&dst_changes));
        let target = self.record_change(
            Made {
                ticket: dst,
                entry: HistoryEntry {
                    at: self.now,
                    actor: actor.clone(),
                    via: None,
                    event: ev::MERGED.into(),
                    changes: dst_changes,
                    note: Some(format!(
                        "merged {s_id} into this ticket ({})",
                        crate::output::plural(messages, "message")
                    )),
                },
                events,
                mail: Vec::new(),
                effects: Vec::new(),
            },
            &rules,
        )?;
        // No events: no rule runs on the source, and nothing is mailed about it.
        let source = self.record_change(
            Made {
                ticket: src,
                entry: HistoryEntry {
                    at: self.now,
                    actor,
                    via: None,
                    event: ev::MERGED.into(),
                    changes: src_changes,
                    note: None,
                },
                events: Vec::new(),
                mail: Vec::new(),
                effects: Vec::new(),
            },
            &rules,
        )?;
        Ok(Merged {
            target,
            source,
            messages,
            problems,
        })
    }

    /// The file an attachment record names, if it is a plain file under
    /// `attachments/` of this helpdesk (a hand-edited record naming `../..` or a
    /// symbolic link is not copied).
    fn attachment_source(&self, file: &str) -> Option<std::path::PathBuf> {
        let rel = Path::new(file);
        let plain = rel.starts_with("attachments")
            && rel.components().all(|c| matches!(c, Component::Normal(_)));
        if !plain {
            return None;
        }
        let path = self.store.root().join(rel);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        meta.file_type().is_file().then_some(path)
    }
}

/// Whether two messages are one: the same Message-ID, or for messages without one
/// (notes, replies typed in desk) the same moment, author, kind and text. A merge that
/// was cut short and run again adds nothing twice.
fn same_message(a: &Message, b: &Message) -> bool {
    match (&a.message_id, &b.message_id) {
        (Some(x), Some(y)) => x == y,
        _ => a.at == b.at && a.author == b.author && a.kind == b.kind && a.body == b.body,
    }
}

/// Both conversations in time order; each keeps its own order, and at one instant the
/// target's messages come first.
fn interleave(target: Vec<Message>, source: Vec<Message>) -> Vec<Message> {
    let mut out = Vec::with_capacity(target.len() + source.len());
    let mut from = source.into_iter().peekable();
    for m in target {
        while let Some(x) = from.next_if(|x| x.at < m.at) {
            out.push(x);
        }
        out.push(m);
    }
    out.extend(from);
    out
}
