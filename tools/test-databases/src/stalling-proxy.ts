import { connect, createServer, isIP, type Server, type Socket } from 'node:net';
import { addressOf, listenOnLoopback, routeThrough } from './tcp-proxy.js';

/**
 * A TCP proxy on loopback that a test can stall: unlike a cut (connections reset, new ones refused), a stall keeps
 * every connection open and answers nothing, like a database host behind a network partition, a hung server or a
 * full connection backlog. Clients see no error: only their own timeouts get them out.
 */
export interface StallingProxy {
  /** The loopback port the proxy listens on. */
  readonly port: number;
  /** True between {@link stall} and {@link heal}. */
  readonly isStalled: boolean;
  /** Connections forwarded to the server so far. */
  readonly forwarded: number;
  /** Connections accepted while stalled and held open without forwarding. */
  readonly held: number;
  /**
   * Stalled connections (stalled by {@link stall}, or held while stalled) that the client has not closed yet: what
   * a pool that never gives up on a stuck connection keeps forever.
   */
  readonly stuck: number;
  /**
   * Stops forwarding in both directions on every open connection (they stay open, silent, for good), and from now
   * on accepts new connections without forwarding them (held open, silent).
   */
  stall(): void;
  /**
   * Forwards NEW connections again. Connections stalled by {@link stall} stay dead until the client closes them or
   * the proxy closes, as after a real network partition.
   */
  heal(): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
  /** `url` (a database URL) with its host and port replaced by the proxy's, for the code under test. */
  route(url: string): string;
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/** One client connection and, when forwarded, its connection to the server. */
interface Link {
  client: Socket;
  upstream: Socket | undefined;
  stalled: boolean;
  /** The client sent FIN or reset the connection. */
  closedByClient: boolean;
}

/**
 * Starts a {@link StallingProxy} on `127.0.0.1` (a free port) in front of `target`: a loopback host and port, or the
 * database URL of a server on loopback. Any other target is refused: this is test equipment, never a relay.
 *
 * @example
 * ```ts
 * const proxy = await startStallingProxy(url);
 * const app = await startServer('demo', { DATABASE_URL: proxy.route(url) });
 * proxy.stall(); // the database stops answering, no connection breaks
 * proxy.heal(); // new connections work again; the stalled ones never do
 * ```
 */
export async function startStallingProxy(
  target: { host: string; port: number } | string,
): Promise<StallingProxy> {
  const { host, port: targetPort } = typeof target === 'string' ? addressOf(target) : target;
  if (!isLoopback(host)) throw new Error(`startStallingProxy: the target must be on loopback (got ${host})`);
  if (!Number.isInteger(targetPort) || targetPort <= 0) throw new Error('startStallingProxy: no target port');

  const links = new Set<Link>();
  let isStalled = false;
  let forwarded = 0;
  let held = 0;

  // A stalled link still reads both sides (and drops what it reads), so that the test sees when the client gives
  // up on it; it never writes, ends or closes either side: the peers see silence, as behind a partition.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const link: Link = { client, upstream: undefined, stalled: isStalled, closedByClient: false };
    links.add(link);
    const closed = () => {
      link.closedByClient = true;
      // A forwarded link closes both ends; a stalled one keeps its server side open (the partition hides the close).
      if (!link.stalled) {
        link.upstream?.destroy();
        links.delete(link);
      }
    };
    // Errors (a reset by the client, say) are expected here, never a crash of the test process.
    client.on('error', closed);
    client.once('close', closed);
    client.once('end', () => {
      link.closedByClient = true;
      if (!link.stalled) link.upstream?.end();
    });
    if (link.stalled) {
      held += 1;
      client.resume(); // read and drop
      return;
    }
    forwarded += 1;
    const upstream = connect({ port: targetPort, host, allowHalfOpen: true });
    link.upstream = upstream;
    upstream.on('error', () => {});
    upstream.once('close', () => {
      if (!link.stalled) client.destroy();
    });
    client.on('data', (chunk: Buffer) => {
      if (!link.stalled) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!link.stalled) client.write(chunk);
    });
    upstream.on('end', () => {
      if (!link.stalled) client.end();
    });
  });

  const port = await listenOnLoopback(server);

  return {
    port,
    get isStalled() {
      return isStalled;
    },
    get forwarded() {
      return forwarded;
    },
    get held() {
      return held;
    },
    get stuck() {
      let n = 0;
      for (const link of links) if (link.stalled && !link.closedByClient) n += 1;
      return n;
    },
    stall() {
      isStalled = true;
      for (const link of links) link.stalled = true;
    },
    heal() {
      isStalled = false;
    },
    close() {
      for (const link of links) {
        link.client.destroy();
        link.upstream?.destroy();
      }
      links.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
    route: (url) => routeThrough(url, port),
  };
}
