// Part 5 of issue 8: 200 concurrent clients, each with its own session (and its own user), for 60 seconds against
// the demo app as a real server process on PostgreSQL. Each client increments a counter in its session on every
// request and checks the answer: its own user, and exactly one more than last time.
//   SESS_LOAD_SECONDS  duration (default 60, as the issue says)
//   SESS_LOAD_CLIENTS  concurrent clients (default 200)
import { forEachDialect, uniqueTableName, useTestDatabase } from '@sess/test-databases';
import type { ServerProcess } from '@sess/test-kit';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from './support/http-client.js';
import { startServer } from './support/server-process.js';

const SECONDS = Number(process.env.SESS_LOAD_SECONDS || 60);
const CLIENTS = Number(process.env.SESS_LOAD_CLIENTS || 200);

/** The value at quantile `q` (0..1) of sorted numbers. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

interface ClientResult {
  user: string;
  requests: number;
  counter: number;
  errors: string[];
  lost: number;
  leaked: number;
  latencies: number[];
}

forEachDialect(
  (spec) =>
    describe('load on the demo app', () => {
      const table = uniqueTableName('hard_load');
      const t = useTestDatabase(spec, { sessionTables: [table] });
      let server: ServerProcess;
      let admin: Kysely<any>;

      beforeAll(async () => {
        admin = t.db;
        server = await startServer('hardening', { DATABASE_URL: t.url as string, SESS_TABLE: table });
      });

      afterAll(async () => {
        await server?.stop();
      });

      it(
        `keeps ${CLIENTS} concurrent clients' counters exact and their sessions their own for ${SECONDS} s, with no error`,
        async () => {
          const clients = Array.from({ length: CLIENTS }, (_, i) => ({
            user: `load-user-${i}`,
            http: new HttpClient(server.url),
          }));
          // Everyone signs in at once: 200 concurrent session creations.
          const signIns = await Promise.all(
            clients.map((c) => c.http.post('/hardening/sign-in', { user: c.user })),
          );
          expect(signIns.map((r) => r.status)).toEqual(clients.map(() => 200));
          expect(new Set(clients.map((c) => c.http.jar.get('_session'))).size).toBe(CLIENTS);

          const started = performance.now();
          const deadline = started + SECONDS * 1000;
          const run = async ({ user, http }: (typeof clients)[number]): Promise<ClientResult> => {
            const result: ClientResult = {
              user,
              requests: 0,
              counter: 0,
              errors: [],
              lost: 0,
              leaked: 0,
              latencies: [],
            };
            while (performance.now() < deadline) {
              const t0 = performance.now();
              try {
                const reply = await http.post('/hardening/counter');
                result.latencies.push(performance.now() - t0);
                result.requests += 1;
                if (reply.status !== 200) {
                  result.errors.push(`${reply.status} ${reply.body.slice(0, 200)}`);
                  continue;
                }
                const body = JSON.parse(reply.body) as { user: string | null; counter: number };
                if (body.user !== user) result.leaked += 1;
                if (body.counter !== result.counter + 1) result.lost += 1;
                result.counter = body.counter;
              } catch (error) {
                result.errors.push(String((error as Error).cause ?? error));
              }
            }
            return result;
          };
          const results = await Promise.all(clients.map(run));
          const elapsed = (performance.now() - started) / 1000;

          const requests = results.reduce((n, r) => n + r.requests, 0);
          const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
          const errors = results.flatMap((r) => r.errors);
          const lost = results.reduce((n, r) => n + r.lost, 0);
          const leaked = results.reduce((n, r) => n + r.leaked, 0);
          const ms = (v: number) => `${v.toFixed(1)} ms`;
          console.log(
            [
              `[load] ${CLIENTS} clients, ${elapsed.toFixed(1)} s, PostgreSQL: ${requests} requests, ${(requests / elapsed).toFixed(0)} requests/s`,
              `[load] latency p50 ${ms(quantile(latencies, 0.5))}, p90 ${ms(quantile(latencies, 0.9))}, p99 ${ms(quantile(latencies, 0.99))}, max ${ms(latencies.at(-1) ?? Number.NaN)}`,
              `[load] errors ${errors.length}, lost updates ${lost}, sessions leaked across clients ${leaked}; fewest requests by one client ${Math.min(...results.map((r) => r.requests))}`,
            ].join('\n'),
          );

          expect(errors.slice(0, 5)).toEqual([]);
          expect(lost).toBe(0);
          expect(leaked).toBe(0);
          expect(Math.min(...results.map((r) => r.requests))).toBeGreaterThan(0);

          // What the database holds agrees with what each client saw: one session per user, its last counter.
          const rows = await admin.selectFrom(table).select(['user_id', 'data']).execute();
          expect(rows).toHaveLength(CLIENTS);
          const stored = new Map(
            rows.map((r) => [r.user_id as string, JSON.parse(r.data as string).counter as number]),
          );
          for (const r of results) expect(stored.get(r.user), r.user).toBe(r.counter);
        },
        SECONDS * 1000 + 120_000,
      );
    }),
  { only: ['postgres'] },
);
