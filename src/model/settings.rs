//! `desk.toml`: the helpdesk, departments, agents, calendars, ticket types, shops,
//! customer groups and views. Parsed and validated once; every mistake is reported
//! with its place.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::Path;

use chrono::NaiveDate;
use chrono_tz::Tz;
use toml::de::DeTable;

use crate::error::{Diagnostic, Error, Problem, Result};
use crate::model::customer::validate_email;
use crate::source::{Reader, Source, key_span};
use crate::text::{DEFAULT_LANGUAGES, Lang};
use crate::time::calendar::{self, Calendar, DAY_KEYS, Interval};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Category {
    New,
    Open,
    Waiting,
    Solved,
    Closed,
}

impl Category {
    pub const NAMES: [&'static str; 5] = ["new", "open", "waiting", "solved", "closed"];
    const ALL: [Category; 5] = [
        Category::New,
        Category::Open,
        Category::Waiting,
        Category::Solved,
        Category::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(s: &str) -> Option<Category> {
        Self::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Self::ALL[i])
    }

    /// Solved and closed tickets are done; `desk list` hides them unless `--all`.
    pub fn is_done(self) -> bool {
        matches!(self, Category::Solved | Category::Closed)
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Helpdesk {
    pub name: String,
    #[serde(with = "crate::time::tz_name")]
    pub timezone: Tz,
    pub address: Option<String>,
    /// The one clone (by host name) that delivers the outbox when several clones share
    /// the helpdesk through git: every mail is sent once. `None`: any clone sends.
    pub sends_from: Option<String>,
    /// The languages whose word forms `contains` knows (`languages = ["no", "en"]`).
    pub languages: Vec<Lang>,
    /// Mail larger than this is not read: it is kept whole as `message.eml` on its
    /// ticket, which says so (`max_message_size = "40 MiB"`).
    pub max_message_size: u64,
}

/// The default `max_message_size`: the 25 MB of attachments the large mail providers
/// accept, base64-encoded, with room to spare.
pub const MAX_MESSAGE_SIZE: u64 = 40 * 1024 * 1024;

/// `25 MiB`, `25MB`, `512 KiB`, `1048576`: a size in bytes.
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| {
        format!("`{s}` is not a size (like `25 MiB`, `500 KB` or a number of bytes)")
    })?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        u => {
            return Err(format!(
                "unknown size unit `{u}` in `{s}` (B, KB, KiB, MB, MiB, GB, GiB)"
            ));
        }
    };
    let bytes = n * factor;
    if !(1024.0..=1e12).contains(&bytes) {
        return Err(format!("`{s}` is out of range (1 KiB to 1 TB)"));
    }
    Ok(bytes as u64)
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Department {
    pub id: String,
    pub name: String,
    pub address: Option<String>,
    pub sender: Option<String>,
    pub signature: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub departments: Vec<String>,
    pub away: bool,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Status {
    pub id: String,
    pub category: Category,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TicketType {
    pub id: String,
    pub name: String,
    pub statuses: Vec<Status>,
}

impl TicketType {
    pub fn status(&self, id: &str) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id == id)
    }

    /// The status a ticket of this type moves to for a category: the one named like the
    /// category if there is one (`open`, `solved`...), else the first of that category.
    pub fn status_for(&self, category: Category) -> Option<&str> {
        self.statuses
            .iter()
            .find(|s| s.category == category && s.id == category.as_str())
            .or_else(|| self.statuses.iter().find(|s| s.category == category))
            .map(|s| s.id.as_str())
    }

    /// Where a snoozed ticket waits: `pending` if the type has it, else its first waiting status.
    pub fn snooze_status(&self) -> Option<&str> {
        self.status("pending")
            .filter(|s| s.category == Category::Waiting)
            .map(|s| s.id.as_str())
            .or_else(|| self.status_for(Category::Waiting))
    }

    /// A new ticket's status: the first of category `new`, else the first status.
    pub fn initial_status(&self) -> &str {
        self.status_for(Category::New)
            .or_else(|| self.statuses.first().map(|s| s.id.as_str()))
            .unwrap_or("new")
    }
}

/// A name with an optional display form: shops and customer groups.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    pub helpdesk: Helpdesk,
    pub departments: Vec<Department>,
    pub agents: Vec<Agent>,
    pub calendars: BTreeMap<String, Calendar>,
    pub types: Vec<TicketType>,
    pub shops: Vec<Named>,
    pub groups: Vec<Named>,
}

/// The built-in type `ticket`, used unless desk.toml defines a type of that id.
pub fn builtin_ticket_type() -> TicketType {
    let s = |id: &str, category| Status {
        id: id.to_string(),
        category,
    };
    TicketType {
        id: "ticket".into(),
        name: "Ticket".into(),
        statuses: vec![
            s("new", Category::New),
            s("open", Category::Open),
            s("pending", Category::Waiting),
            s("on-hold", Category::Waiting),
            s("solved", Category::Solved),
            s("closed", Category::Closed),
            s("spam", Category::Closed),
        ],
    }
}

impl Settings {
    pub fn load(root: &Path) -> Result<Settings> {
        let path = root.join("desk.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        Settings::parse(&Source::new("desk.toml", text)).map_err(Error::Config)
    }

    pub fn parse(source: &Source) -> Result<Settings, Vec<Diagnostic>> {
        let doc = source.parse()?;
        let mut r = Reader::new(source);
        let settings = read_settings(&mut r, doc.get_ref());
        let errors = r.finish();
        if errors.is_empty() {
            Ok(settings)
        } else {
            Err(errors)
        }
    }

    pub fn department(&self, id: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    pub fn agent(&self, id: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.id == id)
    }

    pub fn ticket_type(&self, id: &str) -> Option<&TicketType> {
        self.types.iter().find(|t| t.id == id)
    }

    /// Whether `address` is one of the helpdesk's own (its main one or a department's).
    pub fn is_own_address(&self, address: &str) -> bool {
        let a = address.trim().to_lowercase();
        self.helpdesk
            .address
            .iter()
            .chain(self.departments.iter().filter_map(|d| d.address.as_ref()))
            .any(|o| o.trim().to_lowercase() == a)
    }

    /// The category of a status of a type; unknown statuses count as open so they stay visible.
    /// Whether a ticket's type and status are known: a hand edit may have written
    /// `"status": "opne"`, which would otherwise count as open without a word.
    pub fn check_state(&self, kind: &str, status: &str) -> std::result::Result<(), Problem> {
        let Some(t) = self.ticket_type(kind) else {
            return Err(
                Problem::unknown("type", kind, self.types.iter().map(|t| t.id.as_str()))
                    .in_field("type"),
            );
        };
        if t.status(status).is_none() {
            return Err(Problem::unknown(
                &format!("status of type `{kind}`"),
                status,
                t.statuses.iter().map(|s| s.id.as_str()),
            )
            .in_field("status"));
        }
        Ok(())
    }

    pub fn category(&self, kind: &str, status: &str) -> Category {
        self.ticket_type(kind)
            .and_then(|t| t.status(status))
            .map_or(Category::Open, |s| s.category)
    }

    /// Checks an ID against a list, with a did-you-mean: `unknown department `retuns`, did you mean `returns`?`
    pub fn check_known<'a>(
        what: &str,
        given: &str,
        known: impl Iterator<Item = &'a str> + Clone,
    ) -> std::result::Result<(), Problem> {
        if known.clone().any(|k| k == given) {
            return Ok(());
        }
        Err(Problem::unknown(what, given, known))
    }

    pub fn check_department(&self, id: &str) -> std::result::Result<(), Problem> {
        Self::check_known(
            "department",
            id,
            self.departments.iter().map(|d| d.id.as_str()),
        )
    }

    pub fn check_agent(&self, id: &str) -> std::result::Result<(), Problem> {
        Self::check_known("agent", id, self.agents.iter().map(|a| a.id.as_str()))
    }

    pub fn check_type(&self, id: &str) -> std::result::Result<(), Problem> {
        Self::check_known("ticket type", id, self.types.iter().map(|t| t.id.as_str()))
    }

    /// Shops are free text until desk.toml lists some; then only those are accepted.
    pub fn check_shop(&self, id: &str) -> std::result::Result<(), Problem> {
        if self.shops.is_empty() {
            return Ok(());
        }
        Self::check_known("shop", id, self.shops.iter().map(|s| s.id.as_str()))
    }

    pub fn check_group(&self, id: &str) -> std::result::Result<(), Problem> {
        if self.groups.is_empty() {
            return Ok(());
        }
        Self::check_known(
            "customer group",
            id,
            self.groups.iter().map(|s| s.id.as_str()),
        )
    }

    pub fn check_status(&self, kind: &str, status: &str) -> std::result::Result<(), Problem> {
        let t = self
            .ticket_type(kind)
            .ok_or_else(|| format!("unknown ticket type `{kind}`"))?;
        Self::check_known(
            &format!("status of type `{kind}`"),
            status,
            t.statuses.iter().map(|s| s.id.as_str()),
        )
    }
}

const TOP_KEYS: [&str; 8] = [
    "helpdesk",
    "department",
    "agent",
    "calendar",
    "type",
    "shop",
    "group",
    "view",
];

fn is_valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Reads an `id`, checking its form and that it is unique among `seen`.
pub(crate) fn read_id(
    r: &mut Reader<'_>,
    t: &DeTable<'_>,
    what: &str,
    at: Range<usize>,
    seen: &mut HashMap<String, usize>,
) -> Option<String> {
    let id = r.req_str(t, "id", what, at)?;
    let span = id.span();
    let id = id.into_inner();
    if !is_valid_id(&id) {
        r.error(
            span,
            format!("{what} id `{id}` must be lowercase letters, digits, `-` or `_`"),
        );
        return None;
    }
    if let Some(line) = r.seen_before(seen, &id, span.clone()) {
        r.error(
            span,
            format!("duplicate {what} `{id}` (first defined on line {line})"),
        );
        return None;
    }
    Some(id)
}

fn read_settings(r: &mut Reader<'_>, doc: &DeTable<'_>) -> Settings {
    r.check_keys(doc, &TOP_KEYS, "desk.toml");

    let helpdesk = read_helpdesk(r, doc);
    let tz = helpdesk.timezone;

    let mut seen = HashMap::new();
    let mut departments = Vec::new();
    for (span, t) in r.tables(doc, "department") {
        r.check_keys(
            t,
            &["id", "name", "address", "sender", "signature"],
            "[[department]]",
        );
        let Some(id) = read_id(r, t, "department", span, &mut seen) else {
            continue;
        };
        let address = r.opt_str(t, "address", "[[department]]");
        if let Some(a) = &address
            && let Err(e) = validate_email(a.get_ref())
        {
            r.error(a.span(), e);
        }
        departments.push(Department {
            name: r
                .opt_str(t, "name", "[[department]]")
                .map_or_else(|| id.clone(), |s| s.into_inner()),
            id,
            address: address.map(|a| a.into_inner().to_lowercase()),
            sender: r
                .opt_str(t, "sender", "[[department]]")
                .map(|s| s.into_inner()),
            signature: r
                .opt_str(t, "signature", "[[department]]")
                .map(|s| s.into_inner())
                .unwrap_or_default(),
        });
    }

    let mut seen = HashMap::new();
    let mut agents = Vec::new();
    let dept_ids: Vec<&str> = departments.iter().map(|d| d.id.as_str()).collect();
    for (span, t) in r.tables(doc, "agent") {
        r.check_keys(
            t,
            &["id", "name", "email", "departments", "away"],
            "[[agent]]",
        );
        let Some(id) = read_id(r, t, "agent", span, &mut seen) else {
            continue;
        };
        let email = r.opt_str(t, "email", "[[agent]]");
        if let Some(e) = &email
            && let Err(msg) = validate_email(e.get_ref())
        {
            r.error(e.span(), msg);
        }
        let mut member = Vec::new();
        for d in r.str_list(t, "departments", "[[agent]]") {
            if let Err(msg) =
                Settings::check_known("department", d.get_ref(), dept_ids.iter().copied())
            {
                r.error(d.span(), format!("agent `{id}`: {msg}"));
            } else {
                member.push(d.into_inner());
            }
        }
        agents.push(Agent {
            name: r
                .opt_str(t, "name", "[[agent]]")
                .map_or_else(|| id.clone(), |s| s.into_inner()),
            id,
            email: email.map(|e| e.into_inner().to_lowercase()),
            departments: member,
            away: r.opt_bool(t, "away", "[[agent]]").unwrap_or(false),
        });
    }

    let calendars = read_calendars(r, doc, tz);
    let types = read_types(r, doc);
    let shops = read_named(r, doc, "shop");
    let groups = read_named(r, doc, "group");

    let settings = Settings {
        helpdesk,
        departments,
        agents,
        calendars,
        types,
        shops,
        groups,
    };

    // `[[view]]` tables are conditions over tickets: `rules::view` reads them.
    settings
}

fn parse_tz(r: &mut Reader<'_>, s: &toml::Spanned<String>) -> Option<Tz> {
    match s.get_ref().parse::<Tz>() {
        Ok(tz) => Some(tz),
        Err(_) => {
            r.error(
                s.span(),
                Problem::near(
                    format!(
                        "unknown time zone `{}` (use an IANA name like `Europe/Oslo`)",
                        s.get_ref()
                    ),
                    s.get_ref(),
                    chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()),
                ),
            );
            None
        }
    }
}

fn read_helpdesk(r: &mut Reader<'_>, doc: &DeTable<'_>) -> Helpdesk {
    let mut h = Helpdesk {
        name: "Helpdesk".into(),
        timezone: Tz::UTC,
        address: None,
        sends_from: None,
        languages: DEFAULT_LANGUAGES.to_vec(),
        max_message_size: MAX_MESSAGE_SIZE,
    };
    let Some(v) = doc.get("helpdesk") else {
        return h;
    };
    let Some(t) = r.as_table(v, "[helpdesk]") else {
        return h;
    };
    r.check_keys(
        t,
        &[
            "name",
            "timezone",
            "address",
            "sends_from",
            "languages",
            "max_message_size",
        ],
        "[helpdesk]",
    );
    if let Some(v) = r.opt_str(t, "max_message_size", "[helpdesk]") {
        match parse_size(v.get_ref()) {
            Ok(n) => h.max_message_size = n,
            Err(m) => r.error(v.span(), m),
        }
    }
    if t.contains_key("languages") {
        let mut langs = Vec::new();
        for code in r.str_list(t, "languages", "[helpdesk] languages") {
            match Lang::parse(code.get_ref()) {
                Some(l) if !langs.contains(&l) => langs.push(l),
                Some(_) => {}
                None => r.error(
                    code.span(),
                    Problem::unknown("language", code.get_ref(), Lang::codes()),
                ),
            }
        }
        h.languages = langs;
    }
    if let Some(s) = r.opt_str(t, "sends_from", "[helpdesk]") {
        if s.get_ref().trim().is_empty() {
            r.error(s.span(), "`sends_from` names a host: it must not be empty");
        } else {
            h.sends_from = Some(s.into_inner());
        }
    }
    if let Some(n) = r.opt_str(t, "name", "[helpdesk]") {
        h.name = n.into_inner();
    }
    if let Some(z) = r.opt_str(t, "timezone", "[helpdesk]")
        && let Some(tz) = parse_tz(r, &z)
    {
        h.timezone = tz;
    }
    if let Some(a) = r.opt_str(t, "address", "[helpdesk]") {
        match validate_email(a.get_ref()) {
            Ok(e) => h.address = Some(e),
            Err(msg) => r.error(a.span(), msg),
        }
    }
    h
}

fn read_day(r: &mut Reader<'_>, v: &crate::source::Value<'_>, what: &str) -> Vec<Interval> {
    let Some(arr) = r.as_array(v, what) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in arr.iter() {
        let Some(s) = r.as_str(item, what) else {
            continue;
        };
        match calendar::parse_interval(s.get_ref()) {
            Ok(i) => out.push(i),
            Err(msg) => r.error(s.span(), msg),
        }
    }
    if let Err(msg) = calendar::check_day(&out) {
        r.error(v.span(), format!("{what}: {msg}"));
    }
    out
}

fn parse_date(r: &mut Reader<'_>, s: &str, span: Range<usize>) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            r.error(span, format!("`{s}` is not a date like `2026-12-24`"));
            None
        }
    }
}

fn read_calendars(
    r: &mut Reader<'_>,
    doc: &DeTable<'_>,
    default_tz: Tz,
) -> BTreeMap<String, Calendar> {
    let mut out = BTreeMap::new();
    let Some(v) = doc.get("calendar") else {
        return out;
    };
    let Some(all) = r.as_table(v, "[calendar]") else {
        return out;
    };
    for (name, cv) in all.iter() {
        let id = name.get_ref().to_string();
        if !is_valid_id(&id) {
            r.error(
                name.span(),
                format!("calendar id `{id}` must be lowercase letters, digits, `-` or `_`"),
            );
            continue;
        }
        let what = format!("[calendar.{id}]");
        let Some(t) = r.as_table(cv, &what) else {
            continue;
        };
        r.check_keys(t, &["timezone", "hours", "holidays", "special"], &what);
        let timezone = r
            .opt_str(t, "timezone", &what)
            .and_then(|z| parse_tz(r, &z))
            .unwrap_or(default_tz);
        let mut week: [Vec<Interval>; 7] = Default::default();
        match t.get("hours") {
            Some(hv) => {
                if let Some(ht) = r.as_table(hv, &format!("`hours` of {what}")) {
                    r.check_keys(ht, &DAY_KEYS, &format!("`hours` of {what}"));
                    for (i, day) in DAY_KEYS.iter().enumerate() {
                        if let Some(dv) = ht.get(*day) {
                            week[i] = read_day(r, dv, &format!("`hours.{day}` of {what}"));
                        }
                    }
                }
            }
            None => r.error(name.span(), format!("{what} needs `hours`")),
        }
        let mut holidays = BTreeSet::new();
        for d in r.str_list(t, "holidays", &what) {
            if let Some(date) = parse_date(r, d.get_ref(), d.span()) {
                holidays.insert(date);
            }
        }
        let mut special = BTreeMap::new();
        if let Some(sv) = t.get("special")
            && let Some(st) = r.as_table(sv, &format!("`special` of {what}"))
        {
            for (k, dv) in st.iter() {
                if let Some(date) = parse_date(r, k.get_ref(), k.span()) {
                    let day = read_day(r, dv, &format!("`special.\"{}\"` of {what}", k.get_ref()));
                    special.insert(date, day);
                }
            }
        }
        out.insert(
            id.clone(),
            Calendar {
                id,
                timezone,
                week,
                holidays,
                special,
            },
        );
    }
    out
}

fn read_types(r: &mut Reader<'_>, doc: &DeTable<'_>) -> Vec<TicketType> {
    let mut seen = HashMap::new();
    let mut types = Vec::new();
    for (span, t) in r.tables(doc, "type") {
        r.check_keys(t, &["id", "name", "statuses"], "[[type]]");
        let Some(id) = read_id(r, t, "type", span.clone(), &mut seen) else {
            continue;
        };
        let what = format!("type `{id}`");
        let mut statuses: Vec<Status> = Vec::new();
        let list = match t.get("statuses") {
            Some(v) => r.as_array(v, &format!("`statuses` of {what}")),
            None => {
                r.error(span.clone(), format!("{what} needs `statuses`"));
                None
            }
        };
        if let Some(list) = list {
            let mut seen_status = HashMap::new();
            for item in list.iter() {
                let Some(st) = r.as_table(item, &format!("each status of {what}")) else {
                    continue;
                };
                r.check_keys(st, &["id", "category"], &format!("a status of {what}"));
                let Some(sid) = read_id(r, st, "status", item.span(), &mut seen_status) else {
                    continue;
                };
                let Some(cat) = r.req_str(st, "category", &format!("status `{sid}`"), item.span())
                else {
                    continue;
                };
                match Category::parse(cat.get_ref()) {
                    Some(category) => statuses.push(Status { id: sid, category }),
                    None => {
                        r.error(
                            cat.span(),
                            Problem::near(
                                format!(
                                    "unknown status category `{}` (one of new, open, waiting, solved, closed)",
                                    cat.get_ref()
                                ),
                                cat.get_ref(),
                                Category::NAMES,
                            ),
                        );
                    }
                }
            }
            if statuses.is_empty() && !list.is_empty() {
                // errors already reported
            } else if statuses.is_empty() {
                r.error(
                    key_span(t, "statuses").unwrap_or(span),
                    format!("{what} needs at least one status"),
                );
            }
        }
        types.push(TicketType {
            name: r
                .opt_str(t, "name", "[[type]]")
                .map_or_else(|| id.clone(), |s| s.into_inner()),
            id,
            statuses,
        });
    }
    if !types.iter().any(|t| t.id == "ticket") {
        types.insert(0, builtin_ticket_type());
    }
    types
}

fn read_named(r: &mut Reader<'_>, doc: &DeTable<'_>, key: &str) -> Vec<Named> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    let what = format!("[[{key}]]");
    for (span, t) in r.tables(doc, key) {
        r.check_keys(t, &["id", "name"], &what);
        if let Some(id) = read_id(r, t, key, span, &mut seen) {
            out.push(Named {
                name: r
                    .opt_str(t, "name", &what)
                    .map_or_else(|| id.clone(), |s| s.into_inner()),
                id,
            });
        }
    }
    out
}
