import { describe, expect, it } from 'vitest';
import { NsfwjsModerator } from '../../lambdas/adapters/nsfwjs-moderator.ts';
import { PasswordPolicy } from '../../lambdas/auth/password-policy.ts';
import { processImage } from '../../lambdas/media/image-pipeline.ts';
import { DEMO_ACCOUNTS, DEMO_EMAIL_DOMAIN, demoImage, seedDemo, type DemoSeedDeps } from './demo-seed.ts';

describe('demo seed', () => {
  it('refuses any stage but local before touching anything', async () => {
    const untouchable = new Proxy(
      {},
      {
        get: () => {
          throw new Error('touched');
        },
      },
    );
    for (const stage of ['dev', 'stage', 'prod', 'test', '']) {
      await expect(seedDemo({ ...(untouchable as DemoSeedDeps), stage, drainOutbox: async () => 0 })).rejects.toThrow(
        /only when STAGE is local/,
      );
    }
  });

  it('uses reserved-domain addresses and passwords the real policy would accept', async () => {
    const policy = new PasswordPolicy({ check: async () => 'clean' });
    for (const account of DEMO_ACCOUNTS) {
      expect(account.email.endsWith(`@${DEMO_EMAIL_DOMAIN}`)).toBe(true);
      await expect(
        policy.assertAcceptable(account.password, [account.email, account.displayName]),
      ).resolves.toBeDefined();
    }
  });

  it(
    'generates images the local classifier judges safe with a wide margin (the seed fails otherwise)',
    { timeout: 60_000 },
    async () => {
      const moderator = new NsfwjsModerator({ testMarker: false });
      for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
        const processed = await processImage(await demoImage(seed), 'image/jpeg', null);
        const verdict = await moderator.classify(processed.moderationJpeg);
        expect(verdict.band, `seed ${seed}: ${verdict.labels.join(' ')}`).toBe(0);
        const explicit = verdict.labels
          .filter((label) => /^(Porn|Hentai|Sexy):/.test(label))
          .reduce((sum, label) => sum + Number(label.split(':')[1]), 0);
        expect(explicit, `seed ${seed}: ${verdict.labels.join(' ')}`).toBeLessThan(0.1);
      }
    },
  );
});
