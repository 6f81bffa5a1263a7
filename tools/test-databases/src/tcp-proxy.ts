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
  /** `url` (a database URL) with its host and port replaced by the proxy's, for the app under test. */
  route(url: string): string;
}

const DEFAULT_PORTS: Record<string, number> = {
  'postgres:': 5432,
  'postgresql:': 5432,
  'mysql:': 3306,
  'mariadb:': 3306,
};

/** Host and port of a database URL (default port by scheme). @internal */
export function addressOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || DEFAULT_PORTS[u.protocol] || 0) };
}

/** Starts `server` on a free port of `127.0.0.1`; resolves the port. @internal */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** `url` (a database URL) with its host and port replaced by a proxy's on `127.0.0.1:port`. @internal */
export function routeThrough(url: string, port: number): string {
  const u = new URL(url);
  u.host = `127.0.0.1:${port}`;
  return u.toString();
}

/**
 * Starts a {@link TcpProxy} on `127.0.0.1` (a free port) forwarding to `target`: a host and port, or the database
 * URL of the server.
 *
 * @example
 * ```ts
 * const proxy = await startTcpProxy(url); // url: the database server's
 * const db = openDatabase(proxy.route(url)); // the code under test talks to the proxy
 * proxy.cut(); // the database is gone; proxy.restore() brings it back
 * ```
 */
export async function startTcpProxy(target: { host: string; port: number } | string): Promise<TcpProxy> {
  const { host, port: targetPort } = typeof target === 'string' ? addressOf(target) : target;
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
    const upstream = connect(targetPort, host);
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

  const port = await listenOnLoopback(server);

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
    route: (url) => routeThrough(url, port),
  };
}
