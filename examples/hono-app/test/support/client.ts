import { AppClient } from '@sess/test-kit';

/** A browser of the demo over `app.request()` ({@link AppClient}), which also knows the demo's sign-in form. */
export class TestClient extends AppClient {
  /** Posts the sign-in form. */
  signIn(username: string, password: string): Promise<Response> {
    return this.submit('/login', { username, password });
  }
}
