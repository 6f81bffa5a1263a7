import { PageClient, type PageReply } from '@sess/test-kit';

/** One response as a test looks at it: status, body text, where it redirects, the cookies it set. */
export type Reply = PageReply;

/** A browser of the demo over real HTTP ({@link PageClient}), which also knows the demo's sign-in form. */
export class HttpClient extends PageClient {
  /** Signs in to the demo with a username and password (the demo's form). */
  signIn(username: string, password: string): Promise<Reply> {
    return this.post('/login', { username, password });
  }
}

/** The visit count the demo's home page shows, or `undefined` when the page is not the signed-in home page. */
export function visitsOf(html: string): number | undefined {
  const m = /id="visits">\s*(?:<!--.*?-->)?\s*(\d+)/.exec(html);
  return m ? Number(m[1]) : undefined;
}
