// The name of a download as the server gives it (web/static/js/filename.js).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { fileName } from '../../web/static/js/filename.js';

test('the server\'s file name is the one saved', () => {
  const cases = [
    ['attachment; filename="matinale-amif-2026-12-05-rencontres.csv"', 'matinale-amif-2026-12-05-rencontres.csv'],
    ['attachment; filename=plain.csv', 'plain.csv'],
    ['attachment; filename="runion.csv"; filename*=UTF-8\'\'r%C3%A9union.csv', 'réunion.csv'],
    ['attachment; filename*=UTF-8\'\'%E0%A4%A', 'fallback.csv'],  // broken and nothing else
    ['attachment; filename="../../etc/passwd"', 'passwd'],
    ['attachment; filename=".."', 'fallback.csv'],
    ['', 'fallback.csv'],
    [null, 'fallback.csv'],
  ];
  for (const [header, name] of cases) assert.equal(fileName(header, 'fallback.csv'), name, header);
});
