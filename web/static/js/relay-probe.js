/**
 * Whether the TURN relay of the event can be reached from this network, over UDP and over TCP:
 * the self-test gathers relay candidates only (`iceTransportPolicy: "relay"`) from the relay
 * servers it was given, once per transport. A relay candidate means that transport works; a
 * 401/403 means the relay refused this page's credentials; nothing means it cannot be reached.
 * The splitting and the verdict are pure (tested with node); `probe` needs a browser.
 */

const REFUSED = new Set([401, 403]);

/** The transport a TURN URL uses: `tcp` (`?transport=tcp`, or `turns:`), else `udp`. */
function transportOf(url) {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const asked = new URLSearchParams(query).get('transport');
  if (asked) return asked.toLowerCase() === 'tcp' ? 'tcp' : 'udp';
  return url.startsWith('turns:') ? 'tcp' : 'udp';
}

/**
 * The relay servers of `iceServers` (RTCIceServer dictionaries) split by transport:
 * `{udp: [...], tcp: [...]}`, each a list of RTCIceServer with the URLs of that transport only.
 * A `turn:` URL that names no transport is tried over UDP, and over TCP with `?transport=tcp`.
 */
export function relayServers(iceServers) {
  const out = { udp: [], tcp: [] };
  for (const server of Array.isArray(iceServers) ? iceServers : []) {
    const urls = [].concat(server && server.urls ? server.urls : []).filter((u) => typeof u === 'string');
    const by = { udp: [], tcp: [] };
    for (const url of urls) {
      if (!url.startsWith('turn:') && !url.startsWith('turns:')) continue;
      by[transportOf(url)].push(url);
      if (url.startsWith('turn:') && !url.includes('transport=')) by.tcp.push(`${url}${url.includes('?') ? '&' : '?'}transport=tcp`);
    }
    for (const kind of ['udp', 'tcp']) {
      if (by[kind].length) out[kind].push({ ...server, urls: by[kind] });
    }
  }
  return out;
}

/**
 * What the page says of the relay from the results per transport (`{udp, tcp}`: `reached`,
 * `refused`, `unreachable`, or undefined when that transport has no server): the i18n key
 * (`check_relay_both`, `_udp`, `_tcp`, `_refused`, `_none`), or null when there is no relay.
 */
export function relayVerdict(results) {
  const tried = ['udp', 'tcp'].filter((k) => results[k]);
  if (!tried.length) return null;
  const reached = tried.filter((k) => results[k] === 'reached');
  if (reached.length === 2) return 'check_relay_both';
  if (reached.length === 1) return `check_relay_${reached[0]}`;
  if (tried.some((k) => results[k] === 'refused')) return 'check_relay_refused';
  return 'check_relay_none';
}

/**
 * Try one transport: gather relay candidates from `servers` for at most `ms`.
 * Resolves with `reached`, `refused` (the relay answered 401/403) or `unreachable`.
 */
export function probe(servers, ms = 10_000) {
  return new Promise((resolve) => {
    const pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: 'relay' });
    let refused = false;
    let timer = null;
    const done = (result) => {
      clearTimeout(timer);
      pc.onicecandidate = pc.onicecandidateerror = pc.onicegatheringstatechange = null;
      pc.close();
      resolve(result);
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate && candidate.type === 'relay') done('reached');
    };
    pc.onicecandidateerror = (event) => {
      if (REFUSED.has(event.errorCode)) refused = true;
    };
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === 'complete') done(refused ? 'refused' : 'unreachable');
    };
    timer = setTimeout(() => done(refused ? 'refused' : 'unreachable'), ms);
    pc.createDataChannel('relay');
    pc.setLocalDescription().catch(() => done('unreachable'));
  });
}

/** Probe every transport that has a relay server, at once: `{udp?, tcp?}` of `probe` results. */
export async function probeRelay(iceServers, ms) {
  const split = relayServers(iceServers);
  const kinds = ['udp', 'tcp'].filter((k) => split[k].length);
  const results = await Promise.all(kinds.map((k) => probe(split[k], ms)));
  return Object.fromEntries(kinds.map((k, i) => [k, results[i]]));
}
