/**
 * The organiser's page talks to the JSON API with the admin token as a Bearer header. The token
 * lives in this tab's sessionStorage only: never in an address (links and logs), never in a
 * cookie (no request of another site can carry it: nothing to forge), gone when the tab closes.
 */

import { errorText, t } from './i18n.js';
import { fileName } from './filename.js';

const KEY = 'speedmeet.admin';

/** Links just made (an event's staff links), shown once, never stored: by event id. */
export const justMade = new Map();

export function token() { return sessionStorage.getItem(KEY) || ''; }
export function remember(value) { sessionStorage.setItem(KEY, value); }
export function forget() { sessionStorage.removeItem(KEY); }

/** A refused call: the server's `error` ({code, message, ...}) and the HTTP status. */
export class ApiError extends Error {
  constructor(status, error) {
    // the page's own words for the codes it knows (with the error's details), else the server's
    super(errorText(error, 'admin_error', t('error_http', { status })));
    this.name = 'ApiError';
    this.status = status;
    this.code = (error && error.code) || 'http';
    this.error = error || {};
  }
}

let onSignedOut = () => {};
/** What to do when the server says the token is wrong (it was changed, or the tab is old). */
export function whenSignedOut(callback) { onSignedOut = callback; }

/**
 * Call the API: `json` (an object sent as JSON) or `body` with its `type`; `as`: 'json'
 * (default), 'blob', 'file' ({blob, name}: the name the server gives it) or 'none'. Resolves
 * with the answer; rejects with an ApiError.
 */
export async function api(method, path, { json, body, type, as = 'json' } = {}) {
  const headers = { Authorization: `Bearer ${token()}`, Accept: 'application/json' };
  let payload = body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(json);
  } else if (type) headers['Content-Type'] = type;
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiError(0, { code: 'network', message: t('admin_error_network') });
  }
  if (!res.ok) {
    const answer = await res.json().catch(() => ({}));
    if (res.status === 401) onSignedOut();
    throw new ApiError(res.status, answer.error);
  }
  if (as === 'none' || res.status === 204) return null;
  if (as === 'blob') return res.blob();
  if (as === 'file') return { blob: await res.blob(), name: fileName(res.headers.get('Content-Disposition'), 'download') };
  return res.json();
}

/** Save `blob` as a file named `name` (a download the browser asks about, or just does). */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
