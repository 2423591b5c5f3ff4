/**
 * A TCP proxy for fault tests: it sits between the Lambdas and a TCP service (PostgreSQL) and, on
 * command, passes bytes through, delays them, drops them (a black hole: the socket stays open and
 * silent, like a partitioned network or a stalled failover), or resets connections (RST, like a
 * proxy or server restart). It works on bytes only, so it knows nothing of the protocol it carries.
 */
import net from 'node:net';

export type FaultMode =
  | { readonly kind: 'pass' }
  /** Every chunk, both ways, is held `ms` before it is forwarded. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** New and open connections stay up, but nothing is forwarded either way. */
  | { readonly kind: 'blackhole' }
  /** Open connections are reset now; new ones are reset as soon as they are accepted. */
  | { readonly kind: 'reset' };

export interface TcpFaultProxy {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far (a test can tell that the pool reconnected). */
  readonly accepted: number;
  setMode(mode: FaultMode): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
}

export async function startTcpFaultProxy(target: { host: string; port: number }): Promise<TcpFaultProxy> {
  let mode: FaultMode = { kind: 'pass' };
  let accepted = 0;
  const pairs = new Set<Pair>();

  const reset = (pair: Pair) => {
    pair.client.resetAndDestroy();
    pair.upstream.resetAndDestroy();
    pairs.delete(pair);
  };

  /** Forwards `from` to `to` under the mode in force when each chunk arrives. */
  const pipe = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk: Buffer) => {
      const current = mode;
      if (current.kind === 'pass') to.write(chunk);
      else if (current.kind === 'delay')
        // Order is kept: equal delays fire in scheduling order.
        setTimeout(() => to.destroyed || to.write(chunk), current.ms).unref();
      // blackhole: the chunk is dropped (TCP already acknowledged it, as a stalled peer would).
    });
    from.on('end', () => to.end());
  };

  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(target.port, target.host);
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    const gone = () => {
      if (!pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('error', gone).on('close', gone);
    upstream.on('error', gone).on('close', gone);
    if (mode.kind === 'reset') {
      reset(pair);
      return;
    }
    pipe(client, upstream);
    pipe(upstream, client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    get accepted() {
      return accepted;
    },
    setMode(next) {
      mode = next;
      if (next.kind === 'reset') for (const pair of [...pairs]) reset(pair);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of [...pairs]) reset(pair);
        server.close(() => resolve());
      }),
  };
}
