import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { authOpenApiDocument } from './auth.openapi.ts';

describe('auth OpenAPI document', () => {
  it('is committed up to date (run `npm run openapi:auth`)', () => {
    const committed = JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(authOpenApiDocument())));
  });

  it('describes every REST route the auth service serves (the auth Lambda and the discovery Lambda)', () => {
    const routes = ['./auth.handler.ts', './discovery.routes.ts'].flatMap((file) => {
      const source = readFileSync(new URL(file, import.meta.url), 'utf8');
      return [...source.matchAll(/^\s+path: '([^']+)'/gm)].map((match) => match[1]);
    });
    expect(Object.keys(authOpenApiDocument().paths).sort()).toEqual([...new Set(routes)].sort());
  });
});
