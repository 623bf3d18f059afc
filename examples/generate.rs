//! Generates a large, realistic helpdesk, for benchmarks and demos.
//!
//! ```text
//! cargo run --release --example generate -- DIR --tickets N [--seed S] [--example shop|none]
//! ```
//!
//! DIR must not exist or be empty. The helpdesk is created like `desk init [--example shop]`
//! and filled with N tickets and the customers who wrote them. Everything follows from the
//! seed: the same seed gives byte-identical files, whatever the number of threads.
//!
//! Tickets are spread over the year before 2026-11-24T09:00:00Z, about 10 % of them still
//! new, open or waiting; each has 1–10 messages (customer, reply, note) in Norwegian,
//! Swedish or English and a history consistent with its final fields.
//!
//! `examples/bench.rs` includes this file as a module and calls [`generate`].

use std::collections::{BTreeMap, HashSet};
use std::error::Error;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::Value;

use desk::model::id::{EPOCH, IdState};
use desk::model::settings::{Category, TicketType};
use desk::model::{
    Change, Customer, HistoryEntry, Message, MessageKind, Priority, Settings, Ticket,
};
use desk::store::Store;

pub type BoxError = Box<dyn Error + Send + Sync>;

/// The instant the generated helpdesk is "now": every time lies before it (snoozes after).
pub const BASE: &str = "2026-11-24T09:00:00Z";

/// What [`generate`] made.
#[derive(Debug)]
pub struct Generated {
    /// Ticket IDs, sorted (and so in creation order).
    pub ids: Vec<String>,
    pub customers: usize,
    /// The example the helpdesk was made from: `shop` or `none`.
    pub example: String,
    pub agents: usize,
    pub departments: usize,
}

// ---------------------------------------------------------------------------------------
// A small seeded RNG (SplitMix64): fixed forever, so a seed always gives the same files.

#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// Uniform in `lo..hi` (`lo` when the range is empty).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64) as i64
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        if xs.is_empty() {
            return "";
        }
        xs[self.index(xs.len())]
    }

    /// An index chosen with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut r = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if r < u64::from(*w) {
                return i;
            }
            r -= u64::from(*w);
        }
        weights.len().saturating_sub(1)
    }

    /// A duration between `lo` and `hi` seconds, skewed towards `lo` (log-uniform).
    fn gap(&mut self, lo: i64, hi: i64) -> i64 {
        let (lo, hi) = (lo.max(1) as f64, hi.max(lo + 1) as f64);
        (lo * (hi / lo).powf(self.unit())) as i64
    }
}

fn mix(seed: u64, n: u64) -> u64 {
    Rng::new(seed ^ n.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

// ---------------------------------------------------------------------------------------
// Words.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    No,
    Sv,
    En,
}

impl Lang {
    fn i(self) -> usize {
        self as usize
    }

    fn country(self) -> &'static str {
        ["no", "se", "gb"][self.i()]
    }
}

const FIRST: [&[&str]; 3] = [
    &[
        "Kari",
        "Ola",
        "Nora",
        "Emma",
        "Jakob",
        "Lars",
        "Sofie",
        "Henrik",
        "Ida",
        "Magnus",
        "Marte",
        "Sindre",
        "Thea",
        "Eirik",
        "Silje",
        "Håkon",
        "Åse",
        "Øystein",
        "Ingvild",
        "Torbjørn",
        "Sigrid",
        "Mathias",
    ],
    &[
        "Erik", "Anna", "Karin", "Johan", "Maria", "Oskar", "Elsa", "Linnea", "Axel", "Maja",
        "Hugo", "Astrid", "Björn", "Ebba", "Gustav", "Saga", "Nils", "Märta",
    ],
    &[
        "James", "Emily", "Oliver", "Sophie", "Liam", "Grace", "Noah", "Chloe", "Thomas", "Lucy",
        "Daniel", "Hannah", "Amelia", "George",
    ],
];

const LAST: [&[&str]; 3] = [
    &[
        "Hansen",
        "Johansen",
        "Olsen",
        "Larsen",
        "Andersen",
        "Pedersen",
        "Nilsen",
        "Kristiansen",
        "Jensen",
        "Karlsen",
        "Berg",
        "Haugen",
        "Hagen",
        "Bakken",
        "Solberg",
        "Dahl",
        "Lie",
        "Strand",
        "Sæther",
        "Løken",
    ],
    &[
        "Andersson",
        "Johansson",
        "Karlsson",
        "Nilsson",
        "Eriksson",
        "Larsson",
        "Olsson",
        "Persson",
        "Svensson",
        "Gustafsson",
        "Lindqvist",
        "Lundgren",
        "Åberg",
        "Ström",
        "Björk",
    ],
    &[
        "Smith", "Brown", "Taylor", "Wilson", "Clark", "Walker", "Wright", "Hughes", "Evans",
        "Murphy", "O'Neill",
    ],
];

const DOMAINS: [&[&str]; 3] = [
    &["example.no", "post.example", "mail.example", "example.com"],
    &["example.se", "mail.example", "example.com"],
    &["example.co.uk", "example.com", "example.net", "example.org"],
];

const ORGS: [(&str, &str); 8] = [
    ("Fjellsport AS", "fjellsport.example"),
    ("Nordvik Sko AS", "nordvik-sko.example"),
    ("Bergen Løpeklubb", "bergen-lk.example"),
    ("Tromsø Friluft", "tromso-friluft.example"),
    ("Göteborgs Skohus AB", "gbg-skohus.example"),
    ("Malmö Vandring AB", "malmo-vandring.example"),
    ("Trail Nordic Ltd", "trailnordic.example"),
    ("Highland Outfitters", "highland-outfitters.example"),
];

struct Topic {
    /// Preferred departments, in order; the first that exists is used.
    departments: &'static [&'static str],
    tag: &'static str,
    order: bool,
    weight: u32,
    subjects: [&'static [&'static str]; 3],
    /// What the customer writes first.
    opening: [&'static [&'static str]; 3],
}

const TOPICS: [Topic; 10] = [
    Topic {
        departments: &["returns", "support"],
        tag: "retur",
        order: true,
        weight: 22,
        subjects: [
            &[
                "Retur av sko",
                "Vil returnere støvlene",
                "Retur",
                "Returlapp mangler",
            ],
            &["Retur av skor", "Vill returnera kängorna", "Retur"],
            &[
                "Return request",
                "I want to return my boots",
                "Returning an order",
            ],
        ],
        opening: [
            &[
                "Jeg vil returnere skoene fra ordre {order}.",
                "Støvlene passet dessverre ikke, og jeg ønsker å sende dem tilbake.",
                "Hvordan får jeg tak i en returlapp?",
                "Skoene er ubrukt og ligger i originalesken.",
            ],
            &[
                "Jag vill returnera skorna från order {order}.",
                "Kängorna passade tyvärr inte och jag vill skicka tillbaka dem.",
                "Hur får jag en returetikett?",
                "Skorna är oanvända och ligger kvar i kartongen.",
            ],
            &[
                "I would like to return the shoes from order {order}.",
                "Unfortunately the boots did not fit and I want to send them back.",
                "How do I get a return label?",
                "The shoes are unworn and still in the original box.",
            ],
        ],
    },
    Topic {
        departments: &["shipping", "support"],
        tag: "levering",
        order: true,
        weight: 20,
        subjects: [
            &[
                "Hvor er pakken min?",
                "Ikke mottatt ordre {order}",
                "Forsinket levering",
                "Sporing virker ikke",
            ],
            &[
                "Var är mitt paket?",
                "Har inte fått order {order}",
                "Försenad leverans",
            ],
            &[
                "Where is my order?",
                "Order {order} not received",
                "Delivery delayed",
                "Tracking not updating",
            ],
        ],
        opening: [
            &[
                "Jeg bestilte for over en uke siden og har ikke fått pakken ennå.",
                "Sporingen har stått stille i fem dager.",
                "Ordrenummeret er {order}.",
                "Jeg trenger skoene før helgen, rekker dere det?",
            ],
            &[
                "Jag beställde för över en vecka sedan och har inte fått paketet än.",
                "Spårningen har inte uppdaterats på fem dagar.",
                "Ordernumret är {order}.",
                "Jag behöver skorna till helgen, hinner ni det?",
            ],
            &[
                "I ordered over a week ago and the parcel has not arrived yet.",
                "The tracking has not moved for five days.",
                "My order number is {order}.",
                "I need the shoes before the weekend, is that possible?",
            ],
        ],
    },
    Topic {
        departments: &["billing", "support"],
        tag: "faktura",
        order: true,
        weight: 12,
        subjects: [
            &[
                "Spørsmål om faktura",
                "Feil beløp på fakturaen",
                "Faktura {order}",
            ],
            &[
                "Fråga om faktura",
                "Fel belopp på fakturan",
                "Faktura {order}",
            ],
            &[
                "Question about my invoice",
                "Wrong amount on invoice",
                "Invoice {order}",
            ],
        ],
        opening: [
            &[
                "Jeg har fått en faktura på et beløp jeg ikke kjenner igjen.",
                "Rabatten ble visst ikke trukket fra.",
                "Kan dere sende fakturaen på nytt med firmanavnet vårt?",
                "Jeg har allerede betalt med kort.",
            ],
            &[
                "Jag har fått en faktura på ett belopp jag inte känner igen.",
                "Rabatten verkar inte ha dragits av.",
                "Kan ni skicka fakturan igen med vårt företagsnamn?",
                "Jag har redan betalat med kort.",
            ],
            &[
                "I received an invoice for an amount I do not recognise.",
                "It looks like the discount was not applied.",
                "Could you resend the invoice with our company name on it?",
                "I already paid by card.",
            ],
        ],
    },
    Topic {
        departments: &["returns", "support"],
        tag: "bytte",
        order: true,
        weight: 12,
        subjects: [
            &[
                "Bytte til større størrelse",
                "Bytte av str. 39 til 40",
                "Feil størrelse",
            ],
            &["Byta storlek", "Byte från 39 till 40", "Fel storlek"],
            &[
                "Exchange for a different size",
                "Size exchange",
                "Wrong size",
            ],
        ],
        opening: [
            &[
                "Skoene er litt for små, kan jeg bytte til en størrelse større?",
                "Jeg bestilte 39 men trenger 40.",
                "Har dere samme modell i brunt?",
            ],
            &[
                "Skorna är lite för små, kan jag byta till en storlek större?",
                "Jag beställde 39 men behöver 40.",
                "Finns samma modell i brunt?",
            ],
            &[
                "The shoes are a bit small, can I exchange them for the next size up?",
                "I ordered a 39 but need a 40.",
                "Do you have the same model in brown?",
            ],
        ],
    },
    Topic {
        departments: &["returns", "support"],
        tag: "reklamasjon",
        order: true,
        weight: 10,
        subjects: [
            &["Sålen har løsnet", "Reklamasjon", "Skoene gikk i stykker"],
            &["Sulan har lossnat", "Reklamation", "Trasiga skor"],
            &[
                "Sole came off",
                "Complaint about faulty boots",
                "Damaged product",
            ],
        ],
        opening: [
            &[
                "Sålen har løsnet etter bare to måneders bruk.",
                "Jeg legger ved bilder av skaden.",
                "Dette må vel være en produksjonsfeil?",
            ],
            &[
                "Sulan har lossnat efter bara två månaders användning.",
                "Jag bifogar bilder på skadan.",
                "Det måste väl vara ett tillverkningsfel?",
            ],
            &[
                "The sole came off after only two months of use.",
                "I have attached photos of the damage.",
                "Surely this is a manufacturing fault?",
            ],
        ],
    },
    Topic {
        departments: &["billing", "support"],
        tag: "betaling",
        order: false,
        weight: 6,
        subjects: [
            &[
                "Betalingen feilet",
                "Trukket to ganger",
                "Vipps-betaling gikk ikke gjennom",
            ],
            &[
                "Betalningen misslyckades",
                "Dragit pengar två gånger",
                "Swish fungerade inte",
            ],
            &[
                "Payment failed",
                "Charged twice",
                "Card declined at checkout",
            ],
        ],
        opening: [
            &[
                "Betalingen feilet i kassen, men pengene er trukket fra kontoen.",
                "Jeg ser to like trekk på kontoutskriften.",
                "Kan dere sjekke hva som skjedde?",
            ],
            &[
                "Betalningen misslyckades i kassan men pengarna är dragna.",
                "Jag ser två likadana dragningar på kontot.",
                "Kan ni kolla vad som hände?",
            ],
            &[
                "The payment failed at checkout but the money has left my account.",
                "I can see two identical charges on my statement.",
                "Could you check what happened?",
            ],
        ],
    },
    Topic {
        departments: &["billing", "support"],
        tag: "gavekort",
        order: false,
        weight: 4,
        subjects: [
            &["Gavekortet virker ikke", "Saldo på gavekort"],
            &["Presentkortet fungerar inte", "Saldo på presentkort"],
            &["Gift card not working", "Gift card balance"],
        ],
        opening: [
            &[
                "Gavekortet jeg fikk til jul blir avvist i nettbutikken.",
                "Hvor mye er igjen på det?",
            ],
            &[
                "Presentkortet jag fick i julklapp nekas i webbutiken.",
                "Hur mycket finns kvar på det?",
            ],
            &[
                "The gift card I was given is rejected at checkout.",
                "How much is left on it?",
            ],
        ],
    },
    Topic {
        departments: &["support"],
        tag: "konto",
        order: false,
        weight: 5,
        subjects: [
            &["Får ikke logget inn", "Glemt passord", "Slett kontoen min"],
            &["Kan inte logga in", "Glömt lösenord", "Radera mitt konto"],
            &[
                "Cannot log in",
                "Forgot my password",
                "Please delete my account",
            ],
        ],
        opening: [
            &[
                "Jeg får ikke logget inn på kontoen min.",
                "E-posten for å nullstille passordet kommer aldri.",
                "Jeg ønsker at dere sletter alle opplysninger om meg.",
            ],
            &[
                "Jag kan inte logga in på mitt konto.",
                "Mejlet för att återställa lösenordet kommer aldrig.",
                "Jag vill att ni raderar alla uppgifter om mig.",
            ],
            &[
                "I cannot log in to my account.",
                "The password reset email never arrives.",
                "I would like you to delete all data you hold about me.",
            ],
        ],
    },
    Topic {
        departments: &["sales", "support"],
        tag: "produkt",
        order: false,
        weight: 6,
        subjects: [
            &[
                "Spørsmål om vanntette støvler",
                "Er skoene egnet for fjellet?",
                "Når kommer str. 46 inn igjen?",
            ],
            &[
                "Fråga om vattentäta kängor",
                "Passar skorna för fjällvandring?",
                "När kommer storlek 46 in igen?",
            ],
            &[
                "Question about waterproof boots",
                "Are these suitable for hiking?",
                "When is size 46 back in stock?",
            ],
        ],
        opening: [
            &[
                "Er Fjellstøvelen helt vanntett, eller bare vannavstøtende?",
                "Jeg skal gå Besseggen i juli.",
                "Størrelse 46 har vært utsolgt lenge.",
            ],
            &[
                "Är fjällkängan helt vattentät eller bara vattenavvisande?",
                "Jag ska vandra Kungsleden i juli.",
                "Storlek 46 har varit slutsåld länge.",
            ],
            &[
                "Are the mountain boots fully waterproof or just water resistant?",
                "I am going hiking in Norway in July.",
                "Size 46 has been sold out for a long time.",
            ],
        ],
    },
    Topic {
        departments: &["support"],
        tag: "rabatt",
        order: false,
        weight: 3,
        subjects: [
            &["Rabattkoden virker ikke", "Black Friday-rabatt"],
            &["Rabattkoden fungerar inte", "Black Friday-rabatt"],
            &["Discount code does not work", "Black Friday discount"],
        ],
        opening: [
            &[
                "Rabattkoden fra nyhetsbrevet blir ikke godtatt.",
                "Den skal gjelde til søndag.",
            ],
            &[
                "Rabattkoden från nyhetsbrevet godtas inte.",
                "Den ska gälla till söndag.",
            ],
            &[
                "The discount code from your newsletter is not accepted.",
                "It should be valid until Sunday.",
            ],
        ],
    },
];

/// What an agent answers, per topic (in the order of [`TOPICS`]).
const ANSWERS: [[&[&str]; 3]; 10] = [
    [
        &[
            "Vi har registrert returen din, og pengene blir tilbakebetalt innen 5–7 virkedager etter at vi har mottatt pakken.",
            "Du får en returlapp på e-post om noen minutter.",
            "Husk å legge ved pakkseddelen i esken.",
        ],
        &[
            "Vi har registrerat din retur och pengarna betalas tillbaka inom 5–7 arbetsdagar efter att vi fått paketet.",
            "Du får en returetikett via mejl om några minuter.",
            "Glöm inte att lägga följesedeln i kartongen.",
        ],
        &[
            "We have registered your return and will refund you within 5–7 working days of receiving the parcel.",
            "You will receive a return label by email in a few minutes.",
            "Please put the packing slip in the box.",
        ],
    ],
    [
        &[
            "Jeg har sjekket ordre {order}, og den ble sendt fra lageret vårt i går.",
            "Sporingen oppdateres dessverre ofte først når pakken er fremme på terminalen.",
            "Jeg har bedt transportøren om å etterlyse pakken.",
        ],
        &[
            "Jag har kollat order {order} och den skickades från vårt lager i går.",
            "Spårningen uppdateras tyvärr ofta först när paketet kommit fram till terminalen.",
            "Jag har bett transportören att efterlysa paketet.",
        ],
        &[
            "I have checked order {order} and it left our warehouse yesterday.",
            "Tracking often only updates once the parcel reaches the terminal.",
            "I have asked the carrier to trace the parcel.",
        ],
    ],
    [
        &[
            "Jeg har sendt en kreditnota på mellomlegget.",
            "Fakturaen er nå sendt på nytt med riktig firmanavn.",
            "Betalingen din er registrert, så du kan se bort fra purringen.",
        ],
        &[
            "Jag har skickat en kreditnota på mellanskillnaden.",
            "Fakturan är nu skickad igen med rätt företagsnamn.",
            "Din betalning är registrerad, så du kan bortse från påminnelsen.",
        ],
        &[
            "I have issued a credit note for the difference.",
            "The invoice has been resent with the correct company name.",
            "Your payment is registered, so please ignore the reminder.",
        ],
    ],
    [
        &[
            "Ny størrelse er sendt i dag, og du kan bruke samme eske til returen.",
            "Vi har dessverre ikke 40 på lager akkurat nå, men venter en ny leveranse om to uker.",
            "Jeg har reservert et par i riktig størrelse til deg.",
        ],
        &[
            "Den nya storleken skickades i dag och du kan använda samma kartong till returen.",
            "Vi har tyvärr inte 40 i lager just nu, men väntar en ny leverans om två veckor.",
            "Jag har reserverat ett par i rätt storlek åt dig.",
        ],
        &[
            "The new size was shipped today, and you can use the same box for the return.",
            "We are out of 40 right now but expect a new delivery in two weeks.",
            "I have reserved a pair in the right size for you.",
        ],
    ],
    [
        &[
            "Kan du sende oss et bilde av skaden?",
            "Dette er en klar reklamasjon, og vi sender deg et nytt par kostnadsfritt.",
            "Jeg har lagt inn en reklamasjon hos leverandøren.",
        ],
        &[
            "Kan du skicka en bild på skadan?",
            "Det här är en tydlig reklamation och vi skickar ett nytt par utan kostnad.",
            "Jag har anmält felet till leverantören.",
        ],
        &[
            "Could you send us a photo of the damage?",
            "This is clearly a fault, and we will send you a new pair free of charge.",
            "I have filed a complaint with the manufacturer.",
        ],
    ],
    [
        &[
            "Det dobbelte trekket er bare en reservasjon og forsvinner av seg selv innen noen dager.",
            "Jeg ser at betalingen ikke gikk gjennom, så ordren er ikke belastet.",
        ],
        &[
            "Den dubbla dragningen är bara en reservation och försvinner av sig själv inom några dagar.",
            "Jag ser att betalningen inte gick igenom, så ordern är inte debiterad.",
        ],
        &[
            "The second charge is only a reservation and will disappear by itself within a few days.",
            "I can see the payment did not go through, so you have not been charged.",
        ],
    ],
    [
        &[
            "Gavekortet var dessverre utløpt, men jeg har forlenget det med tre måneder.",
            "Det er 450 kroner igjen på kortet.",
        ],
        &[
            "Presentkortet hade tyvärr gått ut, men jag har förlängt det med tre månader.",
            "Det finns 450 kronor kvar på kortet.",
        ],
        &[
            "The gift card had expired, but I have extended it by three months.",
            "There are 450 kroner left on the card.",
        ],
    ],
    [
        &[
            "Jeg har nullstilt passordet ditt; sjekk søppelposten om e-posten ikke kommer.",
            "Kontoen din er nå slettet.",
        ],
        &[
            "Jag har återställt ditt lösenord; kolla skräpposten om mejlet inte kommer.",
            "Ditt konto är nu raderat.",
        ],
        &[
            "I have reset your password; please check your spam folder if the email does not arrive.",
            "Your account has now been deleted.",
        ],
    ],
    [
        &[
            "Fjellstøvelen har Gore-Tex-membran og er helt vanntett.",
            "Størrelse 46 kommer inn igjen i uke 49.",
            "Til lengre turer anbefaler vi en høyere modell med bedre ankelstøtte.",
        ],
        &[
            "Fjällkängan har Gore-Tex-membran och är helt vattentät.",
            "Storlek 46 kommer in igen vecka 49.",
            "För längre turer rekommenderar vi en högre modell med bättre fotledsstöd.",
        ],
        &[
            "The mountain boot has a Gore-Tex membrane and is fully waterproof.",
            "Size 46 will be back in stock in week 49.",
            "For longer hikes we recommend a higher model with better ankle support.",
        ],
    ],
    [
        &[
            "Koden gjelder dessverre ikke på varer som allerede er nedsatt.",
            "Jeg har lagt inn rabatten manuelt på ordren din.",
        ],
        &[
            "Koden gäller tyvärr inte på varor som redan är nedsatta.",
            "Jag har lagt in rabatten manuellt på din order.",
        ],
        &[
            "Unfortunately the code does not apply to items that are already reduced.",
            "I have applied the discount to your order manually.",
        ],
    ],
];

/// Subjects and openings for ideas (ticket types other than `ticket`).
const IDEAS: [(&[&str], &[&str]); 3] = [
    (
        &[
            "Forslag: halve størrelser",
            "Idé: reparasjonstjeneste for sko",
            "Ønske: flere farger på joggeskoene",
        ],
        &[
            "Det hadde vært fint om dere solgte halve størrelser.",
            "Jeg ville gjerne betalt for å få sålet skoene på nytt.",
            "Flere i klubben vår savner en grønn variant.",
        ],
    ),
    (
        &[
            "Förslag: halva storlekar",
            "Idé: reparationstjänst",
            "Önskemål: fler färger",
        ],
        &[
            "Det vore bra om ni sålde halva storlekar.",
            "Jag skulle gärna betala för att få skorna omsulade.",
            "Många saknar en grön variant.",
        ],
    ),
    (
        &[
            "Suggestion: half sizes",
            "Idea: a repair service",
            "Request: more colours",
        ],
        &[
            "It would be great if you sold half sizes.",
            "I would happily pay to have my boots resoled.",
            "Several of us would love a green version.",
        ],
    ),
];

const HELLO: [&[&str]; 3] = [
    &["Hei!", "Hei,", "Hallo!", "God dag,"],
    &["Hej!", "Hej,", "Hejsan!"],
    &["Hi,", "Hello,", "Hi there,"],
];
const BYE: [&[&str]; 3] = [
    &["Mvh", "Hilsen", "Vennlig hilsen"],
    &["Mvh", "Hälsningar", "Med vänliga hälsningar"],
    &["Thanks", "Best regards", "Kind regards"],
];

const FOLLOW_UP: [&[&str]; 3] = [
    &[
        "Takk for raskt svar!",
        "Jeg har fortsatt ikke hørt noe.",
        "Pakken er sendt tilbake nå.",
        "Her er bildene dere ba om.",
        "Kan dere gi meg en oppdatering?",
        "Det passer fint for meg.",
        "Ordrenummeret er {order}.",
        "Jeg har sjekket postkassen igjen, ingenting.",
        "Tusen takk, da venter jeg på pengene.",
    ],
    &[
        "Tack för snabbt svar!",
        "Jag har fortfarande inte hört något.",
        "Paketet är skickat tillbaka nu.",
        "Här är bilderna ni bad om.",
        "Kan ni ge mig en uppdatering?",
        "Det passar bra för mig.",
        "Ordernumret är {order}.",
        "Tack så mycket, då väntar jag på pengarna.",
    ],
    &[
        "Thanks for the quick reply!",
        "I still have not heard anything.",
        "I have sent the parcel back now.",
        "Here are the photos you asked for.",
        "Could you give me an update?",
        "That works for me.",
        "The order number is {order}.",
        "Thank you, I will wait for the refund then.",
    ],
];

const IDEA_ANSWERS: [&[&str]; 3] = [
    &[
        "Takk for forslaget! Vi tar det med i neste produktmøte.",
        "Dette har flere spurt om, så vi ser på det.",
    ],
    &[
        "Tack för förslaget! Vi tar upp det på nästa produktmöte.",
        "Det här har flera frågat om, så vi tittar på det.",
    ],
    &[
        "Thanks for the suggestion! We will bring it up at our next product meeting.",
        "Several customers have asked for this, so we are looking into it.",
    ],
];

/// Polite sentences around an agent's answer.
const REPLY_OPEN: [&[&str]; 3] = [
    &[
        "Takk for at du tok kontakt.",
        "Takk for meldingen.",
        "Beklager ulempen dette har medført.",
        "Takk for tålmodigheten.",
    ],
    &[
        "Tack för att du hörde av dig.",
        "Tack för ditt meddelande.",
        "Vi ber om ursäkt för besväret.",
    ],
    &[
        "Thank you for getting in touch.",
        "Thanks for your message.",
        "We are sorry for the inconvenience.",
    ],
];
const REPLY_CLOSE: [&[&str]; 3] = [
    &[
        "Gi oss beskjed hvis det er noe mer vi kan hjelpe med.",
        "Ha en fin dag!",
        "",
    ],
    &[
        "Hör av dig om det är något mer vi kan hjälpa till med.",
        "Ha en fin dag!",
        "",
    ],
    &[
        "Let us know if there is anything else we can help with.",
        "Have a nice day!",
        "",
    ],
];

const NOTES: &[&str] = &[
    "Kunden har ringt også, samme sak.",
    "Sjekket i nettbutikken: ordren er levert ifølge Posten.",
    "Refusjon startet i betalingsløsningen.",
    "Venter på svar fra lageret.",
    "Needs approval from finance before we refund.",
    "Mulig svindel? Sjekk leveringsadressen.",
    "Escalated to the warehouse team.",
    "Kontrollerte bildene, tydelig produksjonsfeil.",
    "Kunden är stamkund, bjud på frakten.",
    "PostNord har öppnat ett ärende om paketet.",
    "Same customer wrote via chat yesterday, merged the info here.",
];

const EXTRA_TAGS: &[&str] = &[
    "haster",
    "b2b",
    "instagram",
    "oppfolging",
    "escalated",
    "repeat",
];
const SHOPS: &[&str] = &["nordlys-no", "nordlys-se", "nordlys-com"];
const CHANNELS: [&str; 4] = ["email", "web", "chat", "manual"];

fn fill(s: &str, order: &str) -> String {
    s.replace("{order}", order)
}

/// Two to four distinct sentences from `pool`, as one paragraph.
fn sentences(rng: &mut Rng, pool: &[&str], min: usize, max: usize, order: &str) -> String {
    let want = (min + rng.index(max - min + 1)).min(pool.len());
    let mut picked: Vec<usize> = Vec::with_capacity(want);
    while picked.len() < want {
        let i = rng.index(pool.len());
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    picked.sort_unstable();
    let parts: Vec<String> = picked.iter().map(|i| fill(pool[*i], order)).collect();
    parts.join(" ")
}

fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.to_lowercase().chars() {
        match c {
            'å' | 'ä' | 'á' => out.push('a'),
            'ø' | 'ö' | 'ó' => out.push('o'),
            'æ' => out.push_str("ae"),
            'é' | 'è' => out.push('e'),
            'a'..='z' | '0'..='9' => out.push(c),
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Customers.

struct Cust {
    email: String,
    first: String,
    name: String,
    lang: Lang,
    group: Option<String>,
    organization: Option<String>,
    number: u32,
}

fn make_customers(rng: &mut Rng, count: usize, vip_group: Option<&str>) -> Vec<Cust> {
    let mut seen = HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let lang = match rng.weighted(&[55, 30, 15]) {
            0 => Lang::No,
            1 => Lang::Sv,
            _ => Lang::En,
        };
        let first = rng.pick(FIRST[lang.i()]);
        let last = rng.pick(LAST[lang.i()]);
        let org = rng.chance(0.08).then(|| ORGS[rng.index(ORGS.len())]);
        let domain = match org {
            Some((_, d)) => d,
            None => rng.pick(DOMAINS[lang.i()]),
        };
        let local = match rng.weighted(&[5, 3, 2]) {
            0 => format!("{}.{}", ascii_fold(first), ascii_fold(last)),
            1 => format!("{}{}", ascii_fold(first), rng.range(1, 99)),
            _ => format!("{}{}", &ascii_fold(first)[..1], ascii_fold(last)),
        };
        let mut email = format!("{local}@{domain}");
        if !seen.insert(email.clone()) {
            email = format!("{local}{i}@{domain}");
            seen.insert(email.clone());
        }
        out.push(Cust {
            email,
            first: first.to_string(),
            name: format!("{first} {last}"),
            lang,
            group: vip_group.filter(|_| rng.chance(0.05)).map(str::to_string),
            organization: org.map(|(o, _)| o.to_string()),
            number: 20_000 + i as u32,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------
// Tickets.

/// What is decided about a ticket before IDs are given: its time, customer and RNG.
struct Plan {
    created: i64,
    index: u64,
    active: bool,
    customer: usize,
    rng: Rng,
}

struct AgentInfo {
    id: String,
    first: String,
    departments: Vec<String>,
}

/// Settings-derived choices shared by all tickets.
struct World<'a> {
    base: i64,
    departments: Vec<String>,
    agents: Vec<AgentInfo>,
    ticket_type: &'a TicketType,
    other_types: Vec<&'a TicketType>,
    shops: Vec<String>,
    customers: &'a [Cust],
    /// The helpdesk's settings and rules, for SLA state as `desk` would have kept it.
    settings: &'a Settings,
    rules: desk::rules::RuleSet,
}

/// A ticket being built: times are offsets in seconds from its creation.
struct Draft {
    status: String,
    assignee: Option<String>,
    department: Option<String>,
    priority: Priority,
    tags: Vec<String>,
    snoozed: Option<i64>,
    messages: Vec<(i64, String, MessageKind, String, Option<String>)>,
    history: Vec<(i64, String, &'static str, Vec<Change>)>,
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn opt(v: &Option<String>) -> Value {
    v.as_deref().map_or(Value::Null, s)
}

fn change(field: &str, from: Value, to: Value) -> Change {
    Change {
        field: field.to_string(),
        from,
        to,
    }
}

fn time(secs: i64) -> Result<DateTime<Utc>, BoxError> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| format!("time out of range: {secs}").into())
}

fn format_utc(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

impl Draft {
    fn set_status(&mut self, to: &str, changes: &mut Vec<Change>) {
        if self.status != to {
            changes.push(change("status", s(&self.status), s(to)));
            self.status = to.to_string();
        }
    }
}

fn category_of(tt: &TicketType, status: &str) -> Category {
    tt.status(status).map_or(Category::Open, |s| s.category)
}

/// A status of `category` in `tt`: mostly the usual one, sometimes another of that category.
fn status_in(rng: &mut Rng, tt: &TicketType, category: Category) -> Option<String> {
    let all: Vec<&str> = tt
        .statuses
        .iter()
        .filter(|s| s.category == category)
        .map(|s| s.id.as_str())
        .collect();
    let usual = tt.status_for(category)?;
    if all.len() > 1 && rng.chance(0.2) {
        return Some(rng.pick(&all).to_string());
    }
    Some(usual.to_string())
}

fn build_ticket(w: &World<'_>, plan: &Plan, id: String) -> Result<Ticket, BoxError> {
    let mut rng = plan.rng.clone();
    let cust = &w.customers[plan.customer];
    let lang = cust.lang;
    let li = lang.i();
    let weights: [u32; TOPICS.len()] = std::array::from_fn(|i| TOPICS[i].weight);
    let ti = rng.weighted(&weights);
    let topic = &TOPICS[ti];

    let tt: &TicketType = if !w.other_types.is_empty() && rng.chance(0.04) {
        w.other_types[rng.index(w.other_types.len())]
    } else {
        w.ticket_type
    };
    let idea = tt.id != "ticket";
    let target = if plan.active {
        [Category::New, Category::Open, Category::Waiting][rng.weighted(&[25, 40, 35])]
    } else {
        [Category::Solved, Category::Closed][rng.weighted(&[45, 55])]
    };
    let channel = CHANNELS[rng.weighted(&[55, 25, 12, 8])];
    let priority = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ][rng.weighted(&[10, 65, 20, 5])];

    let wholesale = cust.organization.is_some() && w.departments.iter().any(|d| d == "wholesale");
    let department = if w.departments.is_empty() || rng.chance(0.12) {
        None
    } else if wholesale && rng.chance(0.7) {
        Some("wholesale".to_string())
    } else {
        topic
            .departments
            .iter()
            .find(|d| w.departments.iter().any(|x| x == *d))
            .map(|d| d.to_string())
            .filter(|_| rng.chance(0.85))
            .or_else(|| Some(w.departments[rng.index(w.departments.len())].clone()))
    };
    let shop = if w.shops.is_empty() || rng.chance(0.04) {
        None
    } else {
        // Norwegians mostly buy from the first shop, Swedes from the second.
        let local = &w.shops[li % w.shops.len()];
        if lang != Lang::En && rng.chance(0.85) {
            Some(local.clone())
        } else {
            Some(w.shops[rng.index(w.shops.len())].clone())
        }
    };

    let order = format!("{}", 100_000 + rng.below(900_000));
    let mut tags = vec![if idea { "forslag" } else { topic.tag }.to_string()];
    if rng.chance(0.15) {
        tags.push(rng.pick(EXTRA_TAGS).to_string());
    }
    if cust.organization.is_some() && rng.chance(0.5) {
        tags.push("b2b".into());
    }
    tags.sort();
    tags.dedup();
    let mut fields = BTreeMap::new();
    fields.insert("country".to_string(), lang.country().to_string());
    let has_order = topic.order && !idea;
    if has_order && rng.chance(0.85) {
        fields.insert("order_no".to_string(), order.clone());
    }
    if topic.tag == "levering" && rng.chance(0.6) {
        let carriers: [&[&str]; 3] = [
            &["Posten", "Bring", "PostNord"],
            &["PostNord", "DHL", "Budbee"],
            &["DHL", "UPS", "Royal Mail"],
        ];
        fields.insert("carrier".to_string(), rng.pick(carriers[li]).to_string());
    }
    let (subjects, openings) = if idea {
        IDEAS[li]
    } else {
        (topic.subjects[li], topic.opening[li])
    };
    let answers = if idea {
        IDEA_ANSWERS[li]
    } else {
        ANSWERS[ti][li]
    };
    let mut subject = fill(rng.pick(subjects), &order);
    if has_order && !subject.contains(&order) && rng.chance(0.2) {
        subject = format!("{subject} ({order})");
    }

    // The conversation: which kinds of message, in order.
    let mut count = 1 + rng.weighted(&[15, 25, 18, 14, 10, 7, 5, 3, 2, 1]);
    let mut kinds = vec![MessageKind::Customer];
    let mut last_public = MessageKind::Customer;
    for _ in 1..count {
        if rng.chance(0.18) {
            kinds.push(MessageKind::Note);
        } else {
            let k = if last_public == MessageKind::Customer && !rng.chance(0.12) {
                MessageKind::Reply
            } else {
                MessageKind::Customer
            };
            kinds.push(k);
            last_public = k;
        }
    }
    let last_public_at = |kinds: &[MessageKind]| {
        kinds
            .iter()
            .rposition(|k| *k != MessageKind::Note)
            .unwrap_or(0)
    };
    match target {
        Category::New => {
            count = count.min(2);
            kinds = vec![MessageKind::Customer; count];
        }
        Category::Open => {
            let i = last_public_at(&kinds);
            if kinds[i] == MessageKind::Reply {
                if kinds.len() < 10 {
                    kinds.push(MessageKind::Customer);
                } else {
                    kinds[i] = MessageKind::Customer;
                }
            }
        }
        Category::Waiting => {
            let i = last_public_at(&kinds);
            if kinds[i] == MessageKind::Customer {
                if kinds.len() < 10 {
                    kinds.push(MessageKind::Reply);
                } else {
                    kinds[i] = MessageKind::Reply;
                }
            }
        }
        Category::Solved | Category::Closed => {
            let i = last_public_at(&kinds);
            if kinds[i] == MessageKind::Customer && kinds.len() < 10 && rng.chance(0.7) {
                kinds.push(MessageKind::Reply);
            }
        }
    }

    // Who works on it.
    let candidates: Vec<&AgentInfo> = {
        let in_dept: Vec<&AgentInfo> = match &department {
            Some(d) => w
                .agents
                .iter()
                .filter(|a| a.departments.iter().any(|x| x == d))
                .collect(),
            None => Vec::new(),
        };
        if in_dept.is_empty() {
            w.agents.iter().collect()
        } else {
            in_dept
        }
    };
    let worker = (!candidates.is_empty()).then(|| candidates[rng.index(candidates.len())]);
    let agent_actor = |a: Option<&AgentInfo>| {
        a.map_or_else(|| "system".to_string(), |a| format!("agent:{}", a.id))
    };
    let customer_actor = format!("customer:{}", cust.email);

    let mut d = Draft {
        status: tt.initial_status().to_string(),
        assignee: None,
        department: department.clone(),
        priority,
        tags: tags.clone(),
        snoozed: None,
        messages: Vec::new(),
        history: Vec::new(),
    };
    let msg_id = |rng: &mut Rng| {
        (channel == "email").then(|| {
            format!(
                "<{:016x}@{}>",
                rng.next_u64(),
                cust.email.rsplit('@').next().unwrap_or("mail.example")
            )
        })
    };
    let opening = format!(
        "{}\n\n{}\n\n{}\n{}",
        rng.pick(HELLO[li]),
        sentences(&mut rng, openings, 1, 3, &order),
        rng.pick(BYE[li]),
        cust.first
    );
    let first_id = msg_id(&mut rng);
    d.messages.push((
        0,
        customer_actor.clone(),
        MessageKind::Customer,
        opening,
        first_id,
    ));
    let creator = if channel == "manual" {
        agent_actor(worker)
    } else {
        "system".to_string()
    };
    d.history.push((0, creator, "ticket.created", Vec::new()));

    // Slower work on low priority, faster on urgent.
    let pace = match priority {
        Priority::Low => 2.0,
        Priority::Normal => 1.0,
        Priority::High => 0.5,
        Priority::Urgent => 0.2,
    };
    let agent_gap = |rng: &mut Rng| ((rng.gap(300, 30 * 3600) as f64) * pace) as i64 + 1;
    let mut t = 0i64;

    if target != Category::New {
        // First touch: an agent takes it (and the ticket opens), sometimes routes or escalates it.
        t += agent_gap(&mut rng);
        if let Some(a) = worker
            && (rng.chance(0.85) || target == Category::Open)
        {
            let mut changes = vec![change("assignee", Value::Null, s(&a.id))];
            d.assignee = Some(a.id.clone());
            if category_of(tt, &d.status) == Category::New
                && let Some(open) = tt.status_for(Category::Open)
            {
                d.set_status(open, &mut changes);
            }
            d.history
                .push((t, agent_actor(worker), "ticket.assigned", changes));
        } else if target == Category::Open
            && let Some(open) = tt.status_for(Category::Open)
        {
            let mut changes = Vec::new();
            d.set_status(open, &mut changes);
            if !changes.is_empty() {
                d.history
                    .push((t, agent_actor(worker), "status.changed", changes));
            }
        }
        if d.department.is_none() && !w.departments.is_empty() && rng.chance(0.6) {
            let to = match worker.and_then(|a| a.departments.first()) {
                Some(x) => x.clone(),
                None => w.departments[rng.index(w.departments.len())].clone(),
            };
            t += rng.range(5, 120);
            d.history.push((
                t,
                agent_actor(worker),
                "department.changed",
                vec![change("department", Value::Null, s(&to))],
            ));
            d.department = Some(to);
        } else if w.departments.len() > 1 && rng.chance(0.06) {
            let from = d.department.clone();
            let others: Vec<&String> = w
                .departments
                .iter()
                .filter(|x| Some(*x) != from.as_ref())
                .collect();
            let to = others[rng.index(others.len())].clone();
            t += rng.range(5, 600);
            d.history.push((
                t,
                agent_actor(worker),
                "department.changed",
                vec![change("department", opt(&from), s(&to))],
            ));
            d.department = Some(to);
        }
        if rng.chance(0.08) && priority < Priority::Urgent {
            let to = if priority == Priority::High {
                Priority::Urgent
            } else {
                Priority::High
            };
            t += rng.range(5, 300);
            d.history.push((
                t,
                agent_actor(worker),
                "ticket.updated",
                vec![change("priority", s(priority.as_str()), s(to.as_str()))],
            ));
            d.priority = to;
        }
    }

    let author_of = |d: &Draft| match &d.assignee {
        Some(a) => format!("agent:{a}"),
        None => agent_actor(worker),
    };
    let agent_first = worker.map_or("Kundeservice", |a| a.first.as_str());
    for kind in kinds.iter().skip(1) {
        match kind {
            MessageKind::Reply => {
                t += agent_gap(&mut rng);
                let text = [
                    rng.pick(REPLY_OPEN[li]).to_string(),
                    sentences(&mut rng, answers, 1, 2, &order),
                    rng.pick(REPLY_CLOSE[li]).to_string(),
                ];
                let body = format!(
                    "{} {},\n\n{}\n\n{}\n{}",
                    ["Hei", "Hej", "Hi"][li],
                    cust.first,
                    text.iter()
                        .filter(|s| !s.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" "),
                    ["Vennlig hilsen", "Vänliga hälsningar", "Best regards"][li],
                    agent_first
                );
                let author = author_of(&d);
                d.messages
                    .push((t, author.clone(), MessageKind::Reply, body, None));
                d.history.push((t, author, "agent.replied", Vec::new()));
                if matches!(category_of(tt, &d.status), Category::New | Category::Open)
                    && let Some(pending) = tt.snooze_status()
                {
                    let mut changes = Vec::new();
                    d.set_status(pending, &mut changes);
                    d.history.push((
                        t,
                        "rule:agent-reply-sets-pending".into(),
                        "agent.replied",
                        changes,
                    ));
                }
            }
            MessageKind::Customer => {
                t += rng.gap(600, 3 * 86400);
                let body = format!(
                    "{}\n\n{}",
                    sentences(&mut rng, FOLLOW_UP[li], 1, 3, &order),
                    cust.first
                );
                let id = msg_id(&mut rng);
                d.messages
                    .push((t, customer_actor.clone(), MessageKind::Customer, body, id));
                d.history
                    .push((t, customer_actor.clone(), "customer.replied", Vec::new()));
                if !matches!(category_of(tt, &d.status), Category::New | Category::Open)
                    && let Some(open) = tt.status_for(Category::Open)
                {
                    let mut changes = Vec::new();
                    d.set_status(open, &mut changes);
                    d.history.push((
                        t,
                        "rule:customer-reply-reopens".into(),
                        "customer.replied",
                        changes,
                    ));
                }
            }
            MessageKind::Note | MessageKind::Auto => {
                t += rng.gap(120, 6 * 3600);
                let body = sentences(&mut rng, NOTES, 1, 2, &order);
                let author = author_of(&d);
                d.messages
                    .push((t, author.clone(), MessageKind::Note, body, None));
                d.history.push((t, author, "note.added", Vec::new()));
            }
        }
        if rng.chance(0.04) {
            let extra = rng.pick(EXTRA_TAGS).to_string();
            if let Err(pos) = d.tags.binary_search(&extra) {
                let from = Value::from(d.tags.clone());
                d.tags.insert(pos, extra);
                t += rng.range(1, 120);
                d.history.push((
                    t,
                    author_of(&d),
                    "ticket.updated",
                    vec![change("tags", from, Value::from(d.tags.clone()))],
                ));
            }
        }
    }

    // The end of the story so far.
    let actor = author_of(&d);
    match target {
        Category::New => {}
        Category::Open => {
            if category_of(tt, &d.status) != Category::Open
                && let Some(open) = tt.status_for(Category::Open)
            {
                t += rng.gap(60, 3600);
                let mut changes = Vec::new();
                d.set_status(open, &mut changes);
                d.history.push((t, actor, "status.changed", changes));
            }
        }
        Category::Waiting => {
            let want = if rng.chance(0.75) {
                tt.snooze_status().map(str::to_string)
            } else {
                status_in(&mut rng, tt, Category::Waiting)
            };
            let mut changes = Vec::new();
            if let Some(want) = want {
                d.set_status(&want, &mut changes);
            }
            if tt.snooze_status() == Some(d.status.as_str()) && rng.chance(0.3) {
                let until = w.base + rng.range(3600, 10 * 86400);
                let until = until - until % 3600;
                changes.push(change("snoozed_until", Value::Null, s(&format_utc(until))));
                d.snoozed = Some(until);
            }
            if !changes.is_empty() {
                t += rng.gap(30, 1800);
                d.history.push((t, actor, "status.changed", changes));
            }
        }
        Category::Solved => {
            if let Some(st) = status_in(&mut rng, tt, Category::Solved) {
                t += rng.gap(60, 2 * 86400);
                let mut changes = Vec::new();
                d.set_status(&st, &mut changes);
                d.history.push((t, actor, "status.changed", changes));
            }
        }
        Category::Closed => {
            let spam = kinds.len() == 1 && rng.chance(0.15) && tt.status("spam").is_some();
            if spam {
                t += rng.gap(60, 3600);
                let mut changes = Vec::new();
                d.set_status("spam", &mut changes);
                d.history.push((t, actor, "status.changed", changes));
            } else {
                if rng.chance(0.6)
                    && let Some(solved) = tt.status_for(Category::Solved)
                {
                    t += rng.gap(60, 2 * 86400);
                    let mut changes = Vec::new();
                    d.set_status(solved, &mut changes);
                    d.history
                        .push((t, actor.clone(), "status.changed", changes));
                    t += rng.range(3 * 86400, 7 * 86400);
                    if let Some(closed) = tt.status_for(Category::Closed) {
                        let mut changes = Vec::new();
                        d.set_status(closed, &mut changes);
                        d.history.push((t, "system".into(), "tick", changes));
                    }
                } else if let Some(closed) = tt.status_for(Category::Closed) {
                    t += rng.gap(60, 2 * 86400);
                    let mut changes = Vec::new();
                    d.set_status(closed, &mut changes);
                    d.history.push((t, actor, "status.changed", changes));
                }
            }
        }
    }
    d.history
        .retain(|h| !(h.1.starts_with("rule:") && h.3.is_empty()));

    // Fit the story before the base instant: squeeze the offsets if it would run past it.
    let room = (w.base - 60 - plan.created).max(1);
    let squeeze = |off: i64| {
        if t > room {
            ((off as i128 * room as i128) / t as i128) as i64
        } else {
            off
        }
    };

    let at = |off: i64| time(plan.created + squeeze(off));
    let messages = d
        .messages
        .into_iter()
        .map(|(off, author, kind, body, message_id)| {
            let mut m = Message::new(at(off)?, author, kind, body);
            m.message_id = message_id;
            Ok(m)
        })
        .collect::<Result<Vec<_>, BoxError>>()?;
    let history = d
        .history
        .into_iter()
        .map(|(off, actor, event, changes)| {
            Ok(HistoryEntry {
                at: at(off)?,
                actor: actor.into(),
                via: None,
                event: event.to_string(),
                changes,
                note: None,
            })
        })
        .collect::<Result<Vec<_>, BoxError>>()?;
    let created_at = time(plan.created)?;
    let updated_at = history.last().map_or(created_at, |h| h.at);
    Ok(Ticket {
        id,
        subject,
        kind: tt.id.clone(),
        status: d.status,
        priority: d.priority,
        department: d.department,
        assignee: d.assignee,
        requester: Some(cust.email.clone()),
        cc: Vec::new(),
        shop,
        channel: channel.to_string(),
        tags: d.tags,
        fields,
        created_at,
        updated_at,
        snoozed_until: d.snoozed.map(time).transpose()?,
        merged_into: None,
        sla: None,
        messages,
        history,
        time_rules: Default::default(),
        mail: Vec::new(),
    })
}

/// SLA state as desk keeps it: the policy, its targets, and the warnings and breaches
/// recorded (in the history too) up to the generator's base instant.
fn apply_sla(w: &World<'_>, plan: &Plan, t: &mut Ticket) {
    let c = &w.customers[plan.customer];
    let customer = desk::model::Customer {
        email: c.email.clone(),
        name: Some(c.name.clone()),
        group: c.group.clone(),
        organization: c.organization.clone(),
        fields: Default::default(),
        created_at: Some(t.created_at),
    };
    desk::time::sla::refresh(
        t,
        &w.rules,
        w.settings,
        Some(&customer),
        t.updated_at,
        &mut Default::default(),
    );
    let Some(base) = DateTime::from_timestamp(w.base, 0) else {
        return;
    };
    let policy = t.sla.as_ref().map(|s| s.policy.clone()).unwrap_or_default();
    for alarm in desk::time::sla::alarms(t, &w.rules, base) {
        t.history.push(HistoryEntry {
            at: alarm.at,
            actor: desk::model::Actor::Sla(policy.to_string()),
            via: None,
            event: if alarm.breached {
                "sla.breached"
            } else {
                "sla.warning"
            }
            .into(),
            changes: Vec::new(),
            note: Some(format!(
                "{} {}",
                alarm.target,
                if alarm.breached {
                    "breached"
                } else {
                    "due soon"
                }
            )),
        });
    }
    t.history.sort_by_key(|h| h.at);
}

/// A UTC time of day for a new ticket: mostly office hours in Scandinavia, some evenings.
fn time_of_day(rng: &mut Rng) -> i64 {
    const WEIGHTS: [u32; 24] = [
        1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13, 12, 12, 12, 11, 10, 9, 9, 9, 8, 6, 4, 2, 1,
    ];
    rng.weighted(&WEIGHTS) as i64 * 3600 + rng.range(0, 3600)
}

/// Writes `bytes` through a temporary file and a rename, so a reader never sees half a file.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), BoxError> {
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
    fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

fn is_empty_dir(dir: &Path) -> Result<bool, BoxError> {
    match fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(format!("{}: {e}", dir.display()).into()),
    }
}

/// Removes what `create` wrote into `dir`, which was missing or empty before.
fn undo_create(dir: &Path, existed: bool) -> Result<(), BoxError> {
    if !existed {
        return fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()).into());
    }
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let p = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        let r = if p.is_dir() {
            fs::remove_dir_all(&p)
        } else {
            fs::remove_file(&p)
        };
        r.map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(())
}

/// Creates the helpdesk itself. `shop` falls back to the defaults while the bundled example
/// is missing or has no agents.
fn create_helpdesk(dir: &Path, example: &str) -> Result<(Settings, String), BoxError> {
    let existed = dir.exists();
    if existed && !dir.is_dir() {
        return Err(format!("{} exists and is not a directory", dir.display()).into());
    }
    if !is_empty_dir(dir)? {
        return Err(format!(
            "{} is not empty: give a new or empty directory",
            dir.display()
        )
        .into());
    }
    if example == "shop" {
        desk::init::create(dir, Some("shop"))?;
        let problem = if dir.join("desk.toml").is_file() {
            match Settings::load(dir) {
                Ok(s) if !s.agents.is_empty() => return Ok((s, "shop".into())),
                Ok(_) => "has no agents".to_string(),
                Err(e) => format!("does not load: {e}"),
            }
        } else {
            "has no desk.toml yet".to_string()
        };
        eprintln!("generate: the bundled `shop` example {problem}; using the defaults");
        undo_create(dir, existed)?;
    } else if example != "none" {
        return Err(format!("unknown example `{example}` (use shop or none)").into());
    }
    desk::init::create(dir, None)?;
    Ok((Settings::load(dir)?, "none".into()))
}

/// Creates a helpdesk at `dir` (missing or empty) from `example` (`shop` or `none`) and
/// writes `n` tickets and their customers, all determined by `seed`.
pub fn generate(dir: &Path, n: usize, seed: u64, example: &str) -> Result<Generated, BoxError> {
    let started = Instant::now();
    let (settings, example) = create_helpdesk(dir, example)?;
    let store = Store::at(dir);
    let base = BASE.parse::<DateTime<Utc>>()?.timestamp();

    let builtin;
    let ticket_type = match settings.ticket_type("ticket") {
        Some(t) => t,
        None => {
            builtin = desk::model::settings::builtin_ticket_type();
            &builtin
        }
    };
    let vip = if settings.groups.is_empty() {
        Some("vip")
    } else {
        settings
            .groups
            .iter()
            .find(|g| g.id == "vip")
            .or(settings.groups.first())
            .map(|g| g.id.as_str())
    };

    let mut master = Rng::new(mix(seed, 0x5EED));
    let customer_count = (n / 3).clamp(1, 4000);
    let customers = make_customers(&mut master, customer_count, vip);

    // Plans: when each ticket was created and by whom, then IDs in creation order.
    let mut plans: Vec<Plan> = (0..n as u64)
        .map(|index| {
            let mut rng = Rng::new(mix(seed, index + 1));
            let active = rng.chance(0.10);
            let back = if active {
                rng.range(3600, 21 * 86400)
            } else {
                rng.range(86400, 365 * 86400)
            };
            let t = base - back;
            let mut created = t - t.rem_euclid(86400) + time_of_day(&mut rng);
            while created > base - 3600 {
                created -= 86400;
            }
            let customer = ((customer_count as f64) * rng.unit().powf(1.7)) as usize;
            Plan {
                created,
                index,
                active,
                customer: customer.min(customer_count - 1),
                rng,
            }
        })
        .collect();
    plans.sort_by_key(|p| (p.created, p.index));
    let mut ids = IdState {
        clone: (mix(seed, 0xC10E) & 0x01FF_FFFF) as u32,
        root: dir.to_string_lossy().into_owned(),
        last_secs: 0,
        last_seq: 0,
        used: false,
    };
    let ids: Vec<String> = plans
        .iter()
        .map(|p| ids.next(p.created))
        .collect::<Option<_>>()
        .ok_or("ran out of ticket IDs")?;
    debug_assert!(plans.iter().all(|p| p.created > EPOCH));

    // Customers: those who wrote at least one ticket, known since their first.
    let mut first_seen: Vec<Option<i64>> = vec![None; customer_count];
    for p in &plans {
        first_seen[p.customer].get_or_insert(p.created);
    }
    let mut written = 0;
    for (c, seen) in customers.iter().zip(&first_seen) {
        let Some(at) = seen else { continue };
        let mut rec = Customer::new(&c.email, Some(&c.name), time(*at)?);
        rec.group = c.group.clone();
        rec.organization = c.organization.clone();
        rec.fields.insert("country".into(), c.lang.country().into());
        rec.fields
            .insert("customer_no".into(), c.number.to_string());
        write_file(&store.customer_path(&c.email), rec.to_json()?.as_bytes())?;
        written += 1;
    }

    let world = World {
        base,
        departments: settings.departments.iter().map(|d| d.id.clone()).collect(),
        agents: settings
            .agents
            .iter()
            .map(|a| AgentInfo {
                id: a.id.clone(),
                first: a
                    .name
                    .split_whitespace()
                    .next()
                    .unwrap_or(&a.id)
                    .to_string(),
                departments: a.departments.clone(),
            })
            .collect(),
        ticket_type,
        other_types: settings.types.iter().filter(|t| t.id != "ticket").collect(),
        shops: if settings.shops.is_empty() {
            SHOPS.iter().map(|s| s.to_string()).collect()
        } else {
            settings.shops.iter().map(|s| s.id.clone()).collect()
        },
        customers: &customers,
        settings: &settings,
        rules: desk::rules::RuleSet::load(dir, &settings)?,
    };

    // Tickets, in parallel: each depends only on its plan, so threads change nothing.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunk = n.div_ceil(threads).max(1);
    let done = AtomicUsize::new(0);
    let tickets_dir = store.tickets_dir();
    let results: Vec<Result<(), BoxError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = plans
            .chunks(chunk)
            .zip(ids.chunks(chunk))
            .map(|(plans, ids)| {
                let (world, done, tickets_dir) = (&world, &done, &tickets_dir);
                scope.spawn(move || -> Result<(), BoxError> {
                    let mut path = tickets_dir.clone();
                    for (plan, id) in plans.iter().zip(ids) {
                        let mut ticket = build_ticket(world, plan, id.clone())?;
                        apply_sla(world, plan, &mut ticket);
                        path.push(format!("{id}.json"));
                        let json = ticket.to_json()?;
                        fs::OpenOptions::new()
                            .write(true)
                            .create_new(true)
                            .open(&path)
                            .and_then(|mut f| f.write_all(json.as_bytes()))
                            .map_err(|e| format!("{}: {e}", path.display()))?;
                        path.pop();
                        let before = done.fetch_add(1, Ordering::Relaxed);
                        if (before + 1) * 10 / n > before * 10 / n {
                            eprintln!(
                                "generate: {:>3}% {}/{n} tickets ({:.1}s)",
                                (before + 1) * 100 / n,
                                before + 1,
                                started.elapsed().as_secs_f64()
                            );
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a generator thread panicked".into()))
            })
            .collect()
    });
    for r in results {
        r?;
    }
    eprintln!(
        "generate: wrote {n} tickets and {written} customers to {} ({} example, {} agents) in {:.2}s",
        dir.display(),
        example,
        settings.agents.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(Generated {
        ids,
        customers: written,
        example,
        agents: settings.agents.len(),
        departments: settings.departments.len(),
    })
}

#[allow(dead_code)]
const USAGE: &str = "usage: generate DIR --tickets N [--seed S] [--example shop|none]";

/// The command line: `(dir, tickets, seed, example)`.
#[allow(dead_code)]
fn parse_args(args: &[String]) -> Result<(std::path::PathBuf, usize, u64, String), BoxError> {
    let mut dir = None;
    let mut tickets = None;
    let mut seed = 1u64;
    let mut example = "shop".to_string();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, BoxError> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}").into())
        };
        match flag {
            "--tickets" | "-n" => {
                let v = value("--tickets")?;
                tickets = Some(
                    v.parse::<usize>()
                        .map_err(|_| format!("--tickets `{v}`: not a count\n{USAGE}"))?,
                );
            }
            "--seed" => {
                let v = value("--seed")?;
                seed = v
                    .parse::<u64>()
                    .map_err(|_| format!("--seed `{v}`: not a number\n{USAGE}"))?;
            }
            "--example" => example = value("--example")?,
            f if f.starts_with('-') => return Err(format!("unknown option `{f}`\n{USAGE}").into()),
            _ if dir.is_none() => dir = Some(std::path::PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`\n{USAGE}").into()),
        }
    }
    let dir = dir.ok_or_else(|| format!("missing DIR\n{USAGE}"))?;
    let tickets = tickets.ok_or_else(|| format!("missing --tickets N\n{USAGE}"))?;
    if example != "shop" && example != "none" {
        return Err(format!("--example `{example}`: use shop or none").into());
    }
    Ok((dir, tickets, seed, example))
}

#[allow(dead_code)]
fn run() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let (dir, tickets, seed, example) = parse_args(&args)?;
    generate(&dir, tickets, seed, &example)?;
    Ok(())
}

#[allow(dead_code)]
fn main() {
    if let Err(e) = run() {
        eprintln!("generate: {e}");
        std::process::exit(1);
    }
}
