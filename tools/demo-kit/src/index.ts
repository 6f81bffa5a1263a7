export {
  type DatabaseKind,
  type OpenDatabaseOptions,
  type OpenedDatabase,
  openDatabase,
  redactUrl,
} from './database.js';
export { type ListenSettings, readListenSettings, readSessionSettings, type SessionSettings } from './env.js';
export { ago, formatTime } from './format.js';
export {
  DEMO_PASSWORDS,
  DEMO_USERS,
  type DemoUser,
  findUser,
  verifyCredentials,
  verifyPassword,
} from './users.js';
