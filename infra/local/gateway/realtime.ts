/**
 * AppSync's real-time WebSocket protocol (subprotocol `graphql-ws`, AppSync's own flavour, not
 * `graphql-transport-ws`) on the gateway's port at `/graphql/realtime`: the path AWS Amplify v6
 * dials for an endpoint that is not `*.appsync-api.*` (AppSync's custom-domain path).
 *
 * Handshake auth arrives base64-encoded either in the `header` query parameter (with `payload`,
 * usually `e30=`) or, as Amplify v6 sends it, in a second subprotocol `header-<base64url>`.
 * Messages: connection_init → connection_ack {connectionTimeoutMs}, `ka` keep-alives, start (auth
 * again in payload.extensions.authorization) → start_ack | error, data, stop → complete.
 * A mutation named in a subscription field's @aws_subscribe is published to each subscription
 * whose arguments match the mutation's answer; who may subscribe is decided once, at start, by the
 * field's resolver (graphql-gateway.ts startSubscription).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../../lambdas/core/log.ts';
import type {
  GraphqlGateway,
  MutationPublication,
  PreparedSubscription,
  SubscriptionErrorEntry,
} from './graphql-gateway.ts';

export const REALTIME_PATH = '/graphql/realtime';
/** What AppSync announces in connection_ack: the client reconnects after this long without a `ka`. */
export const CONNECTION_TIMEOUT_MS = 300_000;
const MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;

export interface RealtimeOptions {
  readonly gateway: Pick<GraphqlGateway, 'authenticate' | 'startSubscription' | 'render'>;
  readonly logger: Logger;
  /** How often `ka` is sent (AppSync: about once a minute). */
  readonly keepAliveMs?: number;
}

interface Connection {
  readonly socket: WebSocket;
  readonly subscriptions: Map<string, PreparedSubscription>;
  /** Starts still waiting for their resolver: a `stop` for one of them cancels it. */
  readonly pending: Set<string>;
  acknowledged: boolean;
  keepAlive?: NodeJS.Timeout;
}

function decodeBase64Json(value: string): Record<string, unknown> | undefined {
  try {
    const text = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Header maps as the HTTP gateway sees them: lower-case names, string values. */
function lowerCase(headers: Record<string, unknown> | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (typeof value === 'string') out[name.toLowerCase()] = value;
  return out;
}

/** The handshake's auth headers: `header` query parameter, else Amplify v6's `header-…` subprotocol. */
export function handshakeHeaders(request: IncomingMessage): Record<string, string | undefined> | undefined {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const fromQuery = url.searchParams.get('header');
  if (fromQuery) return mapOrUndefined(decodeBase64Json(fromQuery));
  const protocols = String(request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((protocol) => protocol.trim());
  const headerProtocol = protocols.find((protocol) => protocol.startsWith('header-'));
  return headerProtocol ? mapOrUndefined(decodeBase64Json(headerProtocol.slice('header-'.length))) : undefined;
}

function mapOrUndefined(value: Record<string, unknown> | undefined) {
  return value ? lowerCase(value) : undefined;
}

export function createRealtimeServer(options: RealtimeOptions) {
  const keepAliveMs = options.keepAliveMs ?? 60_000;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 256 * 1024,
    // AppSync speaks only its graphql-ws flavour; the `header-…` protocol carries auth, never chosen.
    handleProtocols: (protocols) => (protocols.has('graphql-ws') ? 'graphql-ws' : false),
  });
  const connections = new Set<Connection>();

  function send(connection: Connection, message: Record<string, unknown>) {
    if (connection.socket.readyState === connection.socket.OPEN) connection.socket.send(JSON.stringify(message));
  }

  function sendError(connection: Connection, id: string | undefined, errors: readonly SubscriptionErrorEntry[]) {
    send(connection, { ...(id ? { id } : {}), type: 'error', payload: { errors } });
  }

  async function onStart(connection: Connection, message: Record<string, unknown>) {
    const id = typeof message.id === 'string' ? message.id : undefined;
    if (!id)
      return sendError(connection, undefined, [{ errorType: 'MalformedRequest', message: 'A start needs an id.' }]);
    if (connection.subscriptions.has(id) || connection.pending.has(id))
      return sendError(connection, id, [
        { errorType: 'DuplicatedOperationError', message: 'Duplicated operation id.' },
      ]);
    if (connection.subscriptions.size + connection.pending.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION)
      return sendError(connection, id, [
        { errorType: 'LimitExceededError', message: 'Too many subscriptions on this connection.' },
      ]);
    const payload = (message.payload ?? {}) as {
      data?: unknown;
      extensions?: { authorization?: Record<string, unknown> };
    };
    let request: { query?: unknown; variables?: unknown } = {};
    try {
      request = typeof payload.data === 'string' ? (JSON.parse(payload.data) as typeof request) : {};
    } catch {
      return sendError(connection, id, [{ errorType: 'MalformedRequest', message: 'payload.data is not JSON.' }]);
    }
    connection.pending.add(id);
    const started = await options.gateway.startSubscription(request, lowerCase(payload.extensions?.authorization));
    if (!connection.pending.delete(id)) return; // stopped (or the socket closed) while authorizing
    if ('errors' in started) return sendError(connection, id, started.errors);
    connection.subscriptions.set(id, started.subscription);
    send(connection, { id, type: 'start_ack' });
  }

  function onMessage(connection: Connection, raw: string) {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return sendError(connection, undefined, [{ errorType: 'MalformedRequest', message: 'Message is not JSON.' }]);
    }
    switch (message.type) {
      case 'connection_init':
        if (connection.acknowledged) return;
        connection.acknowledged = true;
        send(connection, { type: 'connection_ack', payload: { connectionTimeoutMs: CONNECTION_TIMEOUT_MS } });
        send(connection, { type: 'ka' });
        connection.keepAlive = setInterval(() => send(connection, { type: 'ka' }), keepAliveMs);
        connection.keepAlive.unref();
        return;
      case 'start':
        if (!connection.acknowledged)
          return sendError(connection, typeof message.id === 'string' ? message.id : undefined, [
            { errorType: 'UnsupportedOperation', message: 'connection_init first.' },
          ]);
        onStart(connection, message).catch((error: unknown) => {
          options.logger.error('realtime start failed', { error });
          sendError(connection, String(message.id), [{ errorType: 'InternalFailure', message: 'Internal failure.' }]);
        });
        return;
      case 'stop': {
        const id = String(message.id);
        const known = connection.subscriptions.delete(id) || connection.pending.delete(id);
        if (known) send(connection, { id, type: 'complete' });
        return;
      }
      default:
        return sendError(connection, typeof message.id === 'string' ? message.id : undefined, [
          { errorType: 'UnsupportedOperation', message: `Unsupported message type ${JSON.stringify(message.type)}.` },
        ]);
    }
  }

  /** Takes over an HTTP upgrade on the realtime path; answers false for any other path. */
  function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    if (path !== REALTIME_PATH && path !== `${REALTIME_PATH}/connect`) return false;
    wss.handleUpgrade(request, socket, head, (ws) => {
      const connection: Connection = { socket: ws, subscriptions: new Map(), pending: new Set(), acknowledged: false };
      connections.add(connection);
      ws.on('close', () => {
        clearInterval(connection.keepAlive);
        connection.subscriptions.clear();
        connection.pending.clear();
        connections.delete(connection);
      });
      ws.on('error', () => ws.terminate());
      const headers = handshakeHeaders(request);
      // The handshake's own credentials: refused ones get AppSync's connection_error, then a close.
      // Messages that arrive while they are checked wait for the answer, in order.
      const ready = (async () => {
        const auth = headers ? await options.gateway.authenticate(headers) : undefined;
        if (auth && !('status' in auth)) return true;
        const body = auth ? (JSON.parse(auth.body) as { errors: SubscriptionErrorEntry[] }) : undefined;
        const errors = (
          body?.errors ?? [{ errorType: 'UnauthorizedException', message: 'Valid authorization header not provided.' }]
        ).map((entry) => ({ ...entry, errorCode: 401 }));
        send(connection, { type: 'connection_error', payload: { errors } });
        ws.close(1000);
        return false;
      })();
      ws.on('message', (data, isBinary) => {
        void ready.then((ok) => {
          if (!ok) return;
          if (isBinary)
            return sendError(connection, undefined, [{ errorType: 'MalformedRequest', message: 'Text frames only.' }]);
          onMessage(connection, (data as Buffer).toString());
        });
      });
    });
    return true;
  }

  /** Fans one resolved mutation out to every matching subscription, in the order they started. */
  async function publish(publication: MutationPublication): Promise<number> {
    let delivered = 0;
    for (const connection of connections) {
      for (const [id, subscription] of connection.subscriptions) {
        const data = await options.gateway.render(subscription, publication);
        if (!data) continue;
        send(connection, { id, type: 'data', payload: { data } });
        delivered += 1;
      }
    }
    return delivered;
  }

  function close() {
    for (const connection of connections) connection.socket.terminate();
    wss.close();
  }

  return { handleUpgrade, publish, close, connections: () => connections.size };
}
