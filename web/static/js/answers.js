/** The host's actions answered beside their controls: why a move was refused or a repair paired
 * nobody, in plain words, with one button for each thing the server says can be done instead. */

import { listOf, t, tn } from './i18n.js';
import { el } from './ui.js';

const WHY = new Set(['nobody', 'single', 'same_side', 'repeat', 'declined']);

/** One alternative (`{kind, room, with, same_side}`) as the words of its button for `name`. */
export function alternativeText(alt, name) {
  const vars = { name, with: listOf(alt.with || []) };
  if (alt.kind === 'trio') return t(alt.same_side ? 'alt_trio_same_side' : 'alt_trio', vars);
  if (alt.kind === 'pair') return t('alt_pair', vars);
  return t('alt_next_round', vars);
}

/** The move an alternative stands for (`move` ack payload). */
export function alternativeMove(pid, alt) {
  const move = { participant: pid, room: alt.room ?? null };
  if (alt.kind === 'trio' && alt.same_side) move.trio = true;
  return move;
}

/**
 * An answer box: `text` (its `kind`: success, error, info), then for each of `people`
 * ({id, name, alternatives}) a line of buttons; `onPick(pid, alt, button)` runs one. An error
 * is an alert (read at once), anything else a polite status.
 */
export function answerBox(props, kind, lines, people = [], onPick = null) {
  const box = el('div', { ...props, class: `action-feedback alert alert-${kind}`,
    role: kind === 'error' ? 'alert' : 'status' });
  for (const line of lines) box.append(el('p', { text: line }));
  for (const person of people) {
    const alts = Array.isArray(person.alternatives) ? person.alternatives : [];
    if (!alts.length || !onPick) continue;
    box.append(el('p', { class: 'small', text: t('instead_for', { name: person.name }) }),
      el('div', { class: 'inline alternatives' }, alts.map((alt) => el('button', {
        type: 'button', class: 'secondary small-button', text: alternativeText(alt, person.name),
        'data-testid': 'alternative', dataset: { kind: alt.kind, room: alt.room || '' },
        onclick: (e) => onPick(person.id, alt, e.currentTarget) }))));
  }
  return box;
}

/** Why nobody (else) could be paired, one sentence per reason the server gave. */
export function whyAlone(why) {
  return (Array.isArray(why) ? why : []).filter((w) => WHY.has(w && w.code))
    .map((w) => t(`repair_${w.code}`, { ...w, names: listOf(w.names || []) }));
}

/** What a repair did and why the rest are still alone. */
export function repairLines(ack) {
  const paired = (ack.paired || []).length;
  const lines = paired ? [tn('repair_done', paired)] : [];
  const left = Array.isArray(ack.left) ? ack.left : [];
  if (left.length && paired) lines.push(t('repair_still_alone', { names: listOf(left.map((p) => p.name)) }));
  return [...lines, ...whyAlone(ack.why)];
}
