/**
 * CORS and cookies judged by a real browser: Debian's Chromium (headless, driven by puppeteer-core)
 * opens a page on http://localhost:3000 — the web app's dev-server origin — with AWS Amplify JS v6
 * bundled by esbuild (tests/browser/amplify-page.ts). The page signs in through REST, refreshes
 * with the `__Host-` cookie the browser kept (200), and calls the local AppSync through Amplify
 * with the API key and with the access token, without any CORS refusal. A missing Chromium fails
 * this test: install it with `apt-get install -y chromium` (.ci/run does) or set CHROMIUM_PATH.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../../infra/local/gateway/server.ts';
import type { PageConfig, PageOutcome } from '../browser/amplify-page.ts';
import { registeredUser } from '../support/auth-client.ts';
import { stackInfo } from '../support/clients.ts';

const PAGE_PORT = 3000; // the web app's dev server: an origin the local stack allows with credentials
const PAGE_ORIGIN = `http://localhost:${PAGE_PORT}`;

function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    throw new Error(
      "Chromium not found: install Debian's chromium (`apt-get install -y chromium`, as .ci/run does) or set CHROMIUM_PATH",
    );
  }
}

let browser: Browser | undefined;
let pageServer: Server | undefined;
let closePageIpv6: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const executablePath = chromiumPath();
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('../browser/amplify-page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.text;
  pageServer = createServer((request, response) => {
    if (request.url === '/app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      response.end(script);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      '<!doctype html><html><head><title>RastUp dev</title><script src="/app.js"></script></head><body></body></html>',
    );
  });
  try {
    closePageIpv6 = await listenOnLoopback(pageServer, PAGE_PORT);
  } catch (error) {
    throw new Error(`port ${PAGE_PORT} (the web app's dev origin) is taken; stop what listens there`, { cause: error });
  }
  browser = await puppeteer.launch({
    executablePath,
    headless: true,
    // Root in CI has no user namespaces for Chromium's sandbox; /dev/shm is small in containers.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await closePageIpv6?.();
  await new Promise<void>((resolve) => (pageServer ? pageServer.close(() => resolve()) : resolve()));
});

describe('a web app page on http://localhost:3000 in headless Chromium', () => {
  it('signs in, refreshes with the cookie it received, and calls GraphQL through Amplify without CORS refusals', async () => {
    const user = await registeredUser();
    const { endpoints } = stackInfo();
    expect(new URL(endpoints.restUrl).hostname).toBe('localhost'); // same site as the web app

    const page = await browser!.newPage();
    const consoleErrors: string[] = [];
    const failedRequests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('requestfailed', (request) => failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`));
    await page.goto(`${PAGE_ORIGIN}/`, { waitUntil: 'load' });

    const config: PageConfig = {
      graphqlUrl: endpoints.graphqlUrl,
      restUrl: endpoints.restUrl,
      apiKey: endpoints.apiKey,
      email: user.email,
      password: user.password,
    };
    const outcome = await page.evaluate(
      (pageConfig) =>
        (globalThis as unknown as { rastupScenario: (c: PageConfig) => Promise<PageOutcome> }).rastupScenario(
          pageConfig,
        ),
      config,
    );
    const cookies = await browser!.cookies();
    await page.close();

    expect(outcome.loginStatus).toBe(200);
    // The browser sent the __Host- refresh cookie back: localhost:3000 and localhost:<port> are one site.
    expect(cookies.map((cookie) => cookie.name)).toContain('__Host-rastup_rt');
    expect(outcome.refreshStatus).toBe(200);
    expect(outcome.refreshedUserId).toBe(user.userId);
    expect(outcome.failures).toEqual([]);
    expect(outcome.cityCodes).toContain('us-nyc');
    expect(outcome.viewerSub).toBe(user.userId);
    // Amplify names the auth error from x-amzn-ErrorType, which the browser may read (exposed).
    expect(outcome.badTokenError).toMatch(/^UnauthorizedException/);
    expect(consoleErrors.filter((text) => /CORS|Access-Control/i.test(text))).toEqual([]);
    expect(failedRequests).toEqual([]);
  });
});
