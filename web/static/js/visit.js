/**
 * The moderator inside a room's call: a third video for the members, who see and hear them.
 * The page calls each member of the room it joined (a small browser mesh, `rtc.js`; media never
 * goes through the server), follows the room's members on the board, and leaves by itself when
 * the round ends. The call has the room's chat (members and moderator read each other), and a
 * member's shared screen is shown large.
 */

import { staffName, t } from './i18n.js';
import { $, $$, el } from './ui.js';
import * as media from './media.js';
import { Mesh } from './rtc.js';
import { ChatPanel } from './chat.js';
import { videoName } from './video-names.js';
import { boot } from './boot.js';

const UP = new Set(['connected', 'completed']);

/**
 * `ask(event, payload)` calls the server; `socket` hears `signal`. Returns {join(roomId),
 * leave(why), follow(board, clock), room()}; `onChange()` after joining or leaving.
 */
export function visitor({ ask, socket, onChange = () => {} }) {
  const panel = $('#call');
  const remotes = $('#call-remotes');
  const links = new Map();  // member id → their call's state
  let call = null;  // {room, round, peers: [{id, name, ...}]}

  const mesh = new Mesh({
    send: (to, data) => ask('signal', { to, data }),
    report: () => {},  // the board's link figures are the members' own
    hooks: {
      track: (id, stream) => {
        const video = videoOf(id);
        if (!video) return;
        if (video.srcObject !== stream) video.srcObject = stream;
        video.play().catch(() => {});
      },
      state: (id, link) => {
        links.set(id, link);
        status(id);
      },
      screen: (id, on) => {
        const tile = $$('.tile', remotes).find((n) => n.dataset.peer === id);
        if (tile) tile.dataset.screen = on ? 'on' : 'off';
      },
      error: (id, err) => console.warn('speedmeet: call with', id, err),
    },
  });
  socket.on('signal', (m) => mesh.onSignal(m));
  const chat = new ChatPanel({
    root: $('#call-chat'),
    button: $('#call-chat-button'),
    send: (room, text) => ask('chat', { room, text }),
    nameOf: (m) => {
      if (m.staff) return staffName(m.staff);
      const peer = call && call.peers.find((p) => p.id === m.from);
      return peer ? peer.name : m.from;
    },
    context: () => ({ title: boot.event.title, round: call && call.round, people: call ? call.peers.map((p) => p.name) : [] }),
    maxChars: Number(boot.chat_max_chars) || 1000,
  });
  socket.on('chat', (m) => chat.receive(m));

  function videoOf(id) {
    return $$('video', remotes).find((v) => v.dataset.peer === id) || null;
  }

  function status(id) {
    const tile = $$('.tile', remotes).find((n) => n.dataset.peer === id);
    const peer = call && call.peers.find((p) => p.id === id);
    if (!tile || !peer) return;
    const link = links.get(id) || 'new';
    let text = '';
    if (link === 'failed') text = t('link_failed');
    else if (!UP.has(link)) text = t('link_connecting', { name: peer.name });
    const node = tile.querySelector('.tile-status');
    node.textContent = text;
    node.hidden = !text;
  }

  function tiles() {
    const wanted = new Set(call.peers.map((p) => p.id));
    for (const tile of $$('.tile', remotes)) if (!wanted.has(tile.dataset.peer)) tile.remove();
    const present = new Set($$('.tile', remotes).map((n) => n.dataset.peer));
    for (const p of call.peers) {
      if (present.has(p.id)) continue;
      remotes.append(el('figure', { class: 'tile remote', dataset: { peer: p.id } },
        el('video', { 'data-testid': 'call-video', 'data-peer': p.id, autoplay: true, playsinline: true,
          'aria-label': videoName(p.name, p.organization) }),
        el('p', { class: 'video-overlay tile-status', text: t('link_connecting', { name: p.name }) }),
        el('figcaption', {},
          el('strong', { class: 'tile-name', text: p.name }),
          p.organization ? el('span', { class: 'tile-org', text: p.organization }) : null)));
    }
    remotes.dataset.count = String(call.peers.length);
    for (const p of call.peers) status(p.id);
  }

  async function camera() {
    try {
      const stream = await media.start();
      $('#call-local').srcObject = stream;
      $('#call-media').hidden = true;
    } catch {
      $('#call-media').hidden = false;  // we still see and hear them
    }
    mesh.setStream(media.getStream());
  }

  /** Join `roomId`'s call (leaving any other): the ack says whom to call. */
  async function join(roomId, round) {
    await camera();
    const ack = await ask('join_room', { room: roomId });
    if (call && call.room !== roomId) mesh.leave();
    call = { room: roomId, round, peers: ack.peers || [] };
    if (chat.room !== roomId) chat.reset(roomId);
    mesh.enter({ room: roomId, peers: call.peers, ice_servers: ack.ice_servers,
      ice_transport_policy: ack.ice_transport_policy });
    $('#call-title').textContent = t('call_title', { room: roomId });
    tiles();
    panel.hidden = false;
    $('#call-title').focus();
    onChange();
    return ack;
  }

  /** Close every connection; `tell` the server (not when the round ended or the socket went). */
  async function leave(tell = true) {
    if (!call) return null;
    const left = call.room;
    call = null;
    mesh.leave();
    chat.end();
    chat.room = null;  // a call joined again is a new conversation
    links.clear();
    remotes.replaceChildren();
    panel.hidden = true;
    onChange();
    if (tell) await ask('leave_room', {}).catch((err) => console.warn('speedmeet: leave', err.message));
    return left;
  }

  /**
   * Follow the board: the room's members as they are now (someone moved in or out); out of the
   * call when the round is over or the room is gone. Returns the room left, if so.
   */
  function follow(board, clock) {
    if (!call) return null;
    const room = (board.rooms || []).find((r) => r.id === call.room);
    const over = !clock || clock.phase !== 'round' || clock.round !== call.round;
    if (over || (!room && clock)) {
      const left = call.room;
      leave(false);
      return left;
    }
    const ids = room.members.map((m) => m.id).sort().join();
    if (ids !== call.peers.map((p) => p.id).sort().join()) {
      call.peers = room.members.map(({ id, name, organization, side }) => ({ id, name, organization, side, polite: false }));
      mesh.enter({ room: call.room, peers: call.peers });
      tiles();
    }
    return null;
  }

  return { join, leave, follow, room: () => (call ? call.room : null), round: () => (call ? call.round : null) };
}
