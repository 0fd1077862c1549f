/** test/integration/charset-fixtures.ts must hold exactly the fixture files it names (it is generated). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARSET_FIXTURES } from '../integration/charset-fixtures';

describe('charset fixtures for workerd', () => {
  it.each(Object.keys(CHARSET_FIXTURES))('%s matches test/fixtures/feeds', (name) => {
    const file = readFileSync(join(__dirname, '..', 'fixtures', 'feeds', name));
    expect(Buffer.from(CHARSET_FIXTURES[name], 'base64').equals(file)).toBe(true);
  });
});
