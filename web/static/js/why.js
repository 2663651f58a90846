/**
 * Why two people meet, from their profiles rather than a marked wish (the server's `why`:
 * `{tags, words}` in the reader's own words): "Why this meeting" on the next-partner card and
 * in the room, a short line under a suggestion in the directory.
 */

import { t } from './i18n.js';
import { el } from './ui.js';

/** The sentences of a `why`: shared tags, then words both profiles use ([] for none). */
export function whyTexts(why) {
  if (!why) return [];
  const out = [];
  if (Array.isArray(why.tags) && why.tags.length) out.push(t('why_tags', { list: why.tags.join(', ') }));
  if (Array.isArray(why.words) && why.words.length) out.push(t('why_words', { list: why.words.join(', ') }));
  return out;
}

/** "Why this meeting" with its sentences, or null when there is nothing to say. */
export function whyBlock(why, heading = 'h4') {
  const texts = whyTexts(why);
  if (!texts.length) return null;
  return el('section', { class: 'why', 'data-testid': 'why' },
    el(heading, { class: 'why-title', text: t('why_title') }),
    ...texts.map((text) => el('p', { class: 'why-text', text })));
}

/** The sentences alone, in one line (a suggestion in the directory), or null. */
export function whyLine(why) {
  const texts = whyTexts(why);
  return texts.length ? el('p', { class: 'why-line small', 'data-testid': 'why', text: texts.join(' ') }) : null;
}
