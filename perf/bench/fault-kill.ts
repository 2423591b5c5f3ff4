/**
 * `npm run fault:kill -- --iterations 20 [--seed N]`: the kill -9 fault run (tests/support/fault-kill.ts)
 * as a long command. Exits non-zero when an event was lost or an effect duplicated.
 */
import { parseArgs } from 'node:util';
import { runOutboxWebhookKills } from '../../tests/support/fault-kill.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20' }, seed: { type: 'string' } } });
const iterations = Number(values.iterations);
if (!Number.isInteger(iterations) || iterations < 1) {
  console.error('usage: npm run fault:kill -- --iterations <n> [--seed <n>]');
  process.exit(2);
}
const result = await runOutboxWebhookKills({
  iterations,
  ...(values.seed ? { seed: Number(values.seed) } : {}),
  log: (line) => console.log(line),
});
console.log(
  `\nfault:kill — ${result.iterations} kill -9 + restart cycles in ${result.seconds} s (seed ${result.seed}; --seed ${result.seed} replays the kill timings)
  acknowledged changes        ${result.acknowledged}
  committed events            ${result.committedEvents}
  delivered (distinct events) ${result.delivered}
  lost                        ${result.lost.length}${result.lost.length ? ` ${result.lost.join(', ')}` : ''}
  acknowledged, no event      ${result.ackedWithoutEvent.length}
  duplicated effects          ${result.duplicatedEffects.length}${result.duplicatedEffects.length ? ` ${result.duplicatedEffects.join('; ')}` : ''}
  redeliveries (same webhook-id, deduplicated by the receiver) ${result.redeliveries}`,
);
process.exitCode =
  result.lost.length + result.duplicatedEffects.length + result.ackedWithoutEvent.length > 0 ||
  result.committedEvents < result.acknowledged
    ? 1
    : 0;
