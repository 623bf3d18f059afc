//! Word and phrase matching for `contains`: case-insensitive, whole words, any script,
//! diacritics kept ("faktura", "Rückerstattung", "ångra köp", "返品").

use unicode_segmentation::UnicodeSegmentation;

/// The lowercase words of a text, by Unicode word boundaries (ideographs are one word each).
pub fn words(text: &str) -> Vec<String> {
    text.unicode_words().map(str::to_lowercase).collect()
}

/// True when `phrase` (already split by [`words`]) occurs as consecutive words of `hay`.
pub fn has_phrase(hay: &[String], phrase: &[String]) -> bool {
    if phrase.is_empty() {
        return false;
    }
    hay.windows(phrase.len()).any(|w| w == phrase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(hay: &str, needle: &str) -> bool {
        has_phrase(&words(hay), &words(needle))
    }

    #[test]
    fn whole_words_any_script() {
        assert!(m("Spørsmål om FAKTURA 1234", "faktura"));
        assert!(!m("fakturanummer mangler", "faktura"));
        assert!(m("Ich möchte eine Rückerstattung.", "rückerstattung"));
        assert!(m("Jag vill ÅNGRA KÖP av skor", "ångra köp"));
        assert!(!m("Jag vill ångra mitt köp", "ångra köp"));
        assert!(m("商品を返品したいです", "返品"));
        assert!(!m("angra kop", "ångra köp"));
    }
}
