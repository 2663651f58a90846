/**
 * Soft chimes made with WebAudio (no sound file), and the button that silences them: a toggle
 * (aria-pressed) remembered in localStorage for every page of this browser.
 */

const KEY = 'speedmeet:sound-muted';
// Each chime: notes (Hz) played one after the other, quietly.
const TUNES = {
  one_minute: [660, 880],
  round_end: [880, 660, 523],
  help: [988, 988],
};
const NOTE_S = 0.22;
const PEAK = 0.12;

let context = null;
let muted = readMuted();
const buttons = new Set();

function readMuted() {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

/** Whether the alert sounds are silenced. */
export function isMuted() {
  return muted;
}

/** Silence (or not) the alert sounds, remembered for the next pages. */
export function setMuted(value) {
  muted = Boolean(value);
  try {
    localStorage.setItem(KEY, muted ? '1' : '0');
  } catch {
    // private mode: remembered for this page only
  }
  renderButtons();
}

function audio() {
  if (context === null) {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    context = new Context();
  }
  // Browsers keep a page's audio suspended until someone clicks or types on it.
  if (context.state === 'suspended') context.resume().catch(() => {});
  return context;
}

/**
 * Play the chime of `kind` (`one_minute`, `round_end`, `help`) unless silenced; returns whether
 * it was played. The page's <html> counts the chimes (`data-chimes`, `data-last-chime`).
 */
export function chime(kind) {
  const notes = TUNES[kind];
  if (!notes || muted) return false;
  const root = document.documentElement;
  root.dataset.chimes = String((Number(root.dataset.chimes) || 0) + 1);
  root.dataset.lastChime = kind;
  try {
    const ctx = audio();
    if (!ctx) return true;
    const start = ctx.currentTime + 0.02;
    notes.forEach((freq, i) => {
      const at = start + i * NOTE_S;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(PEAK, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + NOTE_S * 1.6);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + NOTE_S * 1.7);
    });
  } catch (err) {
    console.warn('speedmeet: chime', err);
  }
  return true;
}

function renderButtons() {
  for (const button of buttons) button.setAttribute('aria-pressed', String(muted));
}

/** Make `button` the toggle that silences the alert sounds (pressed: silenced). */
export function soundToggle(button) {
  if (!button) return;
  buttons.add(button);
  button.addEventListener('click', () => {
    setMuted(!muted);
    if (!muted) audio();  // a click: the moment the browser lets the page make sounds
  });
  renderButtons();
}

// The first click or key on the page unlocks its audio, so that a later chime is heard.
for (const type of ['pointerdown', 'keydown']) {
  document.addEventListener(type, () => { if (!muted) audio(); }, { once: true, capture: true });
}
window.addEventListener('storage', (event) => {
  if (event.key === KEY) {
    muted = readMuted();
    renderButtons();
  }
});
