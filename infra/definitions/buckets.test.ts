/**
 * The retention table (lambdas/privacy/retention-policy.ts) leaves DSAR export bundles to the
 * bucket's lifecycle rule: that rule must exist, cover the prefix the export writes under, and end
 * a bundle before the job deletes the receipt that names it.
 */
import { describe, expect, it } from 'vitest';
import { retentionPolicy } from '../../lambdas/privacy/retention-policy.ts';
import { privacyExportsBucket } from './buckets.ts';

describe('privacy exports bucket', () => {
  it('expires bundles by lifecycle within a day, before their receipts expire', () => {
    // The export service's object key: exports/<user>/<export>.json (export.service.ts).
    const rule = privacyExportsBucket.expirations.find((expiration) =>
      'exports/usr_x/dsx_x.json'.startsWith(expiration.prefix),
    );
    expect(rule).toBeDefined();
    expect(rule!.days).toBeLessThanOrEqual(1);
    expect(rule!.days).toBeLessThan(retentionPolicy['privacy.exports'].days);
    expect(retentionPolicy['privacy.export_bundles'].action).toBe('keep');
  });
});
