import { neonConfig, Pool } from '@neondatabase/serverless';
import { SessionStore } from '@sess/core';
import { createSessionHandlers } from '@sess/next';
import { Kysely, PostgresDialect } from 'kysely';

/** The edge runtime's global (`'edge-runtime'`); undefined on Node.js. */
declare const EdgeRuntime: string | undefined;

// Neon's serverless driver speaks the PostgreSQL protocol over a WebSocket: the edge runtime has `WebSocket` and
// `fetch` but no TCP sockets. Neon's own servers put a WebSocket proxy in front of PostgreSQL; here the test starts a
// small one on the loopback (test/support/ws-bridge.ts) and names it in SESS_EDGE_WS_PROXY (`127.0.0.1:PORT`).
// Plain `ws://` to that bridge, no TLS inside the WebSocket (the local PostgreSQL has none), and no pipelining of the
// startup messages (that is a Neon-server feature).
neonConfig.wsProxy = (host, port) => `${process.env.SESS_EDGE_WS_PROXY}/v2?address=${host}:${port}`;
neonConfig.useSecureWebSocket = false;
neonConfig.pipelineTLS = false;
neonConfig.pipelineConnect = false;

/** The session table: the test migrates a table of its own (with Node's `pg`) before it starts the server. */
const tableName = process.env.SESS_TABLE || 'sess_sessions';

export const { withSession, sessionProxy } = createSessionHandlers({
  // Made on the first request, never by `next build`: the Pool opens no WebSocket until the first query.
  store: () =>
    new SessionStore(
      new Kysely<unknown>({
        dialect: new PostgresDialect({
          pool: new Pool({ connectionString: process.env.SESS_EDGE_DATABASE_URL, max: 5 }),
        }),
      }),
      { tableName },
    ),
});

/** Where this request ran: `'edge-runtime'` on Next's edge runtime (its `EdgeRuntime` global), `'node'` on Node.js. */
export function runtimeName(): string {
  return typeof EdgeRuntime === 'string' ? EdgeRuntime : 'node';
}
