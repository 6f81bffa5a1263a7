import { COMMON, type Command, positiveInt } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { formatCount } from '../progress.js';
import { renderTable } from '../table.js';

/** `sess stats`: live and expired counts, and the users with the most live sessions. */
export const stats: Command = {
  usage: `Usage: sess stats [--top N] [--json]

Counts live and expired sessions (and live guest sessions, which have no user) and lists the users with the most
live sessions.

Options:
  --top N            how many users to list (default: 10)
  --json             print the result as JSON

${COMMON}`,
  options: ['top', 'json'],
  async run({ values, io, open, table }) {
    const top = positiveInt('--top', values.top ?? '10');
    const db = await open();
    const now = Date.now();
    // Portable on every dialect: sum(case ...) and count(distinct case ...) rather than FILTER (WHERE ...).
    // Guest sessions have user_id '' (no user id can be empty).
    const counts = await db
      .selectFrom(table)
      .select((eb) => [
        eb.fn.countAll().as('total'),
        eb.fn.sum(eb.case().when('expires_at', '>', now).then(1).else(0).end()).as('live'),
        eb.fn
          .sum(
            eb
              .case()
              .when(eb.and([eb('expires_at', '>', now), eb('user_id', '=', '')]))
              .then(1)
              .else(0)
              .end(),
          )
          .as('guests'),
        eb.fn
          .count(
            eb
              .case()
              .when(eb.and([eb('expires_at', '>', now), eb('user_id', '!=', '')]))
              .then(eb.ref('user_id'))
              .end(),
          )
          .distinct()
          .as('users'),
      ])
      .executeTakeFirstOrThrow();
    const topUsers = await db
      .selectFrom(table)
      .select((eb) => ['user_id', eb.fn.countAll().as('sessions')])
      .where('expires_at', '>', now)
      .where('user_id', '!=', '')
      .groupBy('user_id')
      .orderBy('sessions', 'desc')
      .orderBy('user_id')
      .limit(top)
      .execute();
    const total = Number(counts.total);
    const live = Number(counts.live ?? 0);
    const result = {
      live,
      expired: total - live,
      guests: Number(counts.guests ?? 0),
      users: Number(counts.users ?? 0),
      topUsers: topUsers.map((r) => ({ userId: String(r.user_id), sessions: Number(r.sessions) })),
    };
    if (values.json) {
      io.stdout.write(`${JSON.stringify(result)}\n`);
      return ExitCode.OK;
    }
    io.stdout.write(
      renderTable(
        ['', ''],
        [
          ['live sessions', formatCount(result.live)],
          ['expired sessions', formatCount(result.expired)],
          ['live guest sessions', formatCount(result.guests)],
          ['users with live sessions', formatCount(result.users)],
        ],
      ).replace(/^\n/, ''),
    );
    if (result.topUsers.length > 0) {
      io.stdout.write(`\ntop ${result.topUsers.length} users by live sessions:\n`);
      io.stdout.write(
        renderTable(
          ['USER', 'SESSIONS'],
          result.topUsers.map((u) => [u.userId, formatCount(u.sessions)]),
        ),
      );
    }
    if (result.expired > 0) io.stdout.write(`\nrun \`sess cleanup\` to delete the expired sessions\n`);
    return ExitCode.OK;
  },
};
