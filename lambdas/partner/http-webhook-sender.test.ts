import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HttpWebhookSender } from './http-webhook-sender.ts';

describe('HttpWebhookSender', () => {
  it('refuses at connect time a host that resolves to loopback (DNS rebinding), outside local', async () => {
    let reached = false;
    const server = createServer((_req, res) => {
      reached = true;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const strict = new HttpWebhookSender(2000, false);
      // `localhost` passes no registration check here on purpose: the lookup made for the connection refuses it.
      expect(await strict.send(`https://localhost:${port}/x`, {}, '{}')).toMatchObject({
        status: null,
        error: 'EWEBHOOKPRIVATE',
      });
      expect(await strict.send(`http://example.com/x`, {}, '{}')).toMatchObject({
        status: null,
        error: 'https required',
      });
      expect(reached).toBe(false);
      const local = new HttpWebhookSender(2000, true);
      expect(await local.send(`http://localhost:${port}/x`, {}, '{}')).toMatchObject({ status: 200, error: null });
      expect(reached).toBe(true);
    } finally {
      server.close();
    }
  });

  it('does not follow redirects and reports timeouts as failures', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const sender = new HttpWebhookSender(300, true);
      expect(await sender.send(`${base}/redirect`, {}, '{}')).toMatchObject({ status: 302 });
      expect(await sender.send(`${base}/slow`, {}, '{}')).toMatchObject({ status: null });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
