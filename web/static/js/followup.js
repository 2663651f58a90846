/**
 * The follow-up room: a one-to-one call of a booked pair, open from 10 minutes before the start
 * to 30 minutes after the end. Before, the page says when it opens (in the viewer's own time
 * zone) and connects by itself then; after, it says the room is closed.
 *
 * The call is the rounds' call (`rtc.js` Mesh: perfect negotiation, the server's ICE servers and
 * relay-only policy); its signaling goes through the `/followup` namespace, to the other of the
 * pair only. The connected time this page sees is reported every minute and when it leaves
 * (`call {connected_ms}`), so that the organiser's report can count the follow-ups held.
 */

import { boot } from './boot.js';
import { t, lang, errorText } from './i18n.js';
import { $ } from './ui.js';
import * as media from './media.js';
import { followMedia } from './media-buttons.js';
import { Mesh } from './rtc.js';
import { call, connect } from './socket.js';

const UP = new Set(['connected', 'completed']);
const REPORT_MS = 60_000;
const peer = boot.peer;
const fu = boot.followup;
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const offset = Number(boot.now) - Date.now();  // the server's clock, roughly (page load)
const stateLine = $('#followup-state');
const video = $('[data-testid="remote-video"]');
const status = $('.tile-status');

let socket = null;
let mesh = null;
let upSince = 0;    // when the call last came up (0: it is not up)
let unreported = 0; // connected ms not reported yet
let reporter = null;
let left = false;
let peerPage = null; // the other's page in the call (their pages say which they are)

function serverNow() {
  return Date.now() + offset;
}

/** Run `fn` at server time `at` (a timer cannot wait more than about 24 days at once). */
function at(ms, fn) {
  const wait = ms - serverNow();
  if (wait <= 0) fn();
  else setTimeout(() => at(ms, fn), Math.min(wait, 2 ** 31 - 1));
}

function when(ms, opts) {
  return new Date(ms).toLocaleString(lang, { timeZone: zone, ...opts });
}

function show(text, kind = 'info') {
  stateLine.textContent = text;
  stateLine.className = `alert alert-${kind}`;
  stateLine.hidden = !text;
}

if (boot.summary) $('#followup-back').href = boot.summary;
else $('#followup-back').closest('p').hidden = true;  // the link to the rooms alone opens no summary
$('#followup-when').textContent = t('followup_room_when', {
  when: when(fu.start, { dateStyle: 'full', timeStyle: 'short' }), zone,
});

/** Connected time since the last report, counted up to now. */
function take() {
  const now = Date.now();
  let ms = unreported;
  if (upSince) {
    ms += now - upSince;
    upSince = now;
  }
  unreported = 0;
  return Math.round(ms);
}

function report() {
  const ms = take();
  if (ms > 0 && socket) call(socket, 'call', { connected_ms: ms }).catch(() => { unreported += ms; });
}

function linkChanged(link) {
  const up = UP.has(link);
  if (up && !upSince) upSince = Date.now();
  if (!up && upSince) {
    unreported += Date.now() - upSince;
    upSince = 0;
  }
  status.hidden = up;
  status.textContent = up ? '' : t('followup_room_waiting', { name: peer.name });
  show(up ? t('followup_room_connected', { name: peer.name }) : t('followup_room_waiting', { name: peer.name }),
    up ? 'success' : 'info');
}

async function enter() {
  $('#followup-call').hidden = false;
  show(t('followup_room_waiting', { name: peer.name }));
  try {
    const stream = await media.start();
    $('[data-testid="local-video"]').srcObject = stream;
  } catch {
    show(t('followup_room_no_camera', { name: peer.name }), 'warn');
  }
  mesh = new Mesh({
    send: (to, data) => call(socket, 'signal', { to, data }),
    report: () => {},
    hooks: {
      track: (_id, stream) => {
        if (video.srcObject !== stream) video.srcObject = stream;
        video.play().catch(() => {});
      },
      state: (_id, link) => linkChanged(link),
      error: (_id, err) => console.warn('speedmeet: follow-up call', err),
    },
  });
  mesh.setStream(media.getStream());
  socket = connect('/followup', boot.token, () => null, { peer: peer.id });
  socket.on('signal', (m) => mesh.onSignal(m));
  socket.on('peer', (m) => {
    // the other's page that left is not the one in the call (it opened it again elsewhere)
    if (m && m.online) peerPage = m.page;
    else if (m && m.page && peerPage && m.page !== peerPage) return;
    mesh.onPeer(m);
    if (m && m.online === false && m.id === peer.id) {
      // their page went (a laptop closed): said as in the rounds, not "in the call" any more
      linkChanged('closed');
      video.srcObject = null;  // not their last picture, frozen
      show(`${t('peer_left', { name: peer.name })} ${t('peer_left_hint')}`, 'warn');
    }
  });
  socket.on('revoked', () => leave(t('link_revoked')));
  socket.on('elsewhere', () => leave(t('followup_room_elsewhere'), true));
  socket.on('connect', async () => {
    try {
      const ack = await call(socket, 'join', {});
      mesh.enter({ room: `followup:${peer.id}`, peers: [{ id: peer.id, name: peer.name, polite: ack.peer.polite }],
        ice_servers: ack.ice_servers, ice_transport_policy: ack.ice_transport_policy });
    } catch (err) {
      show(errorText(err.detail, 'followup_error'), 'error');
    }
  });
  socket.on('connect_error', (err) => {
    if (err && err.data && err.data.code) {
      socket.disconnect();
      show(errorText(err.data, 'followup_error'), 'error');
    }
  });
  reporter = setInterval(report, REPORT_MS);
  // the room closes: the call ends here too
  at(fu.closes_at, () => leave(t('followup_room_closed')));
}

/** Leave the call (`said` why); `quiet`: the call goes on in this person's other page, which
 * the other person talks to now: no goodbye to them. */
function leave(said, quiet = false) {
  if (left) return;
  left = true;
  clearInterval(reporter);
  report();
  if (mesh && !quiet) mesh.goodbye();
  else if (mesh) mesh.leave();
  if (socket) setTimeout(() => socket.disconnect(), 500);  // the last report and bye go first
  media.stop();
  $('#followup-call').hidden = true;
  show(said, 'info');
}

followMedia();
$('[data-action="mute"]').addEventListener('click', () => media.toggleMute());
$('[data-action="camera"]').addEventListener('click', () => media.toggleCamera());
$('#followup-leave').addEventListener('click', () => leave(t('followup_room_left')));
window.addEventListener('pagehide', () => { if (!left) { report(); if (mesh) mesh.goodbye(); } });

const now = serverNow();
if (now > fu.closes_at) {
  show(t('followup_room_closed'));
} else if (now < fu.opens_at) {
  show(t('followup_room_opens', { time: when(fu.opens_at, { hour: '2-digit', minute: '2-digit' }), zone }));
  at(fu.opens_at, enter);
} else {
  enter();
}
