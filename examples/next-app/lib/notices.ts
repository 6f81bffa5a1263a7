import { count } from './format';

/** A confirmation after an action (`notice`), or an error (`error`). */
export interface Notice {
  kind: 'notice' | 'error';
  text: string;
}

/** The query of a page an action redirected to: `?done=revoked`, `?done=others&n=2`, `?error=1`. */
export type NoticeQuery = Record<string, string | string[] | undefined>;

/**
 * What the page says after the action that sent the browser there. The actions redirect with `?done=...`, as the
 * Hono demo does, so a reload shows the same page and the confirmation survives the redirect.
 */
export function noticeOf(query: NoticeQuery): Notice | undefined {
  if (query.error) return { kind: 'error', text: 'Wrong user or password.' };
  const n = Number(query.n ?? 0);
  switch (query.done) {
    case 'signed-in':
      return { kind: 'notice', text: 'You are signed in. This browser is listed first, as “This device”.' };
    case 'revoked':
      return {
        kind: 'notice',
        text: 'That device is signed out: its next request lands on the sign-in page.',
      };
    case 'others':
      return {
        kind: 'notice',
        text: n === 0 ? 'No other device was signed in.' : `Signed out ${count(n, 'other device')}.`,
      };
    case 'signed-out':
      return { kind: 'notice', text: 'You are signed out.' };
    case 'elsewhere':
      return {
        kind: 'notice',
        text: 'This browser was signed out: its session was ended on another device.',
      };
    default:
      return undefined;
  }
}
