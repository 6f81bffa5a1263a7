import { SessionStore } from '@sess/core';
import { COMMON, type Command, usage } from '../command.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { formatCount } from '../progress.js';

/** `sess sessions revoke --user ID | --session ID`: signs a user out everywhere, or ends one session. */
export const sessionsRevoke: Command = {
  usage: `Usage: sess sessions revoke --user ID
       sess sessions revoke --session ID [--user ID]

Deletes sessions: every session of a user ("sign out everywhere"), or one session by its public id
(with --user too, only if it belongs to that user). Exit code 4 when --session names no session.

Options:
  --user ID          the user whose sessions to revoke
  --session ID       the public id of one session to revoke
  --json             print the result as JSON

${COMMON}`,
  options: ['user', 'session', 'json'],
  async run({ values, io, open, table }) {
    const { user, session } = values;
    if (user === undefined && session === undefined) usage('give --user ID or --session ID');
    if (user === '' || session === '') usage('--user and --session need a non-empty value');
    const store = new SessionStore(await open(), { tableName: table });
    const print = (revoked: number, text: string) =>
      io.stdout.write(values.json ? `${JSON.stringify({ revoked })}\n` : `${text}\n`);
    if (session !== undefined) {
      const found =
        user !== undefined ? await store.destroyForUser(user, session, 'admin') : await revokeOne();
      if (!found) {
        throw new CliError(
          ExitCode.NOT_FOUND,
          user !== undefined ? `user ${user} has no session ${session}` : `no session ${session}`,
        );
      }
      print(1, `revoked session ${session}`);
      return ExitCode.OK;
    }
    const n = await store.destroyAllForUser(user as string, 'admin');
    print(n, `revoked ${formatCount(n)} session${n === 1 ? '' : 's'} of user ${user}`);
    return ExitCode.OK;

    async function revokeOne(): Promise<boolean> {
      if (!(await store.read(session as string))) return false;
      await store.destroy(session as string, 'admin');
      return true;
    }
  },
};
