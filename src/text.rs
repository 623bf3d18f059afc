//! Word matching for `contains`: case-insensitive, whole words, any script, and — so a
//! rule for "faktura" also catches "Hvor er fakturaen min?" — the word forms of the
//! helpdesk's languages. `contains_exact` keeps to the words as written.
//!
//! A word of the text matches a word of the term when:
//! 1. it is the same word ("Faktura" → faktura);
//! 2. it is a form of it: the Snowball stemmer of one of the languages in play reduces
//!    the word to the term, the term to the word, or both to the same stem of at least
//!    three letters (fakturaen, fakturaer, betalingen, Rechnungen, invoices, paying);
//! 3. it is the Swedish definite form Snowball leaves alone: the term ends in a vowel
//!    and the word adds `n` or `t` (fakturan, kontot);
//! 4. it is a compound that starts with the term, in a language that writes compounds
//!    as one word: the term has at least four letters and the word goes on for at least
//!    four more, a vowel among them (fakturanummer, Rechnungsnummer, Zahlungserinnerung,
//!    returlapp). "pay" never matches "paypal"; a compound that
//!    ends with the term (Stromrechnung) is not a match.
//!
//! Which languages are in play: the language of the text when the guesser
//! (whatlang, among the helpdesk's languages) is sure of it — English alone for English
//! text, so "card" does not match "cardigan" there; Norwegian, Swedish and Danish
//! together for any of them, since short texts confuse them — else every language the
//! helpdesk serves.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::fmt;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

/// The lowercase words of a text, by Unicode word boundaries (ideographs are one word each).
pub fn words(text: &str) -> Vec<String> {
    text.unicode_words().map(str::to_lowercase).collect()
}

/// A language whose word forms `contains` knows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Lang {
    Danish,
    Dutch,
    English,
    Finnish,
    French,
    German,
    Italian,
    Norwegian,
    Portuguese,
    Spanish,
    Swedish,
}

/// Codes as desk.toml's `[helpdesk] languages` writes them (ISO 639-1).
const CODES: [(&str, Lang); 11] = [
    ("da", Lang::Danish),
    ("de", Lang::German),
    ("en", Lang::English),
    ("es", Lang::Spanish),
    ("fi", Lang::Finnish),
    ("fr", Lang::French),
    ("it", Lang::Italian),
    ("nl", Lang::Dutch),
    ("no", Lang::Norwegian),
    ("pt", Lang::Portuguese),
    ("sv", Lang::Swedish),
];

/// The languages a helpdesk serves unless desk.toml says otherwise.
pub const DEFAULT_LANGUAGES: [Lang; 5] = [
    Lang::Norwegian,
    Lang::Swedish,
    Lang::Danish,
    Lang::German,
    Lang::English,
];

impl Lang {
    /// From an ISO 639-1 code; `nb` and `nn` are Norwegian.
    pub fn parse(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        let code = match code.as_str() {
            "nb" | "nn" => "no",
            c => c,
        };
        CODES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
    }

    pub fn codes() -> impl Iterator<Item = &'static str> + Clone {
        CODES.iter().map(|(c, _)| *c)
    }

    fn algorithm(self) -> Algorithm {
        match self {
            Lang::Danish => Algorithm::Danish,
            Lang::Dutch => Algorithm::Dutch,
            Lang::English => Algorithm::English,
            Lang::Finnish => Algorithm::Finnish,
            Lang::French => Algorithm::French,
            Lang::German => Algorithm::German,
            Lang::Italian => Algorithm::Italian,
            Lang::Norwegian => Algorithm::Norwegian,
            Lang::Portuguese => Algorithm::Portuguese,
            Lang::Spanish => Algorithm::Spanish,
            Lang::Swedish => Algorithm::Swedish,
        }
    }

    /// Whether the language writes compounds as one word.
    fn compounds(self) -> bool {
        matches!(
            self,
            Lang::Danish
                | Lang::Dutch
                | Lang::Finnish
                | Lang::German
                | Lang::Norwegian
                | Lang::Swedish
        )
    }

    fn nordic(self) -> bool {
        matches!(self, Lang::Danish | Lang::Norwegian | Lang::Swedish)
    }

    fn whatlang(self) -> whatlang::Lang {
        match self {
            Lang::Danish => whatlang::Lang::Dan,
            Lang::Dutch => whatlang::Lang::Nld,
            Lang::English => whatlang::Lang::Eng,
            Lang::Finnish => whatlang::Lang::Fin,
            Lang::French => whatlang::Lang::Fra,
            Lang::German => whatlang::Lang::Deu,
            Lang::Italian => whatlang::Lang::Ita,
            Lang::Norwegian => whatlang::Lang::Nob,
            Lang::Portuguese => whatlang::Lang::Por,
            Lang::Spanish => whatlang::Lang::Spa,
            Lang::Swedish => whatlang::Lang::Swe,
        }
    }

    fn stem(self, word: &str) -> String {
        Stemmer::create(self.algorithm()).stem(word).into_owned()
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

/// How a word of the text matched a word of the term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    Exact,
    Form(Lang),
    Compound,
}

/// A text split into words, with the languages its forms are read in (guessed once,
/// when a test first needs them).
pub struct Text {
    pub words: Vec<String>,
    sample: String,
    langs: OnceCell<(Vec<Lang>, bool)>,
    /// Stems already computed: a long mail repeats its words, and every term is tried.
    stems: RefCell<HashMap<String, Vec<(Lang, String)>>>,
}

/// What the language guesser reads: enough to be sure, not a whole newsletter.
const SAMPLE: usize = 1024;

/// How sure the guesser must be. Whatlang's own "reliable" (0.9) is rarely reached by a
/// one-line subject; at 0.5, "Where is my invoice?" reads as English, while Norwegian
/// and Danish, which it confuses, stay below.
const SURE: f64 = 0.5;

impl Text {
    pub fn new(text: &str) -> Text {
        let mut cut = text.len().min(SAMPLE);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        Text {
            words: words(text),
            sample: text[..cut].to_string(),
            langs: OnceCell::new(),
            stems: RefCell::new(HashMap::new()),
        }
    }

    /// The languages to read word forms in, and whether compounds count.
    fn langs(&self, served: &[Lang]) -> &(Vec<Lang>, bool) {
        self.langs
            .get_or_init(|| GUESSES.with(|g| guess(&mut g.borrow_mut(), &self.sample, served)))
    }

    /// The first place where `phrase` (already split by [`words`]) occurs as consecutive
    /// words: the words as written there, and how the first one matched.
    pub fn find(&self, phrase: &[String], served: Option<&[Lang]>) -> Option<(String, How)> {
        if phrase.is_empty() || self.words.len() < phrase.len() {
            return None;
        }
        self.words.windows(phrase.len()).find_map(|w| {
            let mut first = None;
            for (word, term) in w.iter().zip(phrase) {
                let how = self.word_match(word, term, served)?;
                first.get_or_insert(how);
            }
            Some((w.join(" "), first.unwrap_or(How::Exact)))
        })
    }

    /// How `word` matches `term` (both lowercase), if it does. The language is guessed
    /// only to confirm a match that depends on it, which few words come to.
    fn word_match(&self, word: &str, term: &str, served: Option<&[Lang]>) -> Option<How> {
        if word == term {
            return Some(How::Exact);
        }
        // Every form below shares the term's first three letters (or all of a shorter
        // term's), as stems and compounds begin with them: most words stop here.
        let served = served?;
        let mut w = word.chars().map(fold);
        for t in term.chars().map(fold).take(3) {
            if w.next() != Some(t) {
                return None;
            }
        }
        let how = self.form(word, term, served, true)?;
        // English forms count in any text; others only where the text may be theirs.
        if how == How::Form(Lang::English) {
            return Some(how);
        }
        let (langs, compounds) = self.langs(served);
        let allowed = match how {
            How::Form(l) => langs.contains(&l),
            _ => *compounds,
        };
        if allowed {
            Some(how)
        } else {
            self.form(word, term, langs, *compounds)
        }
    }

    /// Whether `word` is a form of `term` in one of `langs`, or a compound of it.
    fn form(&self, word: &str, term: &str, langs: &[Lang], compounds: bool) -> Option<How> {
        for &l in langs {
            let (w, t) = (self.stem(l, word), self.stem(l, term));
            let same = (w == t && w.chars().count() >= 3) || w == term || t == word;
            if same {
                return Some(How::Form(l));
            }
        }
        let term_len = term.chars().count();
        let tail = word.strip_prefix(term)?;
        if term_len >= 4
            && (tail == "n" || tail == "t")
            && term.chars().last().is_some_and(is_vowel)
            && langs.contains(&Lang::Swedish)
        {
            return Some(How::Form(Lang::Swedish));
        }
        // The rest is a word of its own, perhaps after a linking `s` (Rechnungsnummer).
        let compound =
            compounds && term_len >= 4 && tail.chars().count() >= 4 && tail.chars().any(is_vowel);
        compound.then_some(How::Compound)
    }

    fn stem(&self, lang: Lang, word: &str) -> String {
        let mut memo = self.stems.borrow_mut();
        if let Some(s) = memo
            .get(word)
            .and_then(|v| v.iter().find(|(l, _)| *l == lang))
        {
            return s.1.clone();
        }
        let s = lang.stem(word);
        memo.entry(word.to_string())
            .or_default()
            .push((lang, s.clone()));
        s
    }
}

thread_local! {
    /// Languages guessed per text sample: the rules look at one message's text many
    /// times (each rule, each event), and the guess is the same each time.
    static GUESSES: RefCell<HashMap<String, (Vec<Lang>, bool)>> = RefCell::new(HashMap::new());
}

/// The languages in play for a text (see the module's comment), remembered.
fn guess(
    memo: &mut HashMap<String, (Vec<Lang>, bool)>,
    sample: &str,
    served: &[Lang],
) -> (Vec<Lang>, bool) {
    if let Some(g) = memo.get(sample) {
        return g.clone();
    }
    let guessed = match served {
        [] => None,
        [one] => Some(*one),
        _ => whatlang::Detector::with_allowlist(served.iter().map(|l| l.whatlang()).collect())
            .detect(sample)
            .filter(|i| i.confidence() >= SURE)
            .and_then(|i| served.iter().copied().find(|l| l.whatlang() == i.lang())),
    };
    let langs: Vec<Lang> = match guessed {
        None => served.to_vec(),
        Some(Lang::English) => vec![Lang::English],
        // Words borrowed from English are common in any of them.
        Some(g) => served
            .iter()
            .copied()
            .filter(|l| *l == g || *l == Lang::English || (g.nordic() && l.nordic()))
            .collect(),
    };
    let compounds = langs.iter().any(|l| l.compounds());
    // Bounded: a long ingest sees many texts, each needed only while it is handled.
    if memo.len() >= 256 {
        memo.clear();
    }
    memo.insert(sample.to_string(), (langs.clone(), compounds));
    (langs, compounds)
}

/// Folds what the German stemmer folds, so a first-letter check can skip most words.
fn fold(c: char) -> char {
    match c {
        'ä' | 'à' | 'á' | 'â' => 'a',
        'ö' | 'ó' | 'ô' => 'o',
        'ü' | 'ú' | 'û' => 'u',
        c => c,
    }
}

fn is_vowel(c: char) -> bool {
    "aeiouyæøåäöüéèáàóòúíâêôû".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(hay: &str, needle: &str) -> Option<String> {
        Text::new(hay)
            .find(&words(needle), Some(&DEFAULT_LANGUAGES))
            .map(|(w, _)| w)
    }

    fn exact(hay: &str, needle: &str) -> bool {
        Text::new(hay).find(&words(needle), None).is_some()
    }

    #[test]
    fn exact_is_whole_words_in_any_script() {
        assert!(exact("Spørsmål om FAKTURA 1234", "faktura"));
        assert!(!exact("fakturanummer mangler", "faktura"));
        assert!(!exact("Hvor er fakturaen min?", "faktura"));
        assert!(exact("Ich möchte eine Rückerstattung.", "rückerstattung"));
        assert!(exact("Jag vill ÅNGRA KÖP av skor", "ångra köp"));
        assert!(!exact("Jag vill ångra mitt köp", "ångra köp"));
        assert!(exact("商品を返品したいです", "返品"));
        assert!(!exact("angra kop", "ångra köp"));
    }

    #[test]
    fn forms_and_compounds() {
        let yes = [
            ("Hvor er fakturaen min?", "faktura", "fakturaen"),
            ("Betalingen gikk ikke gjennom", "betaling", "betalingen"),
            ("Var är fakturan?", "faktura", "fakturan"),
            ("Alla fakturorna är fel", "faktura", "fakturorna"),
            ("Betalningen drogs två gånger", "betalning", "betalningen"),
            ("Hvor finner jeg fakturanummer?", "faktura", "fakturanummer"),
            ("Wo ist die Rechnungsnummer?", "rechnung", "rechnungsnummer"),
            (
                "Ich habe eine Zahlungserinnerung bekommen",
                "zahlung",
                "zahlungserinnerung",
            ),
            ("Returlappen mangler i pakken", "retur", "returlappen"),
            ("Two invoices are missing", "invoice", "invoices"),
            ("I was paying twice", "pay", "paying"),
            (
                "Meine Rückerstattungen fehlen",
                "rückerstattung",
                "rückerstattungen",
            ),
            ("Kontot är låst", "konto", "kontot"),
        ];
        for (hay, term, want) in yes {
            assert_eq!(forms(hay, term).as_deref(), Some(want), "{term} in {hay:?}");
        }
        let no = [
            ("I paid with PayPal", "pay"),
            ("Det står i stromregningen", "regning-x"),
            (
                "Hi, I ordered a cardigan last week and it has not arrived yet.",
                "card",
            ),
            ("Deine Stromrechnung ist da", "rechnung"),
            ("Bildet er uskarpt", "bil"),
        ];
        for (hay, term) in no {
            assert_eq!(forms(hay, term), None, "{term} in {hay:?}");
        }
    }

    /// The README's table, row by row.
    #[test]
    fn the_readme_table() {
        let rows: [(&str, &[&str], &[&str]); 7] = [
            (
                "faktura",
                &[
                    "fakturaen",
                    "fakturaer",
                    "fakturaene",
                    "fakturanummer",
                    "fakturaavdelingen",
                ],
                &["fakturere"],
            ),
            (
                "betaling",
                &["betalingen", "betalinger", "betalingspåminnelse"],
                &["betalning"],
            ),
            (
                "faktura",
                &["fakturan", "fakturor", "fakturorna", "fakturanumret"],
                &[],
            ),
            ("betalning", &["betalningen"], &[]),
            (
                "rechnung",
                &["rechnungen", "rechnungsnummer"],
                &["stromrechnung"],
            ),
            (
                "zahlung",
                &["zahlungen", "zahlungserinnerung"],
                &["zahlenschloss"],
            ),
            ("pay", &["paying"], &["paypal", "payment"]),
        ];
        for (term, yes, no) in rows {
            for w in yes {
                assert!(forms(w, term).is_some(), "{term} should match {w}");
            }
            for w in no {
                assert_eq!(forms(w, term), None, "{term} should not match {w}");
            }
        }
        for (term, w) in [
            ("invoice", "invoices"),
            ("invoice", "invoiced"),
            ("card", "cards"),
        ] {
            assert!(forms(w, term).is_some(), "{term} should match {w}");
        }
        // The README's example of a rare unrelated match.
        assert!(forms("kontorets", "konto").is_some());
        assert_eq!(forms("bilde", "bil"), None);
    }

    #[test]
    fn phrases_match_forms_word_by_word() {
        assert_eq!(
            forms("Jeg vil ha pengene tilbake nå", "penger tilbake").as_deref(),
            Some("pengene tilbake")
        );
    }

    #[test]
    fn codes() {
        assert_eq!(Lang::parse("NB"), Some(Lang::Norwegian));
        assert_eq!(Lang::parse("sv"), Some(Lang::Swedish));
        assert_eq!(Lang::parse("xx"), None);
    }
}
