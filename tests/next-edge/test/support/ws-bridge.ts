import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { WebSocketServer } from 'ws';

/** A running {@link startWsBridge}. */
export interface WsBridge {
  /** `127.0.0.1:PORT`, for Neon's `neonConfig.wsProxy`. */
  readonly address: string;
  /** Connections it has bridged so far. */
  connections(): number;
  /** Connections open now. */
  open(): number;
  close(): Promise<void>;
}

/**
 * The WebSocket-to-TCP bridge that Neon's serverless driver expects in front of PostgreSQL (Neon runs its own
 * `wsproxy`): each WebSocket connection to `/v2?address=HOST:PORT` becomes a TCP connection to that address, bytes
 * piped both ways. Bound to 127.0.0.1, and it connects only to the loopback, so it is no open relay.
 */
export async function startWsBridge(): Promise<WsBridge> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  let count = 0;
  let open = 0;
  server.on('connection', (ws, request) => {
    const target = new URL(request.url ?? '/', 'http://bridge').searchParams.get('address') ?? '';
    const match = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(target);
    if (!match) {
      ws.close(1008, 'loopback addresses only');
      return;
    }
    count += 1;
    open += 1;
    ws.once('close', () => {
      open -= 1;
    });
    const socket = connect(Number(match[2]), '127.0.0.1');
    socket.on('data', (chunk) => ws.send(chunk));
    socket.on('close', () => ws.close());
    socket.on('error', () => ws.close());
    ws.on('message', (data) => socket.write(data as Buffer));
    ws.on('close', () => socket.destroy());
    ws.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    connections: () => count,
    open: () => open,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
