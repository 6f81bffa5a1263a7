import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryResult,
  TransactionSettings,
} from 'kysely';

/** Kind of a statement, from its first keyword. */
export type StatementKind = 'read' | 'write' | 'transaction' | 'other';

/** Counts what reached the database through a {@link countingDialect}. */
export class QueryCounter {
  /** Every statement, in order, as `kind: sql`. */
  readonly log: { kind: StatementKind; sql: string }[] = [];

  /** Statements that are not transaction control (BEGIN/COMMIT/ROLLBACK). */
  get queries(): number {
    return this.log.filter((e) => e.kind !== 'transaction').length;
  }

  /** INSERT, UPDATE, DELETE and other writing statements. */
  get writes(): number {
    return this.log.filter((e) => e.kind === 'write').length;
  }

  /** Forgets what was counted. */
  reset(): void {
    this.log.length = 0;
  }

  /** @internal */
  record(sql: string): void {
    this.log.push({ kind: classify(sql), sql });
  }
}

function classify(sql: string): StatementKind {
  const word = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? '';
  if (word === 'select' || word === 'with') return 'read';
  if (['insert', 'update', 'delete', 'replace', 'merge'].includes(word)) return 'write';
  if (['begin', 'commit', 'rollback', 'start', 'savepoint', 'release', 'set'].includes(word))
    return 'transaction';
  return 'other';
}

/**
 * Wraps a dialect so that every statement is first passed to `before(sql)`: it may record it, or throw to make
 * the database "fail" on purpose. `after(sql)`, when given, runs once the statement has run and before its result
 * is returned; a promise it returns holds the result back (a stalled database, a batch caught mid-transaction).
 * The real driver runs everything else.
 */
export function wrapDialect(
  dialect: Dialect,
  before: (sql: string) => void,
  after?: (sql: string) => void | Promise<void>,
): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => wrapDriver(dialect.createDriver(), before, after),
  };
}

/** A dialect that records every statement in `counter`. */
export function countingDialect(dialect: Dialect, counter: QueryCounter): Dialect {
  return wrapDialect(dialect, (sql) => counter.record(sql));
}

/**
 * A switchable fault: `failingDialect(dialect, fault)` runs normally until `fault.fail()`, then every statement
 * throws `fault.error` (a connection-refused-like error) until `fault.heal()`.
 */
export class Fault {
  failing = false;
  readonly error: Error & { code: string };
  constructor(message = 'connect ECONNREFUSED 127.0.0.1:5432 (injected fault)') {
    this.error = Object.assign(new Error(message), { code: 'ECONNREFUSED' });
  }
  fail(): void {
    this.failing = true;
  }
  heal(): void {
    this.failing = false;
  }
}

/** A dialect whose statements throw while `fault` is failing. */
export function failingDialect(dialect: Dialect, fault: Fault): Dialect {
  return wrapDialect(dialect, () => {
    if (fault.failing) throw fault.error;
  });
}

function wrapDriver(
  driver: Driver,
  before: (sql: string) => void,
  after?: (sql: string) => void | Promise<void>,
): Driver {
  const wrap = (connection: DatabaseConnection): DatabaseConnection => ({
    executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      try {
        before(query.sql);
      } catch (error) {
        return Promise.reject(error);
      }
      const running = connection.executeQuery<R>(query);
      if (!after) return running;
      return running.then(async (result) => {
        await after(query.sql);
        return result;
      });
    },
    streamQuery<R>(query: CompiledQuery, chunkSize?: number) {
      before(query.sql);
      return connection.streamQuery<R>(query, chunkSize);
    },
  });
  const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const outer = (c: DatabaseConnection) => {
    let w = wrapped.get(c);
    if (!w) {
      w = wrap(c);
      wrapped.set(c, w);
      inner.set(w, c);
    }
    return w;
  };
  const inner = new WeakMap<DatabaseConnection, DatabaseConnection>();
  const unwrap = (c: DatabaseConnection) => inner.get(c) ?? c;
  return {
    init: () => driver.init(),
    acquireConnection: async () => outer(await driver.acquireConnection()),
    beginTransaction: (c: DatabaseConnection, settings: TransactionSettings) => {
      before('begin');
      return driver.beginTransaction(unwrap(c), settings);
    },
    commitTransaction: (c: DatabaseConnection) => {
      before('commit');
      return driver.commitTransaction(unwrap(c));
    },
    rollbackTransaction: (c: DatabaseConnection) => driver.rollbackTransaction(unwrap(c)),
    releaseConnection: (c: DatabaseConnection) => driver.releaseConnection(unwrap(c)),
    destroy: () => driver.destroy(),
  };
}
