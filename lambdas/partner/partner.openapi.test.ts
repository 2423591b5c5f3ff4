import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routes } from './partner.handler.ts';
import { partnerOpenApiDocument } from './partner.openapi.ts';

type Op = { operationId?: string; security?: unknown[]; responses: Record<string, unknown> };

describe('partner OpenAPI document', () => {
  const document = partnerOpenApiDocument();
  const ops = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, Op>).map(([method, op]) => ({ path, method, op })),
  );

  it('is committed up to date (run `npm run openapi:partner`)', () => {
    const committed = JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('describes exactly the routes the partner Lambda serves', () => {
    expect(ops.map(({ path, method }) => `${method.toUpperCase()} ${path}`).sort()).toEqual(
      routes.map((r) => `${r.method} ${r.path}`).sort(),
    );
  });

  it('gives every operation a unique operationId, a security requirement and described 4xx answers', () => {
    const ids = ops.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ops.length);
    const schemes = Object.keys(document.components.securitySchemes);
    for (const { path, op } of ops) {
      expect(op.operationId, path).toMatch(/^[a-z][A-Za-z]+$/);
      expect(Array.isArray(op.security), path).toBe(true);
      for (const requirement of op.security as Record<string, string[]>[])
        for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
      if (path !== '/v1/openapi.json')
        expect(
          Object.keys(op.responses).some((code) => code.startsWith('4')),
          path,
        ).toBe(true);
    }
    const scopes = Object.keys(document.components.securitySchemes.partnerOAuth.flows.clientCredentials.scopes);
    for (const { op } of ops)
      for (const requirement of (op.security ?? []) as Record<string, string[]>[])
        for (const scope of requirement.partnerOAuth ?? []) expect(scopes).toContain(scope);
  });
});
