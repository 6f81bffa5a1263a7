import { SessionManager, type SessionStore } from '../../src/index.js';
import type { MemoryBrowser, MemoryPort } from '../../src/testing/index.js';

/** One request and what it left behind. */
export interface Sent<D extends object> {
  port: MemoryPort;
  manager: SessionManager<D>;
}

/**
 * Sends one request from `browser` the way a framework package runs it (load, handler, commit) and lets the browser
 * store the response's cookies. Whatever the handler throws fails the test.
 */
export async function send<D extends object>(
  browser: MemoryBrowser,
  store: SessionStore,
  handler: (m: SessionManager<D>) => unknown = () => {},
): Promise<Sent<D>> {
  const port = browser.next();
  const manager = await SessionManager.load<D>(store, port);
  await handler(manager);
  await manager.commit();
  browser.receive(port);
  return { port, manager };
}
