//! Writes a realistic mbox of customer mail to the shop example, for `desk ingest email`
//! benchmarks and demos.
//!
//! ```text
//! cargo run --release --example mbox -- --messages 10000 [--seed 1] --out /tmp/x.mbox
//! ```
//!
//! The mail is written to the addresses of `examples/shop/desk.toml` (and `ideas@`, which
//! `examples/shop/rules.toml` turns into suggestions) by a few thousand customers with
//! Norwegian, Swedish, Danish, German and English names, in their language, and mixes the
//! keywords the example's rules react to (returns, damaged deliveries, invoices) with
//! ordinary questions. About 30 % of the messages are replies to earlier ones in the same
//! mbox, threaded by `In-Reply-To` and `References`; some subjects and display names are
//! RFC 2047 encoded words, some bodies quoted-printable or base64, some messages
//! multipart/alternative with HTML, a few carry small base64 attachments, and now and then
//! a customer's out-of-office answer (`Auto-Submitted: auto-replied`) arrives. Every
//! Message-ID is unique. The format is mboxrd: a `From ` envelope line before each message
//! and `>` before every line of it that starts with `>*From `.
//!
//! Everything follows from the seed: the same seed and count give byte-identical files.
//! `examples/bench.rs` can include this file as a module and call [`write_mbox`].

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};

// ---------------------------------------------------------------------------------------
// A small seeded RNG (SplitMix64): fixed forever, so a seed always gives the same mbox.

#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x6D62_6F78_6465_736B)
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

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
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
        weights.len() - 1
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

/// An independent stream for item `n` of a seed.
fn stream(seed: u64, n: u64) -> Rng {
    Rng::new(Rng::new(seed ^ n.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64())
}

// ---------------------------------------------------------------------------------------
// Words

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    No,
    Sv,
    Da,
    De,
    En,
}

const LANGS: [Lang; 5] = [Lang::No, Lang::Sv, Lang::Da, Lang::De, Lang::En];
const LANG_WEIGHTS: [u32; 5] = [34, 24, 12, 12, 18];

impl Lang {
    fn i(self) -> usize {
        self as usize
    }
}

const FIRST: [&[&str]; 5] = [
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
        "Bjørn",
        "Solveig",
        "Tiril",
        "Vetle",
        "Ragnhild",
        "Even",
        "Live",
        "Aksel",
    ],
    &[
        "Erik", "Anna", "Karin", "Johan", "Maria", "Oskar", "Elsa", "Linnea", "Axel", "Maja",
        "Hugo", "Astrid", "Björn", "Ebba", "Gustav", "Saga", "Nils", "Märta", "Åsa", "Göran",
        "Sixten", "Ingrid", "Lovisa", "Måns", "Agnes", "Viggo",
    ],
    &[
        "Mette", "Søren", "Freja", "Rasmus", "Mads", "Ida", "Frederik", "Signe", "Jens", "Karen",
        "Magnus", "Line", "Anders", "Laura", "Mikkel", "Sørine", "Thor", "Asger", "Caroline",
        "Bent",
    ],
    &[
        "Jonas",
        "Lena",
        "Klaus",
        "Anja",
        "Jürgen",
        "Sabine",
        "Lukas",
        "Mia",
        "Felix",
        "Katrin",
        "Matthias",
        "Jörg",
        "Sören",
        "Petra",
        "Tobias",
        "Ursula",
        "Maximilian",
        "Hanna",
        "Björn",
        "Grete",
    ],
    &[
        "James", "Emily", "Oliver", "Sophie", "Liam", "Grace", "Noah", "Chloe", "Thomas", "Lucy",
        "Daniel", "Hannah", "Amelia", "George", "Jack", "Isla", "Harry", "Freya", "Zoe", "Connor",
    ],
];

const LAST: [&[&str]; 5] = [
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
        "Østby",
        "Ødegård",
        "Aas",
        "Moen",
        "Fjeld",
        "Nordmann",
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
        "Ek",
        "Holm",
        "Sjöberg",
        "Wallin",
        "Öberg",
    ],
    &[
        "Nielsen",
        "Jensen",
        "Hansen",
        "Pedersen",
        "Andersen",
        "Christensen",
        "Larsen",
        "Sørensen",
        "Rasmussen",
        "Jørgensen",
        "Madsen",
        "Kristensen",
        "Østergaard",
        "Mølgaard",
        "Bødker",
        "Lund",
    ],
    &[
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schulz",
        "Hoffmann",
        "Schäfer",
        "Koch",
        "Bauer",
        "Richter",
        "Klein",
        "Wolf",
        "Schröder",
        "Neumann",
        "Braun",
        "Weiß",
    ],
    &[
        "Smith", "Brown", "Taylor", "Wilson", "Clark", "Walker", "Wright", "Hughes", "Evans",
        "Murphy", "O'Neill", "Roberts", "Thompson", "Davies", "Green", "Hall", "Wood", "Campbell",
        "Stewart", "Baker",
    ],
];

const DOMAINS: [&[&str]; 5] = [
    &[
        "example.no",
        "post.example.no",
        "online.example.no",
        "mail.example.com",
    ],
    &["example.se", "telia.example.se", "mail.example.com"],
    &["example.dk", "post.example.dk", "mail.example.com"],
    &[
        "example.de",
        "web.example.de",
        "gmx.example.de",
        "mail.example.com",
    ],
    &[
        "example.co.uk",
        "example.com",
        "mail.example.com",
        "example.org",
    ],
];

/// Shops that buy wholesale: (name, domain, language).
const SHOPS: [(&str, &str, Lang); 10] = [
    ("Fjellsport AS", "fjellsport.example.no", Lang::No),
    ("Nordvik Sko AS", "nordvik-sko.example.no", Lang::No),
    ("Skohuset Hamar", "skohuset-hamar.example.no", Lang::No),
    ("Tromsø Friluft", "tromso-friluft.example.no", Lang::No),
    ("Göteborgs Skohus AB", "gbg-skohus.example.se", Lang::Sv),
    ("Malmö Vandring AB", "malmo-vandring.example.se", Lang::Sv),
    ("Aarhus Løbesko ApS", "aarhus-lobesko.example.dk", Lang::Da),
    (
        "Schuhhaus Lübeck GmbH",
        "schuhhaus-luebeck.example.de",
        Lang::De,
    ),
    ("Trail Nordic Ltd", "trailnordic.example.co.uk", Lang::En),
    (
        "Highland Outfitters",
        "highland-outfitters.example.co.uk",
        Lang::En,
    ),
];

const PRODUCTS: [&[&str]; 5] = [
    &[
        "vinterskoene",
        "joggeskoene",
        "fjellstøvlene",
        "tøflene",
        "gummistøvlene",
        "sandalene",
    ],
    &[
        "vinterkängorna",
        "löparskorna",
        "vandringskängorna",
        "tofflorna",
        "gummistövlarna",
        "sandalerna",
    ],
    &[
        "vinterstøvlerne",
        "løbeskoene",
        "vandrestøvlerne",
        "hjemmeskoene",
        "gummistøvlerne",
        "sandalerne",
    ],
    &[
        "Winterstiefel",
        "Laufschuhe",
        "Wanderschuhe",
        "Hausschuhe",
        "Gummistiefel",
        "Sandalen",
    ],
    &[
        "winter boots",
        "running shoes",
        "hiking boots",
        "slippers",
        "wellies",
        "sandals",
    ],
];

const CITIES: [&str; 10] = [
    "Oslo",
    "Bergen",
    "Trondheim",
    "Tromsø",
    "Göteborg",
    "Malmö",
    "København",
    "Aarhus",
    "Hamburg",
    "London",
];

const GREETING: [&[&str]; 5] = [
    &["Hei!", "Hei,", "Hallo!", "Hei {team},", "God dag,"],
    &["Hej!", "Hej,", "Hejsan!", "Hej {team},"],
    &["Hej!", "Hej,", "Goddag,", "Kære {team},"],
    &[
        "Hallo,",
        "Guten Tag,",
        "Sehr geehrte Damen und Herren,",
        "Hallo {team},",
    ],
    &["Hi,", "Hello,", "Dear {team},", "Good morning,"],
];

const SIGN_OFF: [&[&str]; 5] = [
    &[
        "Mvh",
        "Med vennlig hilsen",
        "Hilsen",
        "Vennlig hilsen",
        "Takk på forhånd!",
    ],
    &[
        "Mvh",
        "Med vänliga hälsningar",
        "Hälsningar",
        "Tack på förhand!",
    ],
    &["Mvh", "Med venlig hilsen", "Venlig hilsen", "Hilsen"],
    &[
        "Viele Grüße",
        "Mit freundlichen Grüßen",
        "Beste Grüße",
        "VG",
    ],
    &["Best regards,", "Kind regards,", "Thanks,", "Cheers,"],
];

const REPLY_PREFIX: [&[&str]; 5] = [
    &["SV: ", "Re: ", "RE: "],
    &["SV: ", "Re: ", "Sv: "],
    &["SV: ", "Re: ", "Sv: "],
    &["AW: ", "Re: ", "WG: "],
    &["Re: ", "RE: "],
];

/// Subject prefixes of out-of-office answers.
const AUTO_PREFIX: [&str; 5] = [
    "Fravær: ",
    "Frånvaro: ",
    "Fravær: ",
    "Abwesenheitsnotiz: ",
    "Out of office: ",
];

/// Out-of-office answers.
const AWAY: [&[&str]; 5] = [
    &[
        "Jeg er på ferie og leser ikke e-post før mandag.",
        "Takk for e-posten. Jeg er borte til 3. desember.",
    ],
    &["Jag är på semester och läser inte mejl förrän på måndag."],
    &["Jeg er på ferie og læser ikke mails før mandag."],
    &["Ich bin bis zum 1. Dezember nicht im Büro und lese keine E-Mails."],
    &[
        "I am out of the office until Monday with no access to email.",
        "Thank you for your message. I am away until 2 December.",
    ],
];

const WROTE: [&str; 5] = ["skrev", "skrev", "skrev", "schrieb", "wrote"];

/// What a customer writes in a reply, before the quoted mail.
const FOLLOW_UP: [&[&str]; 5] = [
    &[
        "Takk for svar!",
        "Har dere sett på saken min ennå?",
        "Jeg har fortsatt ikke hørt noe.",
        "Det stemmer, ordrenummeret er {order}.",
        "Jeg har sendt skoene i retur nå.",
        "Kan dere sende en kreditnota?",
        "Pakken kom i dag, men esken var ødelagt.",
        "Jeg ble visst debitert to ganger for samme ordre.",
        "Jeg vil heller bytte til størrelse {size}.",
        "Supert, da venter jeg på tilbakebetaling.",
    ],
    &[
        "Tack för svaret!",
        "Har ni hunnit titta på mitt ärende?",
        "Jag har fortfarande inte hört något.",
        "Ordernumret är {order}.",
        "Jag har skickat tillbaka skorna nu.",
        "Kan ni skicka en kreditnota?",
        "Paketet kom idag men kartongen var trasig.",
        "Jag har blivit dubbeldebiterad för samma order.",
        "Jag vill hellre byta till storlek {size}.",
    ],
    &[
        "Tak for svaret!",
        "Har I kigget på min sag endnu?",
        "Jeg har stadig ikke hørt noget.",
        "Ordrenummeret er {order}.",
        "Jeg har sendt skoene retur nu.",
        "Kan I sende en kreditnota?",
        "Jeg vil hellere bytte til størrelse {size}.",
    ],
    &[
        "Danke für die schnelle Antwort!",
        "Gibt es schon Neuigkeiten?",
        "Ich habe leider noch nichts gehört.",
        "Die Bestellnummer ist {order}.",
        "Ich habe die Schuhe heute zurückgeschickt.",
        "Können Sie mir eine Gutschrift schicken?",
        "Die Rechnung stimmt leider immer noch nicht.",
    ],
    &[
        "Thanks for getting back to me!",
        "Any news on this?",
        "I still have not heard anything.",
        "The order number is {order}.",
        "I have sent the shoes back now.",
        "Could you send me a refund confirmation?",
        "From what I can tell, the payment was taken twice.",
        "I would rather exchange them for size {size}.",
        "The parcel arrived today but the box was damaged.",
    ],
];

struct Topic {
    /// Where the mail goes; the first is the usual one.
    to: &'static [&'static str],
    weight: u32,
    subjects: [&'static [&'static str]; 5],
    /// Sentences of the first mail; two to four are used.
    lines: [&'static [&'static str]; 5],
    /// Attachment names that fit the topic (may be empty).
    files: &'static [&'static str],
}

const TOPICS: [Topic; 8] = [
    Topic {
        to: &["returns@nordlys.example", "support@nordlys.example"],
        weight: 20,
        subjects: [
            &[
                "Retur av {product}",
                "Vil returnere ordre {order}",
                "Bytte til større størrelse",
                "Angrerett på {product}",
                "Returlapp mangler",
            ],
            &[
                "Retur av {product}",
                "Vill returnera order {order}",
                "Byta storlek",
                "Ångra köp",
                "Ångerrätt",
            ],
            &[
                "Retur af {product}",
                "Ønsker at bytte størrelse",
                "Returnering af ordre {order}",
            ],
            &[
                "Rücksendung Bestellung {order}",
                "Umtausch {product}",
                "Rückgabe und Erstattung",
            ],
            &[
                "Return request for order {order}",
                "Refund for {product}",
                "Exchange for a bigger size",
                "How do I return my {product}?",
            ],
        ],
        lines: [
            &[
                "Jeg vil returnere {product} fra ordre {order}.",
                "De er for små, kan jeg bytte til størrelse {size}?",
                "Skoene er ubrukt og ligger i originalesken.",
                "Hvordan får jeg tak i en returlapp?",
                "Jeg bruker angreretten min.",
            ],
            &[
                "Jag vill returnera {product} från order {order}.",
                "De är för små, kan jag byta till storlek {size}?",
                "Skorna är oanvända och ligger kvar i kartongen.",
                "Hur får jag en returetikett?",
                "Jag vill ångra köp enligt ångerrätten.",
            ],
            &[
                "Jeg vil gerne returnere {product} fra ordre {order}.",
                "De er for små, kan jeg bytte til størrelse {size}?",
                "Skoene er ubrugte og ligger i æsken.",
            ],
            &[
                "Ich möchte die {product} aus Bestellung {order} zurückschicken.",
                "Sie sind zu klein, kann ich sie gegen Größe {size} umtauschen (exchange)?",
                "Die Schuhe sind ungetragen und in der Originalverpackung.",
                "Bitte erstatten Sie mir den Betrag (refund).",
            ],
            &[
                "I would like to return the {product} from order {order}.",
                "They are too small, can I exchange them for size {size}?",
                "The shoes are unworn and still in the original box.",
                "Please refund the amount to my card.",
                "From the size guide I thought {size} would fit, but it does not.",
            ],
        ],
        files: &["kvittering.pdf", "receipt.pdf", "Kaufbeleg.pdf"],
    },
    Topic {
        to: &["returns@nordlys.example", "support@nordlys.example"],
        weight: 10,
        subjects: [
            &[
                "Skadet pakke",
                "{product} kom ødelagt",
                "Reklamasjon: sålen har løsnet",
            ],
            &["Skadad leverans", "Trasiga {product}", "Reklamation"],
            &["Beskadiget pakke", "{product} er gået i stykker"],
            &[
                "Beschädigte Lieferung",
                "{product} beschädigt angekommen",
                "Reklamation Bestellung {order}",
            ],
            &[
                "Damaged parcel",
                "My {product} arrived broken",
                "Complaint: sole came off",
            ],
        ],
        lines: [
            &[
                "Pakken kom i dag, men esken var helt ødelagt.",
                "Den ene skoen er skadet på tåhetta.",
                "Sålen har løsnet etter to uker.",
                "Jeg legger ved et bilde av skaden.",
            ],
            &[
                "Paketet kom idag men kartongen var trasig.",
                "Ena skon är skadad vid tån.",
                "Sulan har lossnat efter två veckor.",
                "Jag bifogar en bild på skadan.",
            ],
            &[
                "Pakken kom i dag, men den var beskadiget.",
                "Den ene sko er i stykker ved hælen.",
                "Jeg vedhæfter et billede.",
            ],
            &[
                "Das Paket kam heute an, aber der Karton war beschädigt.",
                "Ein Schuh ist an der Spitze kaputt.",
                "Ich habe ein Foto angehängt.",
            ],
            &[
                "The parcel arrived today but the box was damaged.",
                "One of the shoes is broken at the toe.",
                "The sole came off after two weeks.",
                "I have attached a photo of the damage.",
            ],
        ],
        files: &["skade.jpg", "IMG_4711.jpg", "bild.jpg", "photo.jpg"],
    },
    Topic {
        to: &["billing@nordlys.example", "support@nordlys.example"],
        weight: 14,
        subjects: [
            &[
                "Faktura {order}",
                "Feil på fakturaen",
                "Debitert to ganger",
                "Spørsmål om betaling",
                "Kreditnota?",
            ],
            &[
                "Faktura {order}",
                "Dubbeldebiterad",
                "Fråga om betalning",
                "Fel belopp debiterat",
            ],
            &["Faktura {order}", "Betaling trukket to gange", "Kreditnota"],
            &[
                "Rechnung {order}",
                "Zahlung doppelt abgebucht",
                "Gutschrift fehlt",
            ],
            &[
                "Invoice {order}",
                "Charged twice",
                "Question about my payment",
                "Wrong amount on invoice",
            ],
        ],
        lines: [
            &[
                "Jeg har fått en faktura på {amount} kr, men betalte med kort.",
                "Beløpet er debitert to ganger på kontoen min.",
                "Kan dere sende en kreditnota?",
                "Regningen stemmer ikke med ordrebekreftelsen.",
            ],
            &[
                "Jag har fått en faktura på {amount} kr trots att jag betalade med kort.",
                "Jag har blivit dubbeldebiterad.",
                "Betalningen drogs två gånger.",
                "Kan ni skicka en kreditnota?",
            ],
            &[
                "Jeg har fået en faktura på {amount} kr.",
                "Betalingen er trukket to gange.",
                "Kan I sende en kreditnota?",
            ],
            &[
                "Ich habe eine Rechnung über {amount} € bekommen, aber schon bezahlt.",
                "Die Zahlung wurde zweimal abgebucht.",
                "Bitte schicken Sie mir eine Gutschrift.",
            ],
            &[
                "I received an invoice for {amount}, but I already paid by card.",
                "The payment was taken twice from my account.",
                "Could you send me a credit note?",
                "From my bank statement it looks like I was charged twice.",
            ],
        ],
        files: &[
            "faktura.pdf",
            "kontoutskrift.pdf",
            "Rechnung.pdf",
            "invoice.pdf",
        ],
    },
    Topic {
        to: &["support@nordlys.example"],
        weight: 22,
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
            &["Hvor er min pakke?", "Forsinket levering af ordre {order}"],
            &[
                "Wo ist mein Paket?",
                "Lieferung verspätet",
                "Bestellung {order} nicht erhalten",
            ],
            &[
                "Where is my order?",
                "Order {order} not received",
                "Delivery delayed",
                "Tracking not updating",
            ],
        ],
        lines: [
            &[
                "Jeg bestilte for over en uke siden og har ikke fått pakken ennå.",
                "Sporingen har stått stille i fem dager i {city}.",
                "Ordrenummeret er {order}.",
                "Jeg trenger skoene før helgen, rekker dere det?",
            ],
            &[
                "Jag beställde för över en vecka sedan och har inte fått paketet än.",
                "Spårningen har stått still i fem dagar i {city}.",
                "Ordernumret är {order}.",
            ],
            &[
                "Jeg bestilte for en uge siden og har ikke fået pakken.",
                "Ordrenummeret er {order}.",
            ],
            &[
                "Ich habe vor über einer Woche bestellt und noch nichts bekommen.",
                "Die Sendungsverfolgung steht seit Tagen still.",
                "Die Bestellnummer ist {order}.",
            ],
            &[
                "I ordered over a week ago and the parcel has not arrived.",
                "From the tracking page it has been stuck in {city} for five days.",
                "My order number is {order}.",
                "I need the shoes before the weekend, is that possible?",
            ],
        ],
        files: &[],
    },
    Topic {
        to: &["support@nordlys.example", "sales@nordlys.example"],
        weight: 14,
        subjects: [
            &[
                "Spørsmål om størrelse",
                "Har dere {product} i størrelse {size}?",
                "Passer {product} til brede føtter?",
            ],
            &["Fråga om storlek", "Finns {product} i storlek {size}?"],
            &["Spørgsmål om størrelse", "Har I {product} i str. {size}?"],
            &["Frage zur Größe", "Gibt es die {product} in Größe {size}?"],
            &[
                "Question about sizes",
                "Do you have the {product} in size {size}?",
                "Are the {product} waterproof?",
            ],
        ],
        lines: [
            &[
                "Har dere {product} i størrelse {size} på lager?",
                "Jeg bruker vanligvis {size}, men har breie føtter.",
                "Tåler de vinteren i {city}?",
            ],
            &[
                "Finns {product} i storlek {size}?",
                "Jag har vanligtvis {size} men breda fötter.",
                "Klarar de vintern i {city}?",
            ],
            &[
                "Har I {product} i størrelse {size}?",
                "Jeg bruger normalt {size}.",
            ],
            &[
                "Haben Sie die {product} in Größe {size} auf Lager?",
                "Ich trage normalerweise {size}.",
            ],
            &[
                "Do you have the {product} in size {size}?",
                "I usually wear {size} but have wide feet.",
                "Are they warm enough for a winter in {city}?",
            ],
        ],
        files: &[],
    },
    Topic {
        to: &["wholesale@nordlys.example"],
        weight: 0, // written by shops only, see `Customer::shop`
        subjects: [
            &[
                "Bestilling til våren",
                "Engrospriser {product}",
                "Etterbestilling ordre {order}",
            ],
            &["Beställning inför våren", "Grossistpriser {product}"],
            &["Bestilling til foråret", "Engrospriser"],
            &["Großhandelsbestellung", "Nachbestellung {order}"],
            &[
                "Spring order",
                "Wholesale prices for {product}",
                "Reorder {order}",
            ],
        ],
        lines: [
            &[
                "Vi ønsker å bestille 40 par {product} til butikken.",
                "Kan dere sende oppdatert prisliste for engros?",
                "Fakturaen for forrige levering har vi ikke mottatt.",
            ],
            &[
                "Vi vill beställa 40 par {product} till butiken.",
                "Kan ni skicka en uppdaterad prislista?",
            ],
            &[
                "Vi vil gerne bestille 30 par {product}.",
                "Kan I sende en prisliste?",
            ],
            &[
                "Wir möchten 40 Paar {product} bestellen.",
                "Bitte senden Sie uns die aktuelle Preisliste.",
            ],
            &[
                "We would like to order 40 pairs of {product} for the shop.",
                "Could you send us the current wholesale price list?",
                "We have not received the invoice for the last delivery.",
            ],
        ],
        files: &["bestilling.pdf", "order.pdf", "Bestellung.pdf"],
    },
    Topic {
        to: &["ideas@nordlys.example"],
        weight: 5,
        subjects: [
            &["Forslag: {product} i flere farger", "Idé til nettbutikken"],
            &["Förslag: {product} i fler färger", "Idé"],
            &["Forslag til webshoppen"],
            &["Vorschlag: {product} in mehr Farben"],
            &[
                "Suggestion: {product} in more colours",
                "Idea for the web shop",
            ],
        ],
        lines: [
            &[
                "Det hadde vært fint med {product} i flere farger.",
                "Kanskje dere kunne lagd en størrelsesguide med video?",
            ],
            &["Det vore fint med {product} i fler färger."],
            &["Det ville være godt med {product} i flere farver."],
            &["Es wäre schön, die {product} auch in Grün zu haben."],
            &[
                "It would be great to have the {product} in more colours.",
                "Maybe a size guide with a video?",
            ],
        ],
        files: &[],
    },
    Topic {
        to: &["support@nordlys.example"],
        weight: 8,
        subjects: [
            &["Takk!", "Ros til kundeservice", "Gavekort"],
            &["Tack!", "Presentkort"],
            &["Tak!", "Gavekort"],
            &["Danke!", "Gutschein"],
            &["Thank you!", "Gift card", "Newsletter"],
        ],
        lines: [
            &[
                "Skoene kom i går og passer perfekt.",
                "Kan jeg kjøpe gavekort i butikken i {city}?",
                "Jeg vil melde meg av nyhetsbrevet.",
            ],
            &[
                "Skorna kom igår och passar perfekt.",
                "Kan man köpa presentkort i butiken?",
            ],
            &["Skoene kom i går og passer perfekt."],
            &["Die Schuhe sind angekommen und passen perfekt."],
            &[
                "The shoes arrived yesterday and fit perfectly.",
                "Can I buy a gift card in the shop in {city}?",
                "Please unsubscribe me from the newsletter.",
            ],
        ],
        files: &[],
    },
];

const TOPIC_WHOLESALE: usize = 5;

const MAILERS: [&str; 6] = [
    "Mozilla Thunderbird 128.4.0",
    "Apple Mail (2.3774.500.171)",
    "Microsoft Outlook 16.0",
    "Roundcube Webmail/1.6.9",
    "K-9 Mail for Android",
    "iPhone Mail (22B83)",
];

// ---------------------------------------------------------------------------------------
// Customers

#[derive(Debug, Clone)]
struct Customer {
    name: String,
    email: String,
    lang: Lang,
    /// Buys wholesale for a shop: writes to wholesale@ about orders.
    shop: bool,
}

fn ascii_local(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'æ' | 'ä' => out.push_str("ae"),
            'ø' | 'ö' => out.push('o'),
            'å' => out.push('a'),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'é' | 'è' => out.push('e'),
            'a'..='z' | '0'..='9' => out.push(c),
            _ => {}
        }
    }
    out
}

/// `count` customers with distinct addresses.
fn customers(seed: u64, count: usize) -> Vec<Customer> {
    let mut taken = HashSet::new();
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut r = stream(seed, 1_000_000 + i as u64);
        let (lang, name, local, domain, shop) = if r.chance(0.03) {
            let (shop, domain, lang) = SHOPS[r.index(SHOPS.len())];
            let first = r.pick(FIRST[lang.i()]);
            let local = r
                .pick(&["innkjop", "post", "order", "info", "butikk"])
                .to_string();
            (
                lang,
                format!("{first} – {shop}"),
                if r.chance(0.5) {
                    ascii_local(first)
                } else {
                    local
                },
                domain.to_string(),
                true,
            )
        } else {
            let lang = LANGS[r.weighted(&LANG_WEIGHTS)];
            let first = r.pick(FIRST[lang.i()]);
            let last = r.pick(LAST[lang.i()]);
            let (f, l) = (ascii_local(first), ascii_local(last));
            let local = match r.below(6) {
                0 => format!("{f}.{l}"),
                1 => format!("{f}{l}"),
                2 => format!("{}.{l}", &f[..1]),
                3 => format!("{f}_{l}"),
                4 => format!("{f}{}", r.between(50, 99)),
                _ => format!("{f}.{l}{}", r.between(1, 9)),
            };
            let domain = r.pick(DOMAINS[lang.i()]).to_string();
            (lang, format!("{first} {last}"), local, domain, false)
        };
        let mut email = format!("{local}@{domain}");
        let mut n = 2;
        while !taken.insert(email.clone()) {
            email = format!("{local}{n}@{domain}");
            n += 1;
        }
        out.push(Customer {
            name,
            email,
            lang,
            shop,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------
// Encodings

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Base64 in lines of 76 characters, each ended by `\n`.
fn base64_lines(data: &[u8]) -> String {
    let b = base64(data);
    let mut out = String::with_capacity(b.len() + b.len() / 76 + 1);
    for line in b.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).expect("ascii"));
        out.push('\n');
    }
    out
}

/// A header value as RFC 2047 encoded words when it is not ASCII (B or Q as `b`
/// says), split so no word is longer than 75 characters, folded onto continuation lines.
fn encode_words(text: &str, b: bool) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    // Leading ASCII words ("Re: ") stay plain, as most clients write them.
    let first = text.find(|c: char| !c.is_ascii()).unwrap_or(0);
    if let Some(space) = text[..first].rfind(' ') {
        let rest = encode_words(&text[space + 1..], b);
        return format!("{} {rest}", &text[..space]);
    }
    let mut words = Vec::new();
    let mut current = String::new();
    let encoded = |s: &str| -> String {
        if b {
            format!("=?utf-8?B?{}?=", base64(s.as_bytes()))
        } else {
            let mut q = String::from("=?utf-8?Q?");
            for &byte in s.as_bytes() {
                match byte {
                    b' ' => q.push('_'),
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'!' | b'*' | b'+' | b'-' | b'/' => {
                        q.push(byte as char)
                    }
                    _ => q.push_str(&format!("={byte:02X}")),
                }
            }
            q.push_str("?=");
            q
        }
    };
    for c in text.chars() {
        let mut next = current.clone();
        next.push(c);
        if encoded(&next).len() > 75 {
            words.push(encoded(&current));
            current = c.to_string();
        } else {
            current = next;
        }
    }
    if !current.is_empty() {
        words.push(encoded(&current));
    }
    words.join("\n ")
}

/// A display name for a From header: an atom, a quoted string or encoded words.
fn display_name(name: &str, rng: &mut Rng) -> String {
    if !name.is_ascii() {
        encode_words(name, rng.chance(0.3))
    } else if name.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ') {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Quoted-printable (RFC 2045): lines of at most 76 characters, soft breaks with `=`.
fn quoted_printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 11 / 10);
    for line in text.split('\n') {
        let bytes = line.as_bytes();
        let mut col = 0;
        for (i, &byte) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let piece = match byte {
                b'=' => "=3D".to_string(),
                b' ' | b'\t' if last => format!("={byte:02X}"),
                33..=126 | b' ' | b'\t' => (byte as char).to_string(),
                _ => format!("={byte:02X}"),
            };
            if col + piece.len() > 75 {
                out.push_str("=\n");
                col = 0;
            }
            out.push_str(&piece);
            col += piece.len();
        }
        out.push('\n');
    }
    // The text ends with a newline: `split` gave one empty line too many.
    out.pop();
    out
}

/// The plain text as minimal HTML.
fn html(text: &str) -> String {
    let mut out = String::from(
        "<html><head><meta charset=\"utf-8\"></head><body style=\"font-family: sans-serif\">\n",
    );
    for para in text.split("\n\n") {
        let escaped = para
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('\n', "<br>\n");
        out.push_str(&format!("<p>{escaped}</p>\n"));
    }
    out.push_str("</body></html>\n");
    out
}

// ---------------------------------------------------------------------------------------
// Messages

/// A conversation so far: who started it, about what, and the Message-IDs in it.
struct Thread {
    customer: usize,
    subject: String,
    to: &'static str,
    ids: Vec<String>,
    last_body: String,
    last_at: DateTime<FixedOffset>,
}

fn fill(template: &str, rng: &mut Rng, lang: Lang, order: u64) -> String {
    let mut s = template.to_string();
    if s.contains("{product}") {
        s = s.replace("{product}", rng.pick(PRODUCTS[lang.i()]));
    }
    if s.contains("{order}") {
        s = s.replace("{order}", &order.to_string());
    }
    if s.contains("{size}") {
        s = s.replace("{size}", &rng.between(35, 47).to_string());
    }
    if s.contains("{amount}") {
        let amount = rng.between(299, 3999);
        s = s.replace("{amount}", &amount.to_string());
    }
    if s.contains("{city}") {
        s = s.replace("{city}", CITIES[rng.index(CITIES.len())]);
    }
    if s.contains("{team}") {
        s = s.replace("{team}", "Nordlys");
    }
    s
}

/// Capitalized subject text: the first letter of a subject starting with a placeholder.
fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The customer's outgoing mail server.
fn host(c: &Customer) -> String {
    let domain = c.email.split('@').nth(1).unwrap_or("example.com");
    if domain.starts_with("mail.") {
        domain.to_string()
    } else {
        format!("mail.{domain}")
    }
}

fn first_name(c: &Customer) -> &str {
    c.name.split(' ').next().unwrap_or(&c.name)
}

/// The text of a first mail about `topic`.
fn first_body(topic: &Topic, c: &Customer, rng: &mut Rng, order: u64) -> String {
    let l = c.lang.i();
    let mut text = fill(rng.pick(GREETING[l]), rng, c.lang, order);
    text.push_str("\n\n");
    let lines = topic.lines[l];
    let count = rng.between(2, 4).min(lines.len() as u64) as usize;
    let start = rng.index(lines.len());
    let mut sentences: Vec<String> = (0..count)
        .map(|k| fill(lines[(start + k) % lines.len()], rng, c.lang, order))
        .collect();
    // Sometimes a second concern: a return that turns into an invoice question.
    if rng.chance(0.12) {
        sentences.push(fill(rng.pick(FOLLOW_UP[l]), rng, c.lang, order));
    }
    if rng.chance(0.5) {
        // One sentence a line (so some lines start with "From ...").
        text.push_str(&sentences.join("\n"));
    } else {
        text.push_str(&sentences.join(" "));
    }
    text.push_str("\n\n");
    text.push_str(rng.pick(SIGN_OFF[l]));
    text.push('\n');
    text.push_str(if rng.chance(0.6) {
        first_name(c)
    } else {
        &c.name
    });
    text.push('\n');
    if rng.chance(0.15) {
        text.push_str("\n-- \nSent from my phone\n");
    }
    text
}

/// The text of a reply in `thread`, quoting the mail before it.
fn reply_body(thread: &Thread, c: &Customer, rng: &mut Rng, order: u64) -> String {
    let l = c.lang.i();
    let mut text = fill(rng.pick(FOLLOW_UP[l]), rng, c.lang, order);
    if rng.chance(0.4) {
        text.push(' ');
        text.push_str(&fill(rng.pick(FOLLOW_UP[l]), rng, c.lang, order));
    }
    text.push_str("\n\n");
    text.push_str(first_name(c));
    text.push_str("\n\n");
    text.push_str(&format!(
        "{}, {} <{}> {}:\n",
        thread.last_at.format("%d.%m.%Y %H:%M"),
        c.name,
        c.email,
        WROTE[l]
    ));
    for line in thread.last_body.lines().take(30) {
        if line.is_empty() {
            text.push_str(">\n");
        } else {
            text.push_str("> ");
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

fn attachment(name: &str, rng: &mut Rng) -> (String, Vec<u8>) {
    let size = rng.between(600, 6000) as usize;
    let (ctype, mut data) = if name.ends_with(".pdf") {
        ("application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec())
    } else {
        (
            "image/jpeg",
            vec![
                0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
            ],
        )
    };
    data.extend(rng.bytes(size));
    (ctype.to_string(), data)
}

/// The header line for an attachment's name: plain, or RFC 2231 when not ASCII.
fn disposition(name: &str) -> String {
    if name.is_ascii() {
        format!("Content-Disposition: attachment; filename=\"{name}\"")
    } else {
        let mut enc = String::new();
        for &b in name.as_bytes() {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                enc.push(b as char);
            } else {
                enc.push_str(&format!("%{b:02X}"));
            }
        }
        format!("Content-Disposition: attachment; filename*=utf-8''{enc}")
    }
}

/// A text/plain part: headers and body, in one of the usual transfer encodings.
fn text_part(text: &str, rng: &mut Rng) -> String {
    let ascii = text.is_ascii();
    match rng.below(10) {
        0..=4 => format!(
            "Content-Type: text/plain; charset=utf-8\n\
             Content-Transfer-Encoding: {}\n\n{text}",
            if ascii { "7bit" } else { "8bit" }
        ),
        5..=8 => format!(
            "Content-Type: text/plain; charset=\"UTF-8\"\n\
             Content-Transfer-Encoding: quoted-printable\n\n{}",
            quoted_printable(text)
        ),
        _ => format!(
            "Content-Type: text/plain; charset=utf-8\n\
             Content-Transfer-Encoding: base64\n\n{}",
            base64_lines(text.as_bytes())
        ),
    }
}

/// One message (without the envelope line, not yet escaped).
#[allow(clippy::too_many_arguments)]
fn message(
    rng: &mut Rng,
    i: usize,
    c: &Customer,
    to: &str,
    subject: &str,
    id: &str,
    refs: &[String],
    at: DateTime<FixedOffset>,
    text: &str,
    files: &[String],
) -> String {
    let mut m = String::with_capacity(text.len() * 2 + 800);
    m.push_str(&format!(
        "Return-Path: <{}>\n\
         Received: from {} ({} [192.0.2.{}])\n\tby mx.nordlys.example with ESMTPS id {:08x}\n\tfor <{to}>; {}\n",
        c.email,
        host(c),
        host(c),
        rng.between(1, 254),
        rng.next_u64() as u32,
        at.to_rfc2822()
    ));
    m.push_str(&format!(
        "From: {} <{}>\n",
        display_name(&c.name, rng),
        c.email
    ));
    m.push_str(&format!("To: {to}\n"));
    if rng.chance(0.03) {
        m.push_str("Cc: support@nordlys.example\n");
    }
    // Most clients encode non-ASCII subjects; a few send raw UTF-8 (RFC 6532).
    let subj = if rng.chance(0.1) {
        subject.to_string()
    } else {
        encode_words(subject, rng.chance(0.5))
    };
    m.push_str(&format!("Subject: {subj}\n"));
    m.push_str(&format!("Date: {}\n", at.to_rfc2822()));
    m.push_str(&format!("Message-ID: {id}\n"));
    if let Some(last) = refs.last() {
        m.push_str(&format!("In-Reply-To: {last}\n"));
        m.push_str("References:");
        for r in refs {
            m.push_str("\n ");
            m.push_str(r);
        }
        m.push('\n');
    }
    m.push_str(&format!(
        "User-Agent: {}\n",
        MAILERS[(i * 7 + c.email.len()) % MAILERS.len()]
    ));
    m.push_str("MIME-Version: 1.0\n");

    let alternative = rng.chance(0.12);
    if files.is_empty() && !alternative {
        m.push_str(&text_part(text, rng));
        if !m.ends_with('\n') {
            m.push('\n');
        }
        return m;
    }
    let boundary = format!("=_nordlys_{i:x}_{:012x}", rng.next_u64() >> 16);
    let body = if alternative {
        let inner = format!("=_alt_{i:x}_{:08x}", rng.next_u64() as u32);
        format!(
            "Content-Type: multipart/alternative; boundary=\"{inner}\"\n\n\
             --{inner}\n{}\n--{inner}\n\
             Content-Type: text/html; charset=utf-8\n\
             Content-Transfer-Encoding: quoted-printable\n\n{}\n--{inner}--\n",
            text_part(text, rng).trim_end_matches('\n'),
            quoted_printable(&html(text)).trim_end_matches('\n')
        )
    } else {
        format!("{}\n", text_part(text, rng).trim_end_matches('\n'))
    };
    if files.is_empty() {
        m.push_str(&body);
        return m;
    }
    m.push_str(&format!(
        "Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\n\
         This is a multi-part message in MIME format.\n\n--{boundary}\n{body}"
    ));
    for name in files {
        let (ctype, data) = attachment(name, rng);
        let quoted = if name.is_ascii() {
            format!("; name=\"{name}\"")
        } else {
            String::new()
        };
        m.push_str(&format!(
            "\n--{boundary}\nContent-Type: {ctype}{quoted}\n{}\nContent-Transfer-Encoding: base64\n\n{}",
            disposition(name),
            base64_lines(&data)
        ));
    }
    m.push_str(&format!("\n--{boundary}--\n"));
    m
}

/// mboxrd: `>` before every line that starts with `>*From `.
fn escape_from(message: &str, out: &mut String) {
    for line in message.split_inclusive('\n') {
        if line.trim_start_matches('>').starts_with("From ") {
            out.push('>');
        }
        out.push_str(line);
    }
}

/// Writes `n` messages to `path` (replacing it): a realistic mbox for the shop example,
/// the same bytes for the same `n` and `seed`.
pub fn write_mbox(path: &Path, n: usize, seed: u64) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let pool = customers(seed, (n / 3).clamp(1, 4000));
    let weights: Vec<u32> = TOPICS.iter().map(|t| t.weight).collect();
    let mut threads: Vec<Thread> = Vec::new();
    // Messages arrive over about 80 days from 1 September 2026.
    let start = Utc
        .with_ymd_and_hms(2026, 9, 1, 5, 0, 0)
        .single()
        .expect("start");
    let span = 80 * 86_400u64;
    let mean_gap = (span / n.max(1) as u64).max(1);
    let mut now = start;
    let mut buf = String::new();
    for i in 0..n {
        let mut rng = stream(seed, i as u64);
        now += Duration::seconds(rng.between(0, 2 * mean_gap) as i64);
        // Summer time until 25 October 2026.
        let offset = if now
            < Utc
                .with_ymd_and_hms(2026, 10, 25, 1, 0, 0)
                .single()
                .expect("dst")
        {
            2
        } else {
            1
        };
        let at = now.with_timezone(&FixedOffset::east_opt(offset * 3600).expect("offset"));
        let order = rng.between(100_000, 999_999);
        let reply = !threads.is_empty() && rng.chance(0.3);
        let t = if reply {
            // Mostly recent conversations: the customer answers within days.
            let recent = threads.len().min(400);
            threads.len() - 1 - rng.index(recent)
        } else {
            let ci = rng.index(pool.len());
            let c = &pool[ci];
            let topic = if c.shop && rng.chance(0.8) {
                TOPIC_WHOLESALE
            } else {
                rng.weighted(&weights)
            };
            let tp = &TOPICS[topic];
            let subject = capitalize(&fill(
                rng.pick(tp.subjects[c.lang.i()]),
                &mut rng,
                c.lang,
                order,
            ));
            let to = if rng.chance(0.75) {
                tp.to[0]
            } else {
                rng.pick(tp.to)
            };
            let text = first_body(tp, c, &mut rng, order);
            let files: Vec<String> = if !tp.files.is_empty() && rng.chance(0.12) {
                let mut f = vec![rng.pick(tp.files).to_string()];
                if rng.chance(0.2) {
                    f.push("kvittering_ørsta.pdf".to_string());
                }
                f
            } else {
                Vec::new()
            };
            let id = format!(
                "<{}.{:08x}.{i}@{}>",
                at.timestamp(),
                rng.next_u64() as u32,
                host(c)
            );
            let m = message(&mut rng, i, c, to, &subject, &id, &[], at, &text, &files);
            threads.push(Thread {
                customer: ci,
                subject,
                to,
                ids: vec![id],
                last_body: text,
                last_at: at,
            });
            write_one(&mut out, &mut buf, c, at, &m)?;
            continue;
        };
        let thread = &threads[t];
        let c = &pool[thread.customer];
        // Now and then an out-of-office answer instead (`message.auto` in the rules).
        let auto = rng.chance(0.04);
        let l = c.lang.i();
        let prefix = if auto {
            AUTO_PREFIX[l]
        } else {
            rng.pick(REPLY_PREFIX[l])
        };
        let base = thread.subject.clone();
        let subject = format!("{prefix}{base}");
        let text = if auto {
            format!(
                "{}\n\n{}\n",
                fill(rng.pick(AWAY[l]), &mut rng, c.lang, order),
                c.name
            )
        } else {
            reply_body(thread, c, &mut rng, order)
        };
        let id = format!(
            "<{}.{:08x}.{i}@{}>",
            at.timestamp(),
            rng.next_u64() as u32,
            host(c)
        );
        let files: Vec<String> = if !auto && rng.chance(0.04) {
            vec!["bilde.jpg".to_string()]
        } else {
            Vec::new()
        };
        // References: the first message and the last few, as mail clients trim them.
        let ids = &thread.ids;
        let mut refs: Vec<String> = ids[..1].to_vec();
        refs.extend(ids[ids.len().saturating_sub(9).max(1)..].iter().cloned());
        let mut m = message(
            &mut rng, i, c, thread.to, &subject, &id, &refs, at, &text, &files,
        );
        if auto {
            m = m.replacen(
                "MIME-Version: 1.0\n",
                "Auto-Submitted: auto-replied\nX-Autoreply: yes\nMIME-Version: 1.0\n",
                1,
            );
        }
        write_one(&mut out, &mut buf, c, at, &m)?;
        if auto {
            threads[t].ids.push(id);
            continue;
        }
        let thread = &mut threads[t];
        thread.ids.push(id);
        thread.last_body = text;
        thread.last_at = at;
    }
    out.flush()
}

/// The envelope line, the escaped message and the blank line that ends it.
fn write_one(
    out: &mut impl Write,
    buf: &mut String,
    c: &Customer,
    at: DateTime<FixedOffset>,
    message: &str,
) -> std::io::Result<()> {
    buf.clear();
    buf.push_str(&format!(
        "From {} {}\n",
        c.email,
        at.with_timezone(&Utc).format("%a %b %e %H:%M:%S %Y")
    ));
    escape_from(message, buf);
    if !buf.ends_with('\n') {
        buf.push('\n');
    }
    buf.push('\n');
    out.write_all(buf.as_bytes())
}

// ---------------------------------------------------------------------------------------
// The command line

#[allow(dead_code)]
const USAGE: &str = "usage: mbox --messages N [--seed S] --out FILE";

/// The command line: `(messages, seed, out)`.
#[allow(dead_code)]
fn parse_args(args: &[String]) -> Result<(usize, u64, std::path::PathBuf), String> {
    let mut messages = None;
    let mut seed = 1u64;
    let mut out = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match flag {
            "--messages" | "-n" => {
                let v = value("--messages")?;
                messages = Some(
                    v.parse::<usize>()
                        .map_err(|_| format!("--messages `{v}`: not a count\n{USAGE}"))?,
                );
            }
            "--seed" => {
                let v = value("--seed")?;
                seed = v
                    .parse::<u64>()
                    .map_err(|_| format!("--seed `{v}`: not a number\n{USAGE}"))?;
            }
            "--out" | "-o" => out = Some(std::path::PathBuf::from(value("--out")?)),
            _ => return Err(format!("unexpected argument `{arg}`\n{USAGE}")),
        }
    }
    let messages = messages.ok_or_else(|| format!("missing --messages N\n{USAGE}"))?;
    let out = out.ok_or_else(|| format!("missing --out FILE\n{USAGE}"))?;
    Ok((messages, seed, out))
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return;
    }
    let (messages, seed, out) = match parse_args(&args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("mbox: {e}");
            std::process::exit(2);
        }
    };
    let started = std::time::Instant::now();
    if let Err(e) = write_mbox(&out, messages, seed) {
        eprintln!("mbox: {}: {e}", out.display());
        std::process::exit(1);
    }
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "mbox: wrote {messages} messages ({:.1} MB) to {} in {:.2}s",
        size as f64 / 1e6,
        out.display(),
        started.elapsed().as_secs_f64()
    );
}
