export { AppClient, type AppClientOptions, type RequestableApp } from './app-client.js';
export { buildForTests } from './build.js';
export { CookieJar } from './cookie-jar.js';
export {
  CHROME_LINUX,
  FetchClient,
  type FetchReply,
  JsonClient,
  type JsonReply,
  PageClient,
  type PageReply,
} from './fetch-client.js';
export { nextLogProblems } from './next-log.js';
export { type NextServerOptions, type RunningNext, startNextServer } from './next-server.js';
export { freePort } from './ports.js';
export {
  type NodeProcess,
  type ServerProcess,
  spawnNode,
  startTsxServer,
  type TsxServerOptions,
  waitFor,
} from './server-process.js';
export { countSessions, seedExpiredSessions, TEST_META } from './sessions.js';
export { CHROME_MAC, FIREFOX_WINDOWS } from './user-agents.js';
