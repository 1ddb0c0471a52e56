/* store.c — opening, migrating, transactions and the statement cache. */
#include "store/store_int.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Migration k takes the schema from version k to k + 1. Append only:
 * a shipped migration never changes. */
static const char *const migrations[] = {
    /* 0 → 1: runs, jobs, schedule occurrences, events, the run log and
     * the transcript. */
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY, playbook TEXT NOT NULL UNIQUE, version TEXT, sha256 TEXT,"
    "  path TEXT, params TEXT, mode TEXT, tz TEXT, created_at INTEGER, started_at INTEGER);"
    "CREATE TABLE run_starts ("
    "  run_id INTEGER NOT NULL REFERENCES runs(id), version TEXT, sha256 TEXT, params TEXT,"
    "  started_at INTEGER);"
    "CREATE TABLE jobs ("
    "  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id), key TEXT NOT NULL,"
    "  handler TEXT NOT NULL, args TEXT, due INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER, done_at INTEGER, UNIQUE (run_id, key));"
    "CREATE INDEX jobs_pending ON jobs (run_id, state, due);"
    "CREATE TABLE fired ("
    "  run_id INTEGER NOT NULL, name TEXT NOT NULL, due INTEGER NOT NULL, fired_at INTEGER,"
    "  PRIMARY KEY (run_id, name, due)) WITHOUT ROWID;"
    "CREATE TABLE schedules ("
    "  run_id INTEGER NOT NULL, name TEXT NOT NULL, next_due INTEGER,"
    "  PRIMARY KEY (run_id, name)) WITHOUT ROWID;"
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY, type TEXT NOT NULL, member TEXT, grp TEXT, at INTEGER,"
    "  data TEXT, received_at INTEGER);"
    "CREATE INDEX events_member ON events (member, type, at);"
    "CREATE TABLE cursors (run_id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL);"
    "CREATE TABLE runlog ("
    "  id INTEGER PRIMARY KEY, run_id INTEGER, t INTEGER, job TEXT, level TEXT, message TEXT);"
    "CREATE INDEX runlog_run ON runlog (run_id, level, id);"
    "CREATE TABLE transcript (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, line TEXT NOT NULL);"
    "CREATE INDEX transcript_run ON transcript (run_id, id);",
    /* 1 → 2: members, groups and memberships, tags (shared by every
     * playbook), tiers (per run), and an external key for events so that
     * a re-import updates instead of duplicating. */
    "CREATE TABLE members ("
    "  id TEXT PRIMARY KEY, name TEXT, joined_at INTEGER, attrs TEXT NOT NULL DEFAULT '{}',"
    "  updated_at INTEGER) WITHOUT ROWID;"
    "CREATE TABLE groups (id TEXT PRIMARY KEY, name TEXT) WITHOUT ROWID;"
    "CREATE TABLE memberships ("
    "  member TEXT NOT NULL, grp TEXT NOT NULL, joined_at INTEGER,"
    "  PRIMARY KEY (member, grp)) WITHOUT ROWID;"
    "CREATE INDEX memberships_grp ON memberships (grp, member);"
    "CREATE TABLE tags ("
    "  member TEXT NOT NULL, tag TEXT NOT NULL, at INTEGER, PRIMARY KEY (member, tag)) WITHOUT ROWID;"
    "CREATE INDEX tags_tag ON tags (tag, member);"
    "CREATE TABLE tiers ("
    "  run_id INTEGER NOT NULL, member TEXT NOT NULL, tier TEXT NOT NULL, at INTEGER,"
    "  PRIMARY KEY (run_id, member)) WITHOUT ROWID;"
    "ALTER TABLE events ADD COLUMN ext_id TEXT;"
    "CREATE UNIQUE INDEX events_ext ON events (ext_id);",
    /* 2 → 3: the outbox. A message is a row before it is anything else:
     * written in the handler's transaction, sent after the commit. */
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, key TEXT NOT NULL UNIQUE,"
    "  channel TEXT NOT NULL, target TEXT NOT NULL, member TEXT, msg TEXT NOT NULL, job TEXT,"
    "  due INTEGER NOT NULL, day INTEGER, state INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0, next_try INTEGER NOT NULL, reason TEXT,"
    "  created_at INTEGER, sent_at INTEGER);"
    "CREATE INDEX outbox_queue ON outbox (state, next_try);"
    "CREATE INDEX outbox_member_day ON outbox (member, day);",
    /* 3 → 4: the delivery worker reads waiting messages by id (a partial
     * index holds only those), counts by state, and lists the dead. */
    "DROP INDEX outbox_queue;"
    "CREATE INDEX outbox_waiting ON outbox (run_id, id) WHERE state IN (0, 3);"
    "CREATE INDEX outbox_state ON outbox (run_id, state);"
    "CREATE INDEX outbox_dead ON outbox (run_id, sent_at) WHERE state = 4;",
    /* 4 → 5: red packets. A packet row keeps the running totals that a
     * claim checks and moves in the same statement; claims have one row
     * per (packet, member) and a sequence per packet; the ledger is
     * append-only (create, claim, refund), so that for every packet
     * claims + refund == total is one query (the rp_balance view). Amounts
     * are integer fen; the CHECKs hold the arithmetic's invariants. */
    "CREATE TABLE packets ("
    "  id TEXT PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id), key TEXT NOT NULL,"
    "  total INTEGER NOT NULL, count INTEGER NOT NULL, split TEXT NOT NULL, grp TEXT, note TEXT,"
    "  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
    "  claimed_fen INTEGER NOT NULL DEFAULT 0, claimed_count INTEGER NOT NULL DEFAULT 0,"
    "  refund INTEGER, UNIQUE (run_id, key),"
    "  CHECK (count >= 1 AND total >= count),"
    "  CHECK (claimed_count BETWEEN 0 AND count),"
    "  CHECK (claimed_fen >= claimed_count AND claimed_fen <= total - (count - claimed_count)),"
    "  CHECK (refund IS NULL OR refund = total - claimed_fen)) WITHOUT ROWID;"
    "CREATE TABLE claims ("
    "  packet TEXT NOT NULL REFERENCES packets(id), member TEXT NOT NULL, seq INTEGER NOT NULL,"
    "  fen INTEGER NOT NULL CHECK (fen >= 1), billno TEXT NOT NULL UNIQUE, at INTEGER NOT NULL,"
    "  PRIMARY KEY (packet, member), UNIQUE (packet, seq)) WITHOUT ROWID;"
    "CREATE TABLE rp_ledger ("
    "  id INTEGER PRIMARY KEY, packet TEXT NOT NULL REFERENCES packets(id),"
    "  op TEXT NOT NULL CHECK (op IN ('create', 'claim', 'refund')), member TEXT,"
    "  fen INTEGER NOT NULL CHECK (fen >= 0), at INTEGER NOT NULL);"
    "CREATE INDEX rp_ledger_packet ON rp_ledger (packet);"
    "CREATE UNIQUE INDEX rp_ledger_once ON rp_ledger (packet, op) WHERE op IN ('create', 'refund');"
    "CREATE UNIQUE INDEX rp_ledger_claim ON rp_ledger (packet, member) WHERE op = 'claim';"
    "CREATE TRIGGER rp_ledger_no_update BEFORE UPDATE ON rp_ledger "
    "  BEGIN SELECT RAISE(ABORT, 'the red-packet ledger is append-only'); END;"
    "CREATE TRIGGER rp_ledger_no_delete BEFORE DELETE ON rp_ledger "
    "  BEGIN SELECT RAISE(ABORT, 'the red-packet ledger is append-only'); END;"
    "CREATE VIEW rp_balance AS SELECT packet,"
    "  sum(CASE WHEN op = 'create' THEN fen ELSE 0 END) AS total,"
    "  sum(CASE WHEN op = 'claim' THEN fen ELSE 0 END) AS claimed,"
    "  sum(op = 'claim') AS claims,"
    "  max(CASE WHEN op = 'refund' THEN fen END) AS refund"
    "  FROM rp_ledger GROUP BY packet;",
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

#define PACKET_COLS                                                                                \
  "id, run_id, total, count, split, grp, note, created_at, expires_at, claimed_fen, claimed_count, refund"

static const char *const sql[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SAVEPOINT] = "SAVEPOINT unit",
    [Q_RELEASE] = "RELEASE unit",
    [Q_ROLLBACK_TO] = "ROLLBACK TO unit",
    [Q_RUN_FIND] = "SELECT id, created_at FROM runs WHERE playbook = ?1",
    [Q_RUN_INSERT] = "INSERT INTO runs (playbook, version, sha256, path, params, mode, tz, created_at, "
                     "started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    [Q_RUN_UPDATE] = "UPDATE runs SET version = ?2, sha256 = ?3, path = ?4, params = ?5, mode = ?6, "
                     "tz = ?7, started_at = ?8 WHERE id = ?1",
    [Q_RUN_START] = "INSERT INTO run_starts (run_id, version, sha256, params, started_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_RUNS] = "SELECT id, playbook, version, sha256, path, params, mode, tz, created_at, started_at "
               "FROM runs ORDER BY playbook",
    [Q_JOB_FIND_KEY] = "SELECT id FROM jobs WHERE run_id = ?1 AND key = ?2",
    [Q_JOB_INSERT] = "INSERT INTO jobs (run_id, key, handler, args, due, created_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_JOB_SET_STATE] = "UPDATE jobs SET state = ?3, done_at = ?4 WHERE id = ?2 AND run_id = ?1 "
                        "AND state = 0",
    [Q_JOB_GET] = "SELECT id, run_id, key, handler, args, due, state FROM jobs WHERE id = ?1",
    [Q_JOBS_PENDING] = "SELECT id, run_id, key, handler, args, due, state FROM jobs "
                       "WHERE run_id = ?1 AND state = 0 ORDER BY due, id LIMIT ?2",
    [Q_JOBS_COUNT] = "SELECT count(*) FROM jobs WHERE run_id = ?1 AND state = ?2",
    [Q_FIRED_ADD] = "INSERT INTO fired (run_id, name, due, fired_at) VALUES (?1, ?2, ?3, ?4)",
    [Q_FIRED_LAST] = "SELECT max(due) FROM fired WHERE run_id = ?1 AND name = ?2",
    [Q_SCHEDULE_SET] = "INSERT INTO schedules (run_id, name, next_due) VALUES (?1, ?2, ?3) "
                       "ON CONFLICT (run_id, name) DO UPDATE SET next_due = excluded.next_due",
    [Q_SCHEDULES] = "SELECT name, next_due FROM schedules WHERE run_id = ?1 ORDER BY next_due, name",
    [Q_MEMBER_UPSERT] = "INSERT INTO members (id, name, joined_at, attrs, updated_at) "
                        "VALUES (?1, ?2, ?3, coalesce(?4, '{}'), ?5) ON CONFLICT (id) DO UPDATE SET "
                        "name = coalesce(excluded.name, name), joined_at = coalesce(excluded.joined_at, "
                        "joined_at), attrs = json_patch(attrs, excluded.attrs), updated_at = excluded.updated_at",
    [Q_MEMBER_EXISTS] = "SELECT 1 FROM members WHERE id = ?1",
    [Q_MEMBERSHIP_ADD] = "INSERT INTO memberships (member, grp, joined_at) VALUES (?1, ?2, ?3) "
                         "ON CONFLICT DO NOTHING",
    [Q_MEMBERSHIP_DEL] = "DELETE FROM memberships WHERE member = ?1 AND grp = ?2",
    [Q_GROUP_ADD] = "INSERT INTO groups (id) VALUES (?1) ON CONFLICT DO NOTHING",
    [Q_MEMBERS_COUNT] = "SELECT count(*) FROM members",
    /* Filters are JSON arrays of names (any of them), or NULL. A group
     * filter walks the group's memberships, a tag filter the tag's rows
     * (their indexes), rather than every member. */
    [Q_MEMBERS_COUNT_GRP] =
        "SELECT count(DISTINCT g.member) FROM memberships g WHERE g.grp IN (SELECT value FROM json_each(?1)) "
        "AND (?2 IS NULL OR EXISTS (SELECT 1 FROM tags t WHERE t.member = g.member AND t.tag IN "
        "(SELECT value FROM json_each(?2)))) "
        "AND (?4 IS NULL OR EXISTS (SELECT 1 FROM tiers r WHERE r.run_id = ?3 AND r.member = g.member "
        "AND r.tier IN (SELECT value FROM json_each(?4))))",
    [Q_MEMBERS_COUNT_TAG] =
        "SELECT count(DISTINCT t.member) FROM tags t WHERE ?1 IS NULL AND t.tag IN (SELECT value FROM json_each(?2)) "
        "AND (?4 IS NULL OR EXISTS (SELECT 1 FROM tiers r WHERE r.run_id = ?3 AND r.member = t.member "
        "AND r.tier IN (SELECT value FROM json_each(?4))))",
    [Q_MEMBERS_COUNT_WHERE] =
        "SELECT count(*) FROM members m WHERE ?1 IS NULL AND ?2 IS NULL "
        "AND (?4 IS NULL OR EXISTS (SELECT 1 FROM tiers r WHERE r.run_id = ?3 AND r.member = m.id "
        "AND r.tier IN (SELECT value FROM json_each(?4))))",
    [Q_MEMBER_GET] = "SELECT id, name, attrs, joined_at FROM members WHERE id = ?1",
    [Q_MEMBERS_PAGE] =
        "SELECT m.id FROM members m WHERE m.id > ?1 AND ?3 IS NULL AND ?4 IS NULL "
        "AND (?6 IS NULL OR EXISTS (SELECT 1 FROM tiers r WHERE r.run_id = ?5 AND r.member = m.id "
        "AND r.tier IN (SELECT value FROM json_each(?6)))) ORDER BY m.id LIMIT ?2",
    [Q_MEMBERS_PAGE_GRP] =
        "SELECT DISTINCT g.member FROM memberships g WHERE g.grp IN (SELECT value FROM json_each(?3)) "
        "AND g.member > ?1 "
        "AND (?4 IS NULL OR EXISTS (SELECT 1 FROM tags t WHERE t.member = g.member AND t.tag IN "
        "(SELECT value FROM json_each(?4)))) "
        "AND (?6 IS NULL OR EXISTS (SELECT 1 FROM tiers r WHERE r.run_id = ?5 AND r.member = g.member "
        "AND r.tier IN (SELECT value FROM json_each(?6)))) ORDER BY g.member LIMIT ?2",
    [Q_MEMBERS_PAGE_TAG] =
        "SELECT DISTINCT t.member FROM tags t WHERE t.tag IN (SELECT value FROM json_each(?4)) "
        "AND t.member > ?1 AND ?3 IS NULL "
        "AND (?6 IS NULL OR EXISTS (SELECT 1 FROM tiers r WHERE r.run_id = ?5 AND r.member = t.member "
        "AND r.tier IN (SELECT value FROM json_each(?6)))) ORDER BY t.member LIMIT ?2",
    [Q_MEMBER_GROUPS] = "SELECT grp FROM memberships WHERE member = ?1 ORDER BY grp",
    [Q_TAG_ADD] = "INSERT INTO tags (member, tag, at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [Q_TAG_REMOVE] = "DELETE FROM tags WHERE member = ?1 AND tag = ?2",
    [Q_TAG_HAS] = "SELECT 1 FROM tags WHERE member = ?1 AND tag = ?2",
    [Q_TAGS] = "SELECT tag FROM tags WHERE member = ?1 ORDER BY at, tag",
    [Q_TIER_GET] = "SELECT tier FROM tiers WHERE run_id = ?1 AND member = ?2",
    [Q_TIER_SET] = "INSERT INTO tiers (run_id, member, tier, at) VALUES (?1, ?2, ?3, ?4) "
                   "ON CONFLICT (run_id, member) DO UPDATE SET tier = excluded.tier, at = excluded.at",
    [Q_TIER_CLEAR] = "DELETE FROM tiers WHERE run_id = ?1 AND member = ?2",
    [Q_EVENT_COUNT] = "SELECT count(*) FROM events WHERE member = ?1 AND type = ?2 AND at >= ?3",
    [Q_EVENT_LAST_AT] = "SELECT max(at) FROM events WHERE member = ?1 AND type = ?2",
    [Q_OUTBOX_ADD] = "INSERT INTO outbox (run_id, key, channel, target, member, msg, job, due, day, "
                     "state, next_try, reason, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                     "?10, ?11, ?12, ?13) ON CONFLICT (key) DO NOTHING",
    [Q_OUTBOX_WAITING] = "SELECT id, next_try FROM outbox WHERE run_id = ?1 AND state IN (0, 3) "
                         "AND id > ?2 ORDER BY id LIMIT ?3",
    [Q_OUTBOX_GET] = "SELECT id, run_id, key, channel, target, member, msg, job, due, day, state, "
                     "attempts, next_try, reason FROM outbox WHERE id = ?1",
    [Q_OUTBOX_SET] = "UPDATE outbox SET state = ?2, sent_at = ?3, reason = ?4, "
                     "attempts = attempts + ?5 WHERE id = ?1",
    [Q_OUTBOX_WAIT] = "UPDATE outbox SET state = ?2, next_try = ?3, reason = ?4, "
                      "attempts = attempts + ?5 WHERE id = ?1",
    [Q_OUTBOX_COUNT] = "SELECT count(*) FROM outbox WHERE run_id = ?1 AND state = ?2",
    [Q_OUTBOX_RETRYING] = "SELECT count(*) FROM outbox WHERE run_id = ?1 AND state IN (0, 3) "
                          "AND attempts > 0",
    [Q_OUTBOX_DEAD] = "SELECT id, target, channel, reason, sent_at, attempts FROM outbox "
                      "WHERE run_id = ?1 AND state = 4 ORDER BY sent_at DESC, id DESC LIMIT ?2",
    /* Messages to the member that day; a payout is money owed to them,
     * not a message, so it never uses up caps.member_per_day. */
    [Q_OUTBOX_MEMBER_DAY] = "SELECT count(*) FROM outbox WHERE member = ?1 AND day = ?2 "
                            "AND state IN (0, 1, 3) AND target NOT LIKE 'payout:%'",
    [Q_EVENT_UPSERT] = "INSERT INTO events (type, member, grp, at, data, received_at, ext_id) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (ext_id) DO UPDATE SET "
                       "type = excluded.type, member = excluded.member, grp = excluded.grp, "
                       "at = excluded.at, data = excluded.data",
    [Q_EVENT_ADD] = "INSERT INTO events (type, member, grp, at, data, received_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_EVENTS_AFTER] = "SELECT id, type, member, grp, at, data FROM events WHERE id > ?1 "
                       "ORDER BY id LIMIT ?2",
    [Q_EVENTS_LAST] = "SELECT coalesce(max(id), 0) FROM events",
    [Q_CURSOR_GET] = "SELECT event_id FROM cursors WHERE run_id = ?1",
    [Q_CURSOR_SET] = "INSERT INTO cursors (run_id, event_id) VALUES (?1, ?2) "
                     "ON CONFLICT (run_id) DO UPDATE SET event_id = excluded.event_id",
    [Q_LOG_ADD] = "INSERT INTO runlog (run_id, t, job, level, message) VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_LOG_LAST] = "SELECT t, job, level, message FROM (SELECT * FROM runlog WHERE run_id = ?1 "
                   "AND (?2 IS NULL OR level = ?2) ORDER BY id DESC LIMIT ?3) ORDER BY id",
    [Q_TRANSCRIPT_ADD] = "INSERT INTO transcript (run_id, line) VALUES (?1, ?2)",
    [Q_TRANSCRIPT_SINCE] = "SELECT id, line FROM transcript WHERE run_id = ?1 ORDER BY id "
                           "LIMIT -1 OFFSET ?2",
    [Q_TRANSCRIPT_AFTER] = "SELECT id, line FROM transcript WHERE run_id = ?1 AND id > ?2 ORDER BY id",
    [Q_SCHEDULE_GET] = "SELECT next_due FROM schedules WHERE run_id = ?1 AND name = ?2",
    [Q_PACKET_ADD] = "INSERT INTO packets (id, run_id, key, total, count, split, grp, note, created_at, "
                     "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [Q_PACKET_FIND] = "SELECT " PACKET_COLS " FROM packets WHERE run_id = ?1 AND key = ?2",
    [Q_PACKET_GET] = "SELECT " PACKET_COLS " FROM packets WHERE id = ?1",
    [Q_PACKET_TAKE] = "UPDATE packets SET claimed_fen = claimed_fen + ?3, claimed_count = claimed_count + 1 "
                      "WHERE id = ?1 AND claimed_count = ?2 AND refund IS NULL",
    [Q_PACKET_REFUND] = "UPDATE packets SET refund = total - claimed_fen WHERE id = ?1 AND refund IS NULL "
                        "RETURNING refund",
    [Q_CLAIM_GET] = "SELECT seq, fen, billno FROM claims WHERE packet = ?1 AND member = ?2",
    [Q_CLAIM_ADD] = "INSERT INTO claims (packet, member, seq, fen, billno, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_LEDGER_ADD] = "INSERT INTO rp_ledger (packet, op, member, fen, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_RP_UNBALANCED] =
        "SELECT count(*) FROM packets p LEFT JOIN rp_balance b ON b.packet = p.id "
        "WHERE b.packet IS NULL OR b.total != p.total OR b.claimed != p.claimed_fen "
        "OR b.claims != p.claimed_count OR b.claimed > b.total "
        "OR b.claimed != (SELECT coalesce(sum(fen), 0) FROM claims c WHERE c.packet = p.id) "
        "OR (b.refund IS NULL) != (p.refund IS NULL) "
        "OR (b.refund IS NOT NULL AND b.claimed + b.refund != b.total)",
};

const char *qun_store_errmsg(const struct qun_store *st) {
  return st->errmsg;
}

int qun_store__fail(struct qun_store *st, const char *what) {
  snprintf(st->errmsg, sizeof st->errmsg, "%s: %s", what, sqlite3_errmsg(st->db));
  return QUN_EIO;
}

void qun_store__gate(struct qun_store *st) {
  if (!__atomic_load_n(&st->handed, __ATOMIC_ACQUIRE))
    return;
  pthread_mutex_lock(&st->mu);
  while (st->handed)
    pthread_cond_wait(&st->done, &st->mu);
  pthread_mutex_unlock(&st->mu);
}

int qun_store_wait(struct qun_store *st) {
  qun_store__gate(st);
  return st->handed_rc;
}

sqlite3_stmt *qun_store__stmt(struct qun_store *st, enum qun_stmt q) {
  qun_store__gate(st);
  sqlite3_stmt *s = st->stmts[q];
  if (!s) {
    if (sqlite3_prepare_v3(st->db, sql[q], -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
      qun_store__fail(st, "prepare");
      return NULL;
    }
    st->stmts[q] = s;
  }
  return s;
}

int qun_store__exec(struct qun_store *st, sqlite3_stmt *s, const char *what) {
  int rc = sqlite3_step(s);
  int out = 0;
  if (rc == SQLITE_CONSTRAINT) {
    snprintf(st->errmsg, sizeof st->errmsg, "%s: already exists", what);
    out = QUN_EEXIST;
  } else if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    out = qun_store__fail(st, what);
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out;
}

void qun_store__bind_text(sqlite3_stmt *s, int i, const char *v) {
  if (v)
    sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(s, i);
}

int64_t qun_store__scalar(struct qun_store *st, sqlite3_stmt *s, const char *what) {
  int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : qun_store__fail(st, what);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return n;
}

const char *qun_store__col_text(sqlite3_stmt *s, int i) {
  return (const char *)sqlite3_column_text(s, i);
}

static int exec_sql(struct qun_store *st, const char *text, const char *what) {
  char *msg = NULL;
  if (sqlite3_exec(st->db, text, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(st->errmsg, sizeof st->errmsg, "%s: %s", what, msg ? msg : "failed");
    sqlite3_free(msg);
    return QUN_EIO;
  }
  return 0;
}

static int user_version(struct qun_store *st, int *v) {
  sqlite3_stmt *s;
  if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
    return qun_store__fail(st, "read the schema version");
  int rc = sqlite3_step(s);
  *v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
  sqlite3_finalize(s);
  return rc == SQLITE_ROW ? 0 : qun_store__fail(st, "read the schema version");
}

static int migrate(struct qun_store *st, const char *path) {
  int v;
  if (user_version(st, &v) < 0)
    return QUN_EIO;
  if (v > NMIGRATIONS) {
    snprintf(st->errmsg, sizeof st->errmsg,
             "%s: schema version %d is newer than this qun (knows %d): upgrade qun", path, v,
             NMIGRATIONS);
    return QUN_EVERSION;
  }
  for (; v < NMIGRATIONS; v++) {
    char bump[64];
    snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
    if (exec_sql(st, "BEGIN IMMEDIATE", "migrate") < 0)
      return QUN_EIO;
    if (exec_sql(st, migrations[v], "migrate") < 0 || exec_sql(st, bump, "migrate") < 0) {
      exec_sql(st, "ROLLBACK", "migrate");
      return QUN_EIO;
    }
    if (exec_sql(st, "COMMIT", "migrate") < 0)
      return QUN_EIO;
  }
  return 0;
}

static int open_with(const char *path, const char *name, int flags, const char *pragmas,
                     struct qun_store **out, char *err, size_t errlen) {
  *out = NULL;
  struct qun_store *st = calloc(1, sizeof *st);
  if (!st) {
    snprintf(err, errlen, "%s: out of memory", name);
    return QUN_ENOMEM;
  }
  pthread_mutex_init(&st->mu, NULL);
  pthread_cond_init(&st->done, NULL);
  int rc = QUN_EIO;
  if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | flags, NULL) != SQLITE_OK) {
    snprintf(st->errmsg, sizeof st->errmsg, "%s: cannot open the database: %s", name,
             st->db ? sqlite3_errmsg(st->db) : "out of memory");
    goto fail;
  }
  sqlite3_busy_timeout(st->db, 5000);
  if (exec_sql(st, pragmas, name) < 0)
    goto fail;
  if ((rc = migrate(st, name)) < 0)
    goto fail;
  *out = st;
  return 0;
fail:
  snprintf(err, errlen, "%s", st->errmsg);
  qun_store_close(st);
  return rc;
}

int qun_store_open(const char *path, struct qun_store **out, char *err, size_t errlen) {
  /* WAL: readers (qun status, qun event) never block the daemon. FULL
   * sync: a commit is on disk before the handler's messages may leave. */
  return open_with(path, path, 0,
                   "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", out, err,
                   errlen);
}

int qun_store_open_private(struct qun_store **out, char *err, size_t errlen) {
  /* SQLite's memdb VFS, private to this connection (no leading slash), with
   * the rollback journal in memory: transactions and rollbacks as on disk,
   * nothing written anywhere. Not ":memory:": its pager truncates its whole
   * page cache at every commit, which made a 100 000-member dry-run spend
   * a fifth of its time walking the cache's hash table. */
  return open_with("file:qun-private?vfs=memdb", "the private store", SQLITE_OPEN_URI,
                   "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;", out,
                   err, errlen);
}

void qun_store_close(struct qun_store *st) {
  if (!st)
    return;
  qun_store__gate(st);
  for (int i = 0; i < Q_COUNT; i++)
    sqlite3_finalize(st->stmts[i]);
  if (st->in_tx)
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close(st->db);
  pthread_cond_destroy(&st->done);
  pthread_mutex_destroy(&st->mu);
  free(st);
}

static int tx(struct qun_store *st, enum qun_stmt q, const char *what) {
  sqlite3_stmt *s = qun_store__stmt(st, q);
  return s ? qun_store__exec(st, s, what) : QUN_EIO;
}

int qun_store_begin(struct qun_store *st) {
  qun_store__gate(st);
  if (st->in_tx) {
    snprintf(st->errmsg, sizeof st->errmsg, "begin: a transaction is open already");
    return QUN_ESTATE;
  }
  int rc = tx(st, Q_BEGIN, "begin");
  st->in_tx = rc == 0;
  return rc;
}

int qun_store_commit(struct qun_store *st) {
  qun_store__gate(st);
  if (!st->in_tx)
    return QUN_ESTATE;
  int rc = tx(st, Q_COMMIT, "commit");
  if (rc == 0)
    st->in_tx = 0;
  return rc;
}

int qun_store_rollback(struct qun_store *st) {
  qun_store__gate(st);
  if (!st->in_tx)
    return QUN_ESTATE;
  st->in_tx = 0;
  return sqlite3_get_autocommit(st->db) ? 0 : tx(st, Q_ROLLBACK, "rollback");
}

int qun_store_savepoint(struct qun_store *st) {
  qun_store__gate(st);
  return st->in_tx ? tx(st, Q_SAVEPOINT, "savepoint") : QUN_ESTATE;
}

int qun_store_release(struct qun_store *st) {
  qun_store__gate(st);
  return st->in_tx ? tx(st, Q_RELEASE, "release") : QUN_ESTATE;
}

int qun_store_rollback_to(struct qun_store *st) {
  qun_store__gate(st);
  if (!st->in_tx)
    return QUN_ESTATE;
  int rc = tx(st, Q_ROLLBACK_TO, "rollback to");
  return rc < 0 ? rc : tx(st, Q_RELEASE, "release");
}

int qun_store_in_tx(struct qun_store *st) {
  qun_store__gate(st);
  return st->in_tx;
}

int qun_store_handoff(struct qun_store *st) {
  qun_store__gate(st);
  if (!st->in_tx) {
    snprintf(st->errmsg, sizeof st->errmsg, "commit: no transaction is open");
    return QUN_ESTATE;
  }
  /* Prepared here, on the owner's thread: the committer only steps them. */
  if (!qun_store__stmt(st, Q_COMMIT) || !qun_store__stmt(st, Q_ROLLBACK))
    return QUN_EIO;
  pthread_mutex_lock(&st->mu);
  __atomic_store_n(&st->handed, 1, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&st->mu);
  return 0;
}

/* On the committer's thread: no gate (it is the gate's reason). */
int qun_store_commit_handed(struct qun_store *st) {
  int rc = qun_store__exec(st, st->stmts[Q_COMMIT], "commit");
  if (rc < 0 && !sqlite3_get_autocommit(st->db))
    qun_store__exec(st, st->stmts[Q_ROLLBACK], "rollback"); /* on success errmsg stays the commit's */
  st->in_tx = 0;
  st->handed_rc = rc;
  pthread_mutex_lock(&st->mu);
  __atomic_store_n(&st->handed, 0, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&st->done);
  pthread_mutex_unlock(&st->mu);
  return rc;
}
