/** What the self-test says while it measures and once it is done. Pure: the times come in. */

/**
 * The verdict on a measurement (`m`: the echoed video's `width` and `height`, the round trips
 * `rtt` of the network and `ping` of the messages, in ms, null when none): good, fair or poor.
 * No video back, or no round trip at all, is poor.
 */
export function verdictOf(m) {
  const rtt = m.ping !== null ? m.ping : m.rtt;
  if (!m.width || rtt === null) return 'poor';
  if (rtt <= 150 && m.height >= 360) return 'good';
  if (rtt <= 400 && m.height >= 240) return 'fair';
  return 'poor';
}

/**
 * What the page says `elapsedMs` into a measurement of `runMs`: `{step, seconds, verdict}`.
 * While it runs, the step `check_step_measure` with the whole seconds left, and no verdict yet
 * (`pending`: never "ready" before the end); once done, `check_step_done` and the verdict.
 */
export function progress(m, elapsedMs, runMs) {
  if (elapsedMs < runMs) {
    return { step: 'check_step_measure', seconds: Math.ceil((runMs - elapsedMs) / 1000), verdict: 'pending' };
  }
  return { step: 'check_step_done', seconds: 0, verdict: verdictOf(m) };
}
