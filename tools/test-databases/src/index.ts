export {
  type ActiveDialect,
  activeDialects,
  DIALECTS,
  type DialectFilter,
  type DialectName,
  type DialectSpec,
  forEachDialect,
  type OpenOptions,
  type TestDatabase,
  type UseOptions,
  useTestDatabase,
} from './dialects.js';
export { pgliteDialect } from './pglite-dialect.js';
export { type StallingProxy, startStallingProxy } from './stalling-proxy.js';
export { countRows, dropSessionTables, uniqueTableName } from './tables.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
