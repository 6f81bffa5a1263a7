import { randomBytes } from 'node:crypto';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';

/** `sess secret`: prints a new cookie signing secret. */
export const secret: Command = {
  usage: `Usage: sess secret

Prints a new random signing secret for \`cookie.secret\`: 32 random bytes as base64url (43 characters).
To rotate keys, list the new secret first and keep the old one after it; a cookie signed with the old one
is signed again with the new one on its next response, so the old one can go once every active user has
been back:
  cookie: { secret: [process.env.SESSION_SECRET, process.env.SESSION_SECRET_OLD] }

Options:
  -h, --help         show this help`,
  options: [],
  database: false,
  async run({ io }) {
    io.stdout.write(`${randomBytes(32).toString('base64url')}\n`);
    return ExitCode.OK;
  },
};
