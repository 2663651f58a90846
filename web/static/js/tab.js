/**
 * This page's tab id: what tells the server a reload of this page (the same id) from the same
 * link opened in another tab or on another device (another id). DOM-free (tests/js).
 *
 * The id lives in the tab's `sessionStorage`, but only while the page is away: it is taken out
 * when the page loads and put back when it goes (`pagehide`, which a reload fires). A tab the
 * browser duplicates copies `sessionStorage` while the page is open, so the copy finds no id
 * and makes its own: a second page, not a reload.
 */

export const TAB_KEY = 'speedmeet:tab';
const VALID = /^[A-Za-z0-9_-]{1,64}$/;

/** 16 random hex digits. */
export function newTabId(random = (n) => crypto.getRandomValues(new Uint8Array(n))) {
  return [...random(8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * This page's id, taken out of `storage` (a Storage, or null where it is refused): the one a
 * page of this tab left there, else a new one. Returns `{id, keep}`: `keep()` puts it back
 * for the next page of this tab (call it on `pagehide`).
 */
export function takeTabId(storage, make = newTabId) {
  let id = null;
  try {
    id = storage ? storage.getItem(TAB_KEY) : null;
    if (storage) storage.removeItem(TAB_KEY);
  } catch {
    id = null;  // storage refused (private mode): every load is a new page
  }
  if (typeof id !== 'string' || !VALID.test(id)) id = make();
  const keep = () => {
    try {
      if (storage) storage.setItem(TAB_KEY, id);
    } catch {
      // nothing kept: the reload counts as another page until this one's socket is gone
    }
  };
  return { id, keep };
}
