// Staleness check of catalogue.json. scripts/ui-test.sh regenerates the catalogue with
// `sio catalogue --json` into a temporary file, fails on a diff, and passes the file here as
// SIO_CATALOGUE_FRESH so that `npm test` under that script checks it too. Without the variable
// (a plain `npm test`) the check is skipped and only the shape of the committed copy is tested.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import committed from './catalogue.json';

const fresh = process.env.SIO_CATALOGUE_FRESH;

describe('catalogue.json', () => {
  it('has the shape the UI reads', () => {
    for (const r of committed.roles) expect(r).toHaveProperty('bases');
    for (const s of committed.services) expect(s).toHaveProperty('access');
  });
  it.skipIf(!fresh)('matches `sio catalogue --json`', () => {
    expect(JSON.parse(readFileSync(fresh!, 'utf8'))).toEqual(committed);
  });
});
