// Writes .dev.vars for `wrangler dev` on the first `pnpm dev`: a random signing secret, and LOCAL_HTTP=true because
// the local server is plain http://127.0.0.1 (cookies without Secure). wrangler never uploads .dev.vars.
import { existsSync, writeFileSync } from 'node:fs';

const file = new URL('../.dev.vars', import.meta.url);
if (!existsSync(file)) {
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
  writeFileSync(file, `SESSION_SECRET=${secret}\nLOCAL_HTTP=true\n`);
  console.log('wrote .dev.vars (a new SESSION_SECRET, LOCAL_HTTP=true for http://127.0.0.1)');
}
