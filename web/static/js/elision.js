/** French elision where a name follows "de", "le" or "la" in a filled string: "La caméra de
 * {name}" with Amélie gives "La caméra d’Amélie". The one rule of the pages (the server's own is
 * server/core/words.py; both are tested on the same table). Only a placeholder's value decides,
 * never the catalogue's own words. Simplification: every initial H is treated as silent
 * ("d’Hélène", "d’Hugo"), though a few names take an aspirated h; Y elides too ("d’Yves"). */

const VOWELS = new Set('aeiouyhàâäæéèêëîïôöœùûüÿ');
const APOSTROPHE = '\u2019';  // the catalogues' typographic apostrophe
const PLACEHOLDER = /(?<![\p{L}\p{N}_’'])(de|le|la) \{(\w+)\}|\{(\w+)\}/giu;

/** Whether "de", "le" and "la" lose their vowel before `word` (vowel or H first). */
export function elides(word) {
  const first = String(word).replace(/^[ «“"(]+/u, '').slice(0, 1);
  return first !== '' && VOWELS.has(first.toLowerCase());
}

/** `article` ("de", "La", "DE"…) and `word` as French writes them together. */
export function elide(article, word) {
  return elides(word) ? `${article[0]}${APOSTROPHE}${word}` : `${article} ${word}`;
}

/**
 * `text` with its {placeholders} filled from `vars` (one that `vars` lacks stays as written);
 * in French ("fr"), "de", "le" and "la" just before a placeholder elide with its value.
 */
export function fillElided(text, vars = {}, lang = 'en') {
  return text.replace(PLACEHOLDER, (whole, article, key1, key2) => {
    const key = key1 || key2;
    if (!Object.prototype.hasOwnProperty.call(vars, key)) return whole;
    const value = String(vars[key]);
    if (!article) return value;
    return lang === 'fr' ? elide(article, value) : `${article} ${value}`;
  });
}
