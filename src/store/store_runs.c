/* store_runs.c — runs, the run log and the transcript rows. */
#include "store/store_int.h"
#include "core/err.h"

static void bind_info(sqlite3_stmt *s, const struct qun_run_info *in) {
  qun_store__bind_text(s, 2, in->version);
  qun_store__bind_text(s, 3, in->sha256);
  qun_store__bind_text(s, 4, in->path);
  qun_store__bind_text(s, 5, in->params);
  qun_store__bind_text(s, 6, in->mode);
  qun_store__bind_text(s, 7, in->tz);
}

int qun_store_run_start(struct qun_store *st, const struct qun_run_info *info, int64_t now,
                        int64_t *run_id, int *resumed) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_RUN_FIND);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, info->playbook);
  int rc = sqlite3_step(s);
  *resumed = rc == SQLITE_ROW;
  *run_id = *resumed ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return qun_store__fail(st, "find the run");
  if (!(s = qun_store__stmt(st, *resumed ? Q_RUN_UPDATE : Q_RUN_INSERT)))
    return QUN_EIO;
  if (*resumed)
    sqlite3_bind_int64(s, 1, *run_id);
  else
    qun_store__bind_text(s, 1, info->playbook);
  bind_info(s, info);
  sqlite3_bind_int64(s, 8, now);
  if ((rc = qun_store__exec(st, s, "record the run")) < 0)
    return rc;
  if (!*resumed)
    *run_id = sqlite3_last_insert_rowid(st->db);
  if (!(s = qun_store__stmt(st, Q_RUN_START)))
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, *run_id);
  qun_store__bind_text(s, 2, info->version);
  qun_store__bind_text(s, 3, info->sha256);
  qun_store__bind_text(s, 4, info->params);
  sqlite3_bind_int64(s, 5, now);
  return qun_store__exec(st, s, "record the start");
}

int qun_store_run_created(struct qun_store *st, const char *playbook, int64_t *created_at) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_RUN_FIND);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, playbook);
  int rc = sqlite3_step(s), out = QUN_ENOENT;
  if (rc == SQLITE_ROW) {
    *created_at = sqlite3_column_int64(s, 1);
    out = 0;
  } else if (rc != SQLITE_DONE) {
    out = qun_store__fail(st, "find the run");
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out;
}

int qun_store_runs(struct qun_store *st, int (*cb)(void *ud, const struct qun_run_info *r), void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_RUNS);
  if (!s)
    return QUN_EIO;
  int rc, out = 0;
  while (!out && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    struct qun_run_info r = {
        .run_id = sqlite3_column_int64(s, 0), .playbook = qun_store__col_text(s, 1),
        .version = qun_store__col_text(s, 2), .sha256 = qun_store__col_text(s, 3),
        .path = qun_store__col_text(s, 4), .params = qun_store__col_text(s, 5),
        .mode = qun_store__col_text(s, 6), .tz = qun_store__col_text(s, 7),
        .created_at = sqlite3_column_int64(s, 8), .started_at = sqlite3_column_int64(s, 9)};
    out = cb(ud, &r);
  }
  if (!out && rc != SQLITE_DONE)
    out = qun_store__fail(st, "list the runs");
  sqlite3_reset(s);
  return out;
}

int qun_store_log_add(struct qun_store *st, int64_t run, int64_t t, const char *job,
                      const char *level, const char *msg) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_LOG_ADD);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  sqlite3_bind_int64(s, 2, t);
  qun_store__bind_text(s, 3, job);
  qun_store__bind_text(s, 4, level);
  qun_store__bind_text(s, 5, msg);
  return qun_store__exec(st, s, "write the run log");
}

int qun_store_log_last(struct qun_store *st, int64_t run, const char *level, int limit,
                       int (*cb)(void *ud, const struct qun_store_log *l), void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_LOG_LAST);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  qun_store__bind_text(s, 2, level);
  sqlite3_bind_int(s, 3, limit);
  int rc, out = 0;
  while (!out && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    struct qun_store_log l = {sqlite3_column_int64(s, 0), qun_store__col_text(s, 1),
                              qun_store__col_text(s, 2), qun_store__col_text(s, 3)};
    out = cb(ud, &l);
  }
  if (!out && rc != SQLITE_DONE)
    out = qun_store__fail(st, "read the run log");
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out;
}

int qun_store_transcript_add(struct qun_store *st, int64_t run, const char *line) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_TRANSCRIPT_ADD);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  qun_store__bind_text(s, 2, line);
  return qun_store__exec(st, s, "write the transcript");
}

int qun_store_transcript_since(struct qun_store *st, int64_t run, int64_t skip, int64_t after_id,
                               int (*cb)(void *ud, int64_t id, const char *line), void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, after_id >= 0 ? Q_TRANSCRIPT_AFTER : Q_TRANSCRIPT_SINCE);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  sqlite3_bind_int64(s, 2, after_id >= 0 ? after_id : skip);
  int rc, out = 0;
  while (!out && (rc = sqlite3_step(s)) == SQLITE_ROW)
    out = cb(ud, sqlite3_column_int64(s, 0), qun_store__col_text(s, 1));
  if (!out && rc != SQLITE_DONE)
    out = qun_store__fail(st, "read the transcript");
  sqlite3_reset(s);
  return out;
}
