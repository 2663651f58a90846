/**
 * Profiles on the participant's page: a person's card (photo, name, organisation, label, pitch,
 * tags, website) on the next-partner card, beside their video and in the directory; and the
 * form where a person edits their own (until the event starts; the server says so after).
 */

import { boot } from './boot.js';
import { t } from './i18n.js';
import { clearFieldErrors, el, fieldError } from './ui.js';
import { busy } from './focus.js';

const PHOTO_TYPES = 'image/jpeg,image/png,image/webp';
let counter = 0;

/** Where this page asks for `person`'s photo: from this server, with this page's link. */
export function photoSrc(person) {
  if (!person || !person.photo) return null;
  return `/e/${encodeURIComponent(boot.event.id)}/p/${encodeURIComponent(boot.token)}`
    + `/photos/${encodeURIComponent(person.id)}?v=${encodeURIComponent(person.photo)}`;
}

/** The person's photo, or their initials on a coloured disc (a picture, not text: hidden). */
export function avatar(person, size = 'md') {
  const src = photoSrc(person);
  if (src) {
    return el('img', { class: `avatar avatar-${size}`, src, alt: t('profile_photo_of', { name: person.name }),
      loading: 'lazy', decoding: 'async', width: 96, height: 96, 'data-testid': 'profile-photo' });
  }
  const initials = String(person.name || '?').split(/\s+/).filter(Boolean).slice(0, 2)
    .map((w) => w[0].toUpperCase()).join('');
  return el('span', { class: `avatar avatar-${size} avatar-initials`, 'aria-hidden': 'true', text: initials });
}

/** A website's address for people: its host, without "www.". */
function siteName(url) {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}

/** Tags as a list of chips. */
export function tagList(tags, label) {
  if (!Array.isArray(tags) || !tags.length) return null;
  return el('ul', { class: 'tags', 'aria-label': label || t('profile_tags') },
    tags.map((tag) => el('li', { class: 'tag', text: tag })));
}

/**
 * A person's card. `heading`: the tag of their name ('h3' in a list of people, 'h4' inside a
 * card); `headingId` to label a surrounding element with it; `compact` leaves the pitch out;
 * `bare` leaves out what the page already says beside it (name, organisation, side).
 */
export function profileCard(person, { heading = 'h3', headingId = null, compact = false, bare = false } = {}) {
  const id = headingId || `person-${person.id}-${++counter}`;
  const site = person.website
    ? el('a', { href: person.website, target: '_blank', rel: 'noopener noreferrer nofollow', class: 'profile-site',
      'data-testid': 'profile-website', text: siteName(person.website),
      'aria-label': t('profile_website_of', { name: person.name, site: siteName(person.website) }) })
    : null;
  const label = person.label ? el('span', { class: 'badge badge-label', 'data-testid': 'profile-label',
    title: t('profile_label'), text: person.label }) : null;
  const who = bare ? [label ? el('p', { class: 'profile-meta' }, label) : null] : [
    el(heading, { class: 'profile-name', id, text: person.name }),
    el('p', { class: 'profile-meta' },
      person.organization ? el('span', { class: 'profile-org', text: person.organization }) : null,
      person.side ? el('span', { class: 'badge', text: person.side }) : null,
      label)];
  const named = bare ? { 'aria-label': t('profile_of', { name: person.name }) } : { 'aria-labelledby': id };
  return el('article', { class: 'profile-card', ...named, 'data-testid': 'profile-card', dataset: { person: person.id } },
    avatar(person),
    el('div', { class: 'profile-body' },
      ...who,
      !compact && person.pitch ? el('p', { class: 'profile-pitch', 'data-testid': 'profile-pitch', text: person.pitch }) : null,
      tagList(person.tags),
      site ? el('p', { class: 'profile-links' }, site) : null));
}

/** A person's words for a refused profile change (by code), else the server's. */
export function profileError(err) {
  const key = `profile_error_${err && err.code}`;
  // a refused call carries the server's parameters (limit, value, marks) in `detail`
  const said = t(key, { ...((err && err.detail) || {}), ...(err || {}) });
  return said === key ? (err && err.message) || String(err) : said;
}

/**
 * The form of my own profile. `ask(event, payload)` calls the server; `me` is my profile as
 * the server gave it; `saved(profile)` after each change; `suggested` the tags to offer.
 * Returns {node, setOpen(open), setSuggestions(tags)}.
 */
export function profileEditor(me, ask, saved, suggested = []) {
  let tags = [...(me.tags || [])];
  let offered = suggested;
  const status = el('p', { class: 'form-status small', role: 'status', 'aria-live': 'polite', 'data-testid': 'profile-status' });
  const closed = el('p', { class: 'alert alert-warn', 'data-testid': 'profile-closed', text: t('profile_closed'), hidden: true });
  const pitch = el('textarea', { id: 'profile-pitch', name: 'pitch', rows: 4, maxlength: 500, 'data-testid': 'profile-pitch-input',
    'aria-describedby': 'profile-pitch-hint' });
  pitch.value = me.pitch || '';
  const pitchHint = el('span', { class: 'muted small', id: 'profile-pitch-hint' });
  const countPitch = () => { pitchHint.textContent = t('profile_pitch_hint', { count: 500 - pitch.value.length }); };
  pitch.addEventListener('input', countPitch);
  countPitch();
  const website = el('input', { type: 'text', inputmode: 'url', id: 'profile-website', name: 'website', maxlength: 300,
    autocomplete: 'url', placeholder: 'https://', value: me.website || '', 'data-testid': 'profile-website-input' });
  const chosen = el('ul', { class: 'tags tags-edit', 'aria-label': t('profile_tags_yours'), 'data-testid': 'profile-tags' });
  const newTag = el('input', { type: 'text', id: 'profile-tag', maxlength: 40, autocomplete: 'off', 'data-testid': 'profile-tag-input',
    'aria-describedby': 'profile-tag-hint' });
  const addTag = el('button', { type: 'button', class: 'secondary small-button', text: t('profile_tag_add'), 'data-testid': 'profile-tag-add' });
  const offers = el('div', { class: 'tag-offers', role: 'group', 'aria-label': t('profile_tags_suggested') });

  function drawTags() {
    chosen.replaceChildren(...tags.map((tag) => el('li', { class: 'tag' }, tag,
      el('button', { type: 'button', class: 'tag-remove', text: '×', 'aria-label': t('profile_tag_remove', { tag }),
        onclick: () => { tags = tags.filter((x) => x !== tag); drawTags(); newTag.focus(); } }))));
    const mine = new Set(tags.map((x) => x.toLowerCase()));
    offers.replaceChildren(...offered.filter((tag) => !mine.has(tag.toLowerCase())).slice(0, 24).map((tag) =>
      el('button', { type: 'button', class: 'tag-offer small-button', text: `+ ${tag}`, 'aria-label': t('profile_tag_add_named', { tag }),
        onclick: () => { tags = [...tags, tag]; drawTags(); } })));
    offers.hidden = !offers.children.length;
  }
  function takeTyped() {
    const typed = newTag.value.split(/[,;#]/).map((x) => x.trim().toLowerCase()).filter(Boolean);
    for (const tag of typed) if (!tags.some((x) => x.toLowerCase() === tag)) tags.push(tag);
    newTag.value = '';
    drawTags();
  }
  addTag.addEventListener('click', takeTyped);
  newTag.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ',') {
      event.preventDefault();
      takeTyped();
    }
  });

  const save = el('button', { type: 'submit', class: 'primary', text: t('profile_save'), 'data-testid': 'profile-save' });
  const form = el('form', { class: 'profile-form', 'data-testid': 'profile-form', novalidate: true },
    closed,
    el('label', { for: 'profile-pitch', text: t('profile_pitch') }), pitch, pitchHint,
    el('label', { for: 'profile-tag', text: t('profile_tags') }),
    el('p', { class: 'muted small', id: 'profile-tag-hint', text: t('profile_tags_hint') }),
    chosen,
    el('div', { class: 'inline' }, newTag, addTag),
    offers,
    el('label', { for: 'profile-website', text: t('profile_website') }), website,
    photoField(me, (profile) => { Object.assign(me, profile); saved(profile); status.textContent = t('profile_photo_saved'); }, status),
    el('div', { class: 'dialog-actions' }, save),
    status);
  // a refusal names its field (`field`): said beside it
  const controls = { pitch, tags: newTag, website };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (newTag.value.trim()) takeTyped();
    busy(save, true);
    status.textContent = '';
    clearFieldErrors(form);
    try {
      const ack = await ask('profile', { pitch: pitch.value, tags, website: website.value });
      Object.assign(me, ack.profile);
      tags = [...ack.profile.tags];
      website.value = ack.profile.website;
      drawTags();
      saved(ack.profile);
      status.textContent = t('profile_saved');
    } catch (err) {
      const control = controls[err.detail && err.detail.field];
      if (control) fieldError(control, profileError(err)).focus();
      else status.textContent = profileError(err);
    } finally {
      busy(save, false);
      save.disabled = form.dataset.closed === 'true';
    }
  });
  drawTags();
  return {
    node: form,
    setOpen(open) {
      form.dataset.closed = String(!open);
      closed.hidden = open;
      for (const control of form.querySelectorAll('input, textarea, button')) control.disabled = !open;
    },
    setSuggestions(list) {
      offered = list;
      drawTags();
    },
  };
}

/** My photo: choose a file (sent at once), or take it off. */
function photoField(me, saved, status) {
  const input = el('input', { type: 'file', id: 'profile-photo', accept: PHOTO_TYPES, 'data-testid': 'profile-photo-input' });
  const preview = el('div', { class: 'photo-preview' });
  const remove = el('button', { type: 'button', class: 'secondary small-button', text: t('profile_photo_remove'),
    'data-testid': 'profile-photo-remove' });
  const draw = () => {
    preview.replaceChildren(avatar(me, 'lg'));
    remove.hidden = !me.photo;
  };
  const url = `/e/${encodeURIComponent(boot.event.id)}/p/${encodeURIComponent(boot.token)}/photo`;
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    fieldError(input, '');
    status.textContent = t('profile_photo_sending');
    try {
      const res = await fetch(url, { method: 'PUT', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' },
        credentials: 'omit', cache: 'no-store' });
      const answer = await res.json().catch(() => ({}));
      if (!res.ok) throw Object.assign(new Error((answer.error && answer.error.message) || t('error_http', { status: res.status })),
        answer.error || {});
      saved(answer.profile);
      draw();
    } catch (err) {
      status.textContent = '';
      fieldError(input, profileError(err));
    } finally {
      input.value = '';
    }
  });
  remove.addEventListener('click', async () => {
    try {
      const res = await fetch(url, { method: 'DELETE', credentials: 'omit', cache: 'no-store' });
      if (!res.ok) {
        const answer = await res.json().catch(() => ({}));
        throw Object.assign(new Error((answer.error && answer.error.message) || t('error_http', { status: res.status })),
          answer.error || {});
      }
      saved({ ...me, photo: null });
      draw();
      status.textContent = t('profile_photo_removed');
    } catch (err) {
      status.textContent = profileError(err);
    }
  });
  draw();
  return el('div', { class: 'photo-field' },
    el('label', { for: 'profile-photo', text: t('profile_photo') }),
    el('div', { class: 'inline' }, preview, input, remove),
    el('p', { class: 'muted small', text: t('profile_photo_hint') }));
}

/**
 * "You" on my page: my card, and a button that opens the form of my profile in a dialog.
 * `isOpen()` says whether profiles may still change (the lobby); the page calls `refresh()`
 * when that may have changed. Returns {node, refresh}.
 */
export function myProfile(me, ask, isOpen) {
  const cardSlot = el('div', { class: 'my-profile', 'data-testid': 'my-profile' });
  const editor = profileEditor(me, ask, (profile) => { Object.assign(me, profile); draw(); });
  const titleId = 'profile-dialog-title';
  const close = el('button', { type: 'button', class: 'secondary', text: t('close'), 'data-testid': 'profile-close' });
  const dialog = el('dialog', { class: 'dialog profile-dialog', 'aria-labelledby': titleId, 'data-testid': 'profile-dialog' },
    el('div', { class: 'directory-head' }, el('h2', { id: titleId, tabindex: -1, text: t('profile_title') }), close),
    el('p', { class: 'muted small', text: t('profile_intro') }),
    editor.node);
  document.body.append(dialog);
  const edit = el('button', { type: 'button', class: 'secondary', 'aria-haspopup': 'dialog', 'data-testid': 'edit-profile' });
  let opener = null;
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => { if (opener && opener.isConnected) opener.focus(); });
  edit.addEventListener('click', async () => {
    opener = edit;
    editor.setOpen(isOpen());
    dialog.showModal();
    dialog.querySelector('h2').focus();
    try {
      const ack = await ask('directory', {});
      editor.setSuggestions(ack.known_tags || []);
    } catch {
      // no directory for me: the event's known tags still come with the page
      editor.setSuggestions((boot.event && boot.event.tags) || []);
    }
  });
  function draw() {
    const empty = !me.pitch && !(me.tags || []).length && !me.website && !me.photo && !me.label;
    cardSlot.replaceChildren(empty
      ? el('p', { class: 'muted small', text: t('profile_empty') })
      : profileCard(me, { bare: true }));
  }
  function refresh() {
    const open = isOpen();
    edit.textContent = open ? t('profile_edit') : t('profile_view');
    editor.setOpen(open);
  }
  draw();
  refresh();
  return { node: el('div', { class: 'my-profile-wrap' }, cardSlot, edit), refresh };
}
