import net from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL, to take the server away from a store and give it back:
 * - `up`: forwards;
 * - `down`: drops every open connection, then accepts new ones and never answers (a host gone dark);
 * - `frozen`: keeps connections open but forwards nothing either way (a network partition).
 */
export class TcpProxy {
  mode: 'up' | 'down' | 'frozen' = 'up';
  private readonly sockets = new Set<net.Socket>();
  private readonly held: (() => void)[] = [];

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: { readonly host: string; readonly port: number }): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = net.createServer((client) => proxy?.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private accept(client: net.Socket, target: { readonly host: string; readonly port: number }): void {
    this.track(client);
    if (this.mode !== 'up') return; // accepted, never answered
    const upstream = net.connect(target.port, target.host);
    this.track(upstream);
    const forward = (from: net.Socket, to: net.Socket) => {
      from.on('data', (chunk) => {
        // Frozen: the bytes wait, as TCP would retransmit them once the partition heals.
        if (this.mode === 'frozen') this.held.push(() => to.write(chunk));
        else to.write(chunk);
      });
      from.on('close', () => to.destroy());
    };
    forward(client, upstream);
    forward(upstream, client);
  }

  /** Drops every open connection; new ones hang. */
  down(): void {
    this.mode = 'down';
    for (const socket of this.sockets) socket.destroy();
  }

  freeze(): void {
    this.mode = 'frozen';
  }

  up(): void {
    this.mode = 'up';
    for (const release of this.held.splice(0)) release();
    // Connections accepted while down were never forwarded: drop them, clients will reconnect.
    for (const socket of this.sockets) if (socket.listenerCount('data') === 0) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
