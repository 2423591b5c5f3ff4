/**
 * Both published OpenAPI documents (the partner API and the auth REST API) pass Redocly's
 * `recommended` ruleset — an independent linter's view, not ours: operationIds, declared security
 * schemes, described 4xx answers, valid schemas. Errors and warnings both fail.
 */
import { readFileSync } from 'node:fs';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';

const documents = {
  partner: new URL('./openapi.json', import.meta.url),
  auth: new URL('../auth/openapi.json', import.meta.url),
};

describe("Redocly's recommended rules", () => {
  for (const [name, url] of Object.entries(documents))
    it(`pass on the ${name} OpenAPI document`, async () => {
      const config = await createConfig({ extends: ['recommended'] });
      const problems = await lintFromString({ source: readFileSync(url, 'utf8'), absoluteRef: url.pathname, config });
      const described = problems.map(
        (p) => `${p.severity} ${p.ruleId}: ${p.message} @ ${p.location[0]?.pointer ?? '?'}`,
      );
      expect(described).toEqual([]);
    }, 30_000);
});
