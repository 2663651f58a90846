/** A call's link quality in one word for the staff (good, fair, poor), from its figures; the
 * figures themselves go in the tooltip and the accessible description. DOM-free (node-tested).
 * "poor" is where the server flags a room `poor_link` (server/core/overview.py). */

export const LIMITS = Object.freeze({
  goodRttMs: 150,  // a round trip under this and
  goodLoss: 0.01,  // fewer packets lost than this: good
  poorRttMs: 400,  // above either of these: poor (the server's POOR_RTT_MS and POOR_LOSS)
  poorLoss: 0.05,
});

const known = (v) => typeof v === 'number' && Number.isFinite(v);

/** 'good', 'fair' or 'poor' for a member's `{rtt_ms, loss}`; null while nothing is measured. */
export function linkQuality({ rtt_ms: rtt, loss } = {}) {
  if (!known(rtt) && !known(loss)) return null;
  if ((known(rtt) && rtt > LIMITS.poorRttMs) || (known(loss) && loss > LIMITS.poorLoss)) return 'poor';
  if ((!known(rtt) || rtt < LIMITS.goodRttMs) && (!known(loss) || loss < LIMITS.goodLoss)) return 'good';
  return 'fair';
}
