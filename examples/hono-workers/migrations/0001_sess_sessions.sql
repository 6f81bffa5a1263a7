-- The session table of @sess/core (migrations sess_0001 to sess_0004), for D1.
-- Generated with `pnpm sess migrate --print-sql --url <new sqlite file>` at the repository root; applied with
-- `wrangler d1 migrations apply DB --local` (or `--remote`). A later sess release that adds a migration prints only
-- the new statements for a database at this version: put them in 0002_….sql.

-- sess_0001_create_sess_sessions
create table if not exists "sess_sessions" (
  "id" varchar(26) primary key,
  "token_hash" varchar(64) not null,
  "user_id" varchar(255) not null,
  "ip_address" varchar(64) not null,
  "user_agent" text not null,
  "device_name" varchar(255) not null,
  "device_type" varchar(16) not null,
  "fingerprint" varchar(64) not null,
  "data" text not null,
  "version" integer default 0 not null,
  "created_at" bigint not null,
  "last_active_at" bigint not null,
  "expires_at" bigint not null
);
create unique index "sess_sessions_token_hash_uq" on "sess_sessions" ("token_hash");
create index "sess_sessions_user_idx" on "sess_sessions" ("user_id", "last_active_at");
create index "sess_sessions_expires_idx" on "sess_sessions" ("expires_at");

-- sess_0002_previous_token_sess_sessions
alter table "sess_sessions" add column "prev_token_hash" varchar(64);
alter table "sess_sessions" add column "prev_token_valid_until" bigint;
create index "sess_sessions_prev_token_idx" on "sess_sessions" ("prev_token_hash");

-- sess_0003_exact_user_id_sess_sessions
-- (nothing to run on SQLite)

-- sess_0004_remember_and_sign_in_time_sess_sessions
alter table "sess_sessions" add column "remembered" integer default 1 not null;
alter table "sess_sessions" add column "authenticated_at" bigint;
