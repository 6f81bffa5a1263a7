import { SessionManager, type SessionStore } from '../../src/index.js';
import type { MemoryBrowser, MemoryPort } from '../../src/testing/index.js';

/** One request and what it left behind. */
export interface Outcome<D extends object> {
  port: MemoryPort;
  manager: SessionManager<D>;
  loadError?: unknown;
  commitError?: unknown;
}

/** What a handler throws on purpose, to test the failed-request path. Anything else it throws fails the test. */
export class HandlerFailure extends Error {}

/**
 * One request the way a framework package runs it: load, handler, commit (failed when the handler threw), and the
 * browser keeps the cookies the response set. A load error is recorded (the adapter answers 503 there); an error the
 * handler throws (a failed `expect` inside it too) is rethrown after the commit, unless it is a {@link HandlerFailure}.
 */
export async function request<D extends object>(
  browser: MemoryBrowser,
  store: SessionStore,
  handler: (m: SessionManager<D>) => unknown = () => {},
  overrides: Parameters<MemoryBrowser['next']>[0] = {},
): Promise<Outcome<D>> {
  const port = browser.next(overrides);
  const manager = new SessionManager<D>(store, port);
  const outcome: Outcome<D> = { port, manager };
  try {
    await manager.load();
  } catch (error) {
    outcome.loadError = error;
    return outcome;
  }
  let thrown: unknown;
  let failed = false;
  try {
    await handler(manager);
  } catch (error) {
    failed = true;
    thrown = error;
  }
  try {
    await manager.commit({ failed });
  } catch (error) {
    outcome.commitError = error;
  }
  browser.receive(port);
  if (failed && !(thrown instanceof HandlerFailure)) throw thrown;
  return outcome;
}

/** {@link request} for one shape of session data, so handlers get a typed manager. */
export function requestsOf<D extends object>() {
  return (
    browser: MemoryBrowser,
    store: SessionStore,
    handler?: (m: SessionManager<D>) => unknown,
    overrides?: Parameters<MemoryBrowser['next']>[0],
  ): Promise<Outcome<D>> => request<D>(browser, store, handler, overrides);
}
