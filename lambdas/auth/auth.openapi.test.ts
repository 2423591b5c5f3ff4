import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { authOpenApiDocument } from './auth.openapi.ts';

describe('auth OpenAPI document', () => {
  it('is committed up to date (run `npm run openapi:auth`)', () => {
    const committed = JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(authOpenApiDocument())));
  });

  it('describes every REST route the handler serves', () => {
    const handlerSource = readFileSync(new URL('./auth.handler.ts', import.meta.url), 'utf8');
    const routes = [...handlerSource.matchAll(/^\s+path: '([^']+)'/gm)].map((match) => match[1]);
    expect(Object.keys(authOpenApiDocument().paths).sort()).toEqual([...new Set(routes)].sort());
  });
});
