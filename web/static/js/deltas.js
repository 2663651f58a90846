/** The staff board as changes: what a `rooms_delta` does to the board a page holds (no DOM). */

// (list, its gone ids, its order when not the obvious one), as in server/deltas.py
const LISTS = [['rooms', 'removed', 'order'], ['participants', 'participants_removed', 'participants_order']];
const WHOLE = ['waiting', 'help'];

function applyList(old, changed, removed, order) {
  const byId = new Map((old || []).map((x) => [x.id, x]));
  const gone = new Set(removed || []);
  const ids = [...byId.keys()].filter((id) => !gone.has(id));
  for (const x of changed || []) {
    if (!byId.has(x.id)) ids.push(x.id);
    byId.set(x.id, x);
  }
  return (order || ids).map((id) => byId.get(id)).filter(Boolean);
}

/**
 * The board after a `rooms_delta` (see docs/protocol.md): changed or new rooms and participants
 * replace theirs or come last, removed ones go, `order` when given is the new order, `waiting`
 * and `help` come whole when they changed. The server's `server/deltas.py` does the same.
 */
export function applyDelta(board, delta) {
  const out = { ...board };
  for (const [key, gone, order] of LISTS) {
    out[key] = applyList(board[key], delta[key], delta[gone], delta[order]);
  }
  for (const key of WHOLE) if (delta[key] !== undefined) out[key] = delta[key];
  out.seq = delta.seq;
  out.board_seq = delta.board_seq;
  return out;
}
