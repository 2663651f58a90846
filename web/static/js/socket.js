/** Socket.IO connection to one namespace, and `call`: emit with an ack, reject on {ok: false}. */

import { io } from '/static/vendor/socket.io.esm.min.js';
import { errorText, t } from './i18n.js';

export const ACK_TIMEOUT_MS = 8000;

/**
 * A refused or unanswered call: `code` as the server sent it, `message` in the page's words
 * (`errorText`), `detail` the server's whole error object.
 */
export class CallError extends Error {
  constructor(code, message, detail = {}) {
    super(message);
    this.name = 'CallError';
    this.code = code;
    this.detail = detail;
  }
}

/**
 * Connect to `namespace` ("/participant", "/host", "/moderator") with the link's token. On every
 * (re)connect the server also hears `seq()`, the last state version this page saw; whatever it
 * is, the server sends the current state right after connecting. `extra`: more of the
 * connection's `auth` (a participant page's `tab`).
 */
export function connect(namespace, token, seq = () => null, extra = {}) {
  const auth = (cb) => cb({ ...extra, token, seq: seq() });
  const socket = io(namespace, { auth, transports: ['websocket'] });
  // Back online after a network change (Wi-Fi to 4G): try again now rather than after the
  // reconnection backoff (up to 5 s), since a call's ICE restart waits on signaling.
  window.addEventListener('online', () => {
    if (!socket.connected && socket.active) socket.disconnect().connect();
  });
  return socket;
}

/**
 * Emit `event` with exactly one JSON object and wait for its ack (8 s at most).
 * Resolves with the ack `{ok: true, ...}`; rejects with a CallError `{code, message, detail}`.
 */
export async function call(socket, event, payload = {}) {
  let ack;
  try {
    ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
  } catch {
    throw new CallError('timeout', t('error_timeout'));
  }
  if (ack && ack.ok === true) return ack;
  const error = ack && typeof ack.error === 'object' && ack.error !== null ? ack.error : {};
  throw new CallError(String(error.code || 'bad_ack'), errorText(error), error);
}
