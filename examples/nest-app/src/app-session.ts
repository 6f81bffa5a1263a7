import type { SessionManager } from '@sess/core';

/** What the demo keeps in a session's data: the user's theme on this device. */
export type AppSessionData = {
  theme?: 'light' | 'dark';
};

/** The request's session, typed with the demo's data. */
export type AppSession = SessionManager<AppSessionData>;
