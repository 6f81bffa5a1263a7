// `pnpm bench:read`: readByToken on SQLite next to a raw better-sqlite3 prepared statement doing the same lookup on
// the same table, in one run, with ratios (the store-level part of `pnpm bench`, alone and quick).
import { readSettings } from './lib/settings.js';
import { benchSqliteStore } from './store-bench.js';

await benchSqliteStore(readSettings(), (line) => console.log(line));
