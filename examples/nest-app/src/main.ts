import { bootstrap } from './bootstrap.js';

// The demo's entry (`pnpm start` after `pnpm build`); see bootstrap.ts for the environment variables.
const app = await bootstrap();
console.log(`sess Nest demo (${app.getHttpAdapter().getType()}) listening on ${await app.getUrl()}`);
