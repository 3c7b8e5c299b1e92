import net from 'node:net';

export interface TcpProxyOptions {
  /** Where every accepted connection is forwarded (a Redis or PostgreSQL server, say). */
  readonly target: { readonly host: string; readonly port: number };
}

/**
 * A TCP forwarder on 127.0.0.1 that a test points a client at instead of the real server, to
 * break the connection mid-test while the server keeps running.
 */
export interface TcpProxy {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Open client connections (each has its own connection to the target). */
  readonly connections: number;
  /**
   * Resets every open connection (the client sees ECONNRESET, the server a closed socket) and
   * resets new ones as soon as they are accepted, until `restore`.
   */
  cut(): void;
  /**
   * A silent partition: connections stay open but nothing is forwarded either way (no FIN, no
   * RST), like a peer that vanished from the network, until `restore` lets the held bytes through.
   */
  freeze(): void;
  /** Accepts and forwards again, and resumes frozen connections. */
  restore(): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

interface Pair {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const { host, port } = options.target;
  let mode: 'open' | 'cut' | 'frozen' = 'open';
  const pairs = new Set<Pair>();

  // Forwarded by hand rather than with pipe(): pipe would resume a paused (frozen) socket on 'drain'.
  const forward = (from: net.Socket, to: net.Socket): void => {
    from.on('data', (chunk: Buffer) => {
      if (to.write(chunk)) return;
      from.pause();
      to.once('drain', () => {
        if (mode === 'open') from.resume();
      });
    });
    from.on('end', () => to.end());
  };

  const server = net.createServer((client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host, port });
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    const teardown = (): void => {
      pairs.delete(pair);
      if (!client.destroyed) client.resetAndDestroy();
      upstream.destroy();
    };
    client.on('error', teardown).on('close', teardown);
    upstream.on('error', teardown).on('close', teardown);
    forward(client, upstream);
    forward(upstream, client);
    if (mode === 'frozen') {
      client.pause();
      upstream.pause();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');

  const destroyAll = (): void => {
    for (const { client, upstream } of [...pairs]) {
      if (!client.destroyed) client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  return {
    port: address.port,
    get connections() {
      return pairs.size;
    },
    cut() {
      mode = 'cut';
      destroyAll();
    },
    freeze() {
      mode = 'frozen';
      for (const { client, upstream } of pairs) {
        client.pause();
        upstream.pause();
      }
    },
    restore() {
      mode = 'open';
      for (const { client, upstream } of pairs) {
        client.resume();
        upstream.resume();
      }
    },
    close() {
      mode = 'cut';
      destroyAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
