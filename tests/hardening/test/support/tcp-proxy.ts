import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy on loopback that a test can cut and restore, standing between an app and its database. */
export interface TcpProxy {
  /** The loopback port the proxy listens on. */
  readonly port: number;
  /** True while the proxy is cut. */
  readonly isCut: boolean;
  /** Connections accepted and forwarded so far (refused ones are not counted). */
  readonly forwarded: number;
  /** Connections refused while cut. */
  readonly refused: number;
  /**
   * Cuts the link: resets every open connection (both sides) and resets every new one at once, like a database
   * host that went away. The listening port stays bound, so clients get a reset rather than a hang.
   */
  cut(): void;
  /** Forwards new connections again. Connections reset by {@link cut} stay dead: clients must reconnect. */
  restore(): void;
  /** Closes the proxy and every connection. */
  close(): Promise<void>;
}

/** Starts a {@link TcpProxy} on `127.0.0.1` (a free port) forwarding to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let isCut = false;
  let forwarded = 0;
  let refused = 0;

  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    // A reset surfaces as an error on the peer socket: expected here, never a crash of the test process.
    socket.on('error', () => {});
  };

  const server: Server = createServer((client) => {
    track(client);
    if (isCut) {
      refused += 1;
      client.resetAndDestroy();
      return;
    }
    forwarded += 1;
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('close', closeBoth);
    upstream.once('close', closeBoth);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    port,
    get isCut() {
      return isCut;
    },
    get forwarded() {
      return forwarded;
    },
    get refused() {
      return refused;
    },
    cut() {
      isCut = true;
      for (const socket of open) socket.resetAndDestroy();
    },
    restore() {
      isCut = false;
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
