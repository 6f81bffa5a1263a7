import { type SessionData, SessionStore } from '@sess/core';
import { COMMON, type Command, required, when } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { renderTable } from '../table.js';

/** `sess sessions list --user ID`: a user's live sessions. */
export const sessionsList: Command = {
  usage: `Usage: sess sessions list --user ID [--json]

Lists the user's live sessions, most recently active first.

Options:
  --user ID          the user whose sessions to list (required)
  --json             print a JSON array instead of a table

${COMMON}`,
  options: ['user', 'json'],
  async run({ values, io, open, table }) {
    const user = required('--user', values.user);
    const store = new SessionStore(await open(), { tableName: table });
    const sessions = await store.listForUser(user);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(sessions, null, 2)}\n`);
    } else if (sessions.length === 0) {
      io.stdout.write(`user ${user} has no live sessions\n`);
    } else {
      io.stdout.write(
        renderTable(
          ['ID', 'DEVICE', 'TYPE', 'IP', 'CREATED', 'LAST ACTIVE', 'EXPIRES'],
          sessions.map((s: SessionData) => [
            s.id,
            s.deviceName,
            s.deviceType,
            s.ipAddress,
            when(s.createdAt),
            when(s.lastActiveAt),
            when(s.expiresAt),
          ]),
        ),
      );
    }
    return ExitCode.OK;
  },
};
