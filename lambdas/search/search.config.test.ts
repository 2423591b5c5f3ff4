import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/config.ts';
import { parseSearchConfig } from './search.config.ts';

const base = { STAGE: 'dev', MEDIA_PUBLIC_BASE_URL: 'https://cdn.example.com/media/' };

describe('search config', () => {
  it('sends search statements unnamed unless told otherwise (named statements pin RDS Proxy sessions)', () => {
    const config = parseSearchConfig(base);
    expect(config.SEARCH_PREPARED_STATEMENTS).toBe(false);
    expect(config.MEDIA_PUBLIC_BASE_URL).toBe('https://cdn.example.com/media');
  });

  it('turns named prepared statements on only when set to "true"', () => {
    expect(parseSearchConfig({ ...base, SEARCH_PREPARED_STATEMENTS: 'true' }).SEARCH_PREPARED_STATEMENTS).toBe(true);
    expect(parseSearchConfig({ ...base, SEARCH_PREPARED_STATEMENTS: 'false' }).SEARCH_PREPARED_STATEMENTS).toBe(false);
    expect(() => parseSearchConfig({ ...base, SEARCH_PREPARED_STATEMENTS: 'yes' })).toThrow(ConfigError);
  });

  it('requires the Typesense key with the Typesense nodes', () => {
    expect(() => parseSearchConfig({ ...base, TYPESENSE_NODES: 'search-1.internal:8108' })).toThrow(ConfigError);
  });
});
