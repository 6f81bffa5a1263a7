import { fileURLToPath } from 'node:url';

/** Where the demo keeps its SQLite database when `DATABASE_URL` is unset (`data/` is created on first start). */
export const DEFAULT_SQLITE_PATH = fileURLToPath(new URL('../data/sess.sqlite', import.meta.url));
