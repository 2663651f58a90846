// Apply each [old, delta, want] case of the JSON file named on the command line with deltas.js's
// applyDelta, and print how many do not give `want` (tests/js/test_deltas_match.py runs it).

import { readFileSync } from 'node:fs';

import { applyDelta } from '../../web/static/js/deltas.js';

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const wrong = cases.filter(([old, delta, want]) =>
  JSON.stringify(applyDelta(old, delta)) !== JSON.stringify(want));
process.stdout.write(`${wrong.length}\n`);
