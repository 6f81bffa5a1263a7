import type BetterSqlite3 from 'better-sqlite3';
import type * as Mysql2 from 'mysql2';
import type Pg from 'pg';
import { CliError, ExitCode, errorText } from './exit-codes.js';

/** The database driver packages, one per kind of database URL. They are optional peer dependencies of the CLI. */
interface Drivers {
  sqlite: typeof BetterSqlite3;
  postgres: typeof Pg;
  mysql: typeof Mysql2;
}

/** Which database a driver is for. */
export type DriverKind = keyof Drivers;

const PACKAGES: Record<DriverKind, { name: string; database: string }> = {
  sqlite: { name: 'better-sqlite3', database: 'SQLite' },
  postgres: { name: 'pg', database: 'PostgreSQL' },
  mysql: { name: 'mysql2', database: 'MySQL/MariaDB' },
};

/**
 * The module specifier each driver is imported from: the package name. Tests point one at a name that does not
 * exist to see the "not installed" error without uninstalling anything. @internal
 */
export const driverSpecifiers: Record<DriverKind, string> = {
  sqlite: PACKAGES.sqlite.name,
  postgres: PACKAGES.postgres.name,
  mysql: PACKAGES.mysql.name,
};

/**
 * Imports the driver of `kind` on first use, so that only the database a command talks to needs its driver
 * installed. A missing driver is a usage error that names the package to install.
 */
export async function loadDriver<K extends DriverKind>(kind: K): Promise<Drivers[K]> {
  const specifier = driverSpecifiers[kind];
  const { name, database } = PACKAGES[kind];
  let module: { default?: unknown };
  try {
    module = (await import(specifier)) as { default?: unknown };
  } catch (error) {
    if (isNotFound(error, specifier)) {
      throw new CliError(
        ExitCode.USAGE,
        `the ${database} driver "${name}" is not installed; run npm install ${name}`,
        { cause: error },
      );
    }
    throw new CliError(
      ExitCode.USAGE,
      `the ${database} driver "${name}" is installed but does not load (${errorText(error)}); reinstall it`,
      { cause: error },
    );
  }
  // All three are CommonJS: their exports are the ES module's default export.
  return (module.default ?? module) as Drivers[K];
}

/** True when `error` says that `specifier` itself could not be found (not one of its own dependencies). */
function isNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const notFound =
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    /cannot find (package|module)|failed to (load|resolve)/i.test(message);
  return notFound && (message.includes(`'${specifier}'`) || message.includes(`"${specifier}"`));
}
