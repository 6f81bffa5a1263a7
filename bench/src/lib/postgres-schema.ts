import pg from 'pg';

/** A throw-away PostgreSQL schema for one benchmark run, so its tables never meet anyone else's. */
export class BenchSchema {
  readonly name: string;
  readonly #url: string;

  constructor(url: string, name = `sess_bench_${process.pid}`) {
    this.#url = url;
    this.name = name;
  }

  async #run(sql: string): Promise<pg.QueryResult> {
    const client = new pg.Client({ connectionString: this.#url });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** Creates the schema (dropping a leftover of the same name first). */
  async create(): Promise<void> {
    await this.#run(`drop schema if exists "${this.name}" cascade; create schema "${this.name}"`);
  }

  /** Drops the schema and everything in it. */
  async drop(): Promise<void> {
    await this.#run(`drop schema if exists "${this.name}" cascade`);
  }

  /**
   * Rows inserted, updated and deleted per table of the schema, as PostgreSQL's statistics collector last
   * published them (`pg_stat_user_tables`).
   */
  async tableWrites(): Promise<Map<string, { ins: number; upd: number; del: number }>> {
    const result = await this.#run(
      `select relname, n_tup_ins, n_tup_upd, n_tup_del from pg_stat_user_tables where schemaname = '${this.name}'`,
    );
    return new Map(
      (result.rows as { relname: string; n_tup_ins: string; n_tup_upd: string; n_tup_del: string }[]).map(
        (r) => [r.relname, { ins: Number(r.n_tup_ins), upd: Number(r.n_tup_upd), del: Number(r.n_tup_del) }],
      ),
    );
  }
}
