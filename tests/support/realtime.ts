/**
 * AWS Amplify JS v6 as the web app configures it against the local stack, with what Node 20 lacks:
 * a global WebSocket (the `ws` package; browsers and Node 22 have their own). Amplify turns the
 * endpoint's `http://` into `wss://` (api-graphql 4.x has no option to keep plain ws for a local
 * endpoint), so this WebSocket dials the same host and path over `ws://`; everything else —
 * URL, subprotocols, the `header-…` auth, the protocol messages — is Amplify's own.
 */
import { WebSocket as NodeWebSocket } from 'ws';
import { configureAmplify as configureWebApp } from './amplify.ts';

class LoopbackWebSocket extends NodeWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(String(url).replace(/^wss:\/\//, 'ws://'), protocols);
  }
}

export function installWebSocket(): void {
  (globalThis as { WebSocket?: unknown }).WebSocket = LoopbackWebSocket;
}

/** The web app's dev configuration for realtime; `token()` is the signed-in user's access token for authMode oidc. */
export function configureAmplify(token: () => string | null): void {
  installWebSocket();
  configureWebApp({ token, defaultAuthMode: 'oidc' });
}
