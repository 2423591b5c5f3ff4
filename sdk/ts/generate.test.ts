import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_FILE, formattedClient } from './generate.ts';

describe('TypeScript SDK', () => {
  it('is generated from the committed OpenAPI document (run `npm run sdk:partner`)', async () => {
    expect(readFileSync(CLIENT_FILE, 'utf8')).toBe(await formattedClient());
  });
});
