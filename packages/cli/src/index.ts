export { type ConnectOptions, connect, type DatabaseTarget, parseDatabaseUrl, redact } from './database.js';
export { CliError, ExitCode } from './exit-codes.js';
export { type CliIo, processIo, run } from './main.js';
