import { Client, neonConfig, Pool } from '@neondatabase/serverless';
import { SessionStore } from '@sess/core';
import { createSessionHandlers } from '@sess/next';
import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';

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

/**
 * A Kysely "pool" that pools nothing: each connection Kysely takes (one query, or one whole transaction) is a new
 * Neon `Client`, ended when Kysely releases it. Neon's README asks this of edge platforms (Vercel Edge Functions,
 * Cloudflare Workers): "WebSocket connections can't outlive a single request", so no `Pool` may be shared between
 * requests. `next start` keeps one edge sandbox alive and lets a shared `Pool` work; this mode shows sess also works
 * the way a hosted edge platform needs. SESS_EDGE_CONNECTIONS=per-use selects it.
 */
function connectionPerUse(connectionString: string | undefined): PostgresPool {
  return {
    async connect() {
      const client = new Client(connectionString);
      await client.connect();
      return Object.assign(client, {
        release: () => {
          void client.end();
        },
      });
    },
    async end() {},
  };
}

export const { withSession, sessionProxy } = createSessionHandlers({
  // Made on the first request, never by `next build`: neither mode opens a WebSocket before the first query.
  store: () => {
    const url = process.env.SESS_EDGE_DATABASE_URL;
    const pool =
      process.env.SESS_EDGE_CONNECTIONS === 'per-use'
        ? connectionPerUse(url)
        : new Pool({ connectionString: url, max: 5 });
    return new SessionStore(new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) }), { tableName });
  },
});

/** Where this request ran: `'edge-runtime'` on Next's edge runtime (its `EdgeRuntime` global), `'node'` on Node.js. */
export function runtimeName(): string {
  return typeof EdgeRuntime === 'string' ? EdgeRuntime : 'node';
}
