/**
 * `npm start`: the whole backend on loopback with seeded data. State persists under .local/
 * (git-ignored); Ctrl-C stops every process it started.
 *
 * Run as `node --import tsx` (package.json), not through the `tsx` CLI: the CLI is a second process
 * that relays Ctrl-C and SIGKILLs this one when it has not acknowledged the signal over tsx's IPC
 * channel within 2 x 30 ms. A loaded machine (or a busy event loop mid-shutdown) misses that window,
 * and the stack died between "stopping" and "stopped".
 */
// First: the bundles' module aliases (one Temporal polyfill) before anything loads node-ical, so the
// code run locally is the code deployed and tested.
import './deployed-aliases.ts';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOOPBACK_IPS, startLocalStack } from './stack.ts';

// Lambda runs Node 22; the SDK's warning about this laptop's Node 20 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const startedAt = Date.now();
const port = process.env.PORT ? Number(process.env.PORT) : 4000;

async function main() {
  const stack = await startLocalStack({
    rootDir,
    // RASTUP_STATE_DIR lets a second checkout or a test keep its state elsewhere.
    stateDir: process.env.RASTUP_STATE_DIR ?? join(rootDir, '.local'),
    port,
    // Demo accounts and published listings for the web app's dev mode (RASTUP_DEMO_SEED=off skips it).
    demoSeed: process.env.RASTUP_DEMO_SEED !== 'off',
    // RASTUP_AUTH_EXEMPT_LOOPBACK=on: per-IP sign-in limits skip 127.0.0.1/::1 (every local request
    // comes from there, so scripts would otherwise lock you into CAPTCHA/429). Local stage only.
    authRateLimitExemptIps: process.env.RASTUP_AUTH_EXEMPT_LOOPBACK === 'on' ? LOOPBACK_IPS : [],
    onProgress: (message) => console.log(`· ${message}`),
  });
  const { endpoints } = stack;
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const demo = endpoints.demoAccounts?.length
    ? `
  Demo logins — LOCAL ONLY (synthetic accounts at @rastup.test; these passwords exist nowhere else)
${endpoints.demoAccounts
  .map((account) => {
    const listings = account.listings
      .map(
        (listing) =>
          `${listing.kind === 'studio' ? 'studio' : listing.role?.toLowerCase()} ${listing.slug} (${listing.status.toLowerCase()})`,
      )
      .join(', ');
    return `    ${account.key.padEnd(9)} ${account.email.padEnd(22)} ${account.password}${listings ? `\n              ${listings}` : ''}`;
  })
  .join('\n')}
  Sign in: POST ${endpoints.restUrl}/auth/login {"email","password"}; public pages: publicProfile(slug) / publicStudio(slug)
`
    : '';
  console.log(`
RastUp local stack is up (${seconds} s)

  GraphQL (local AppSync)   ${endpoints.graphqlUrl}
  REST (local API Gateway)  ${endpoints.restUrl}   (/auth/*, /.well-known/*)
  Dev API key (x-api-key)   ${endpoints.apiKey}
  Mailbox (captured email)  ${endpoints.mailboxUrl}
  Third-party fakes         ${endpoints.fakesUrl}   (HIBP, Turnstile, Google, Apple, Twilio)
  Stripe (local stand-in)   ${endpoints.stripe ? `${endpoints.stripe.apiUrl}   (webhooks -> ${endpoints.restUrl}/payments/stripe/webhook)` : 'Stripe test mode (STRIPE_SECRET_KEY)'}
  PostgreSQL                ${endpoints.databaseUrl}
  DynamoDB Local            ${endpoints.dynamodbEndpoint}
  S3 (s3rver)               ${endpoints.s3Endpoint}
${demo}
  Written to endpoints.json in the state dir. Try:
  curl -s ${endpoints.graphqlUrl} -H 'x-api-key: ${endpoints.apiKey}' -H 'content-type: application/json' \\
       -d '{"query":"{ cities { code name status } }"}'

Ctrl-C stops everything.`);

  let stopping = false;
  // "stopped" is printed only after PostgreSQL and the JVM have exited (stack.stop() waits for them).
  const shutdown = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack…`);
    // Holds the event loop open until "stopped" is printed: if stop() awaited only unref'd timers or
    // already-closed handles, Node would otherwise exit silently halfway through the shutdown.
    setInterval(() => undefined, 1_000);
    await stack.stop();
    console.log('stopped; no PostgreSQL or Java process left running');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
  // A crash must not orphan PostgreSQL and the JVM: they are stopped before the process exits.
  process.on('uncaughtException', (error) => {
    console.error(`local stack crashed: ${error.stack ?? error.message}`);
    if (stopping) return; // already stopping: let that finish
    void shutdown('crash', 1);
  });
}

main().catch((error: Error) => {
  console.error(`local stack failed to start: ${error.message}`);
  process.exit(1);
});
