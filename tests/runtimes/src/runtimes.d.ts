// The few Bun and Deno APIs the runners use (the packages' own type definitions are not installed).
declare module 'bun:sqlite' {
  export class Database {
    constructor(filename: string);
  }
}
declare const Bun: {
  version: string;
  serve(options: {
    port: number;
    hostname: string;
    fetch: (request: Request, server: unknown) => Response | Promise<Response>;
  }): { port: number };
};
// node:sqlite (Deno; Node >= 22.13): @types/node 20 does not have it.
declare module 'node:sqlite' {
  import type { DatabaseSyncLike } from './node-sqlite-dialect.ts';
  export class DatabaseSync implements DatabaseSyncLike {
    constructor(path: string);
    close(): void;
    prepare(sql: string): ReturnType<DatabaseSyncLike['prepare']>;
  }
}
