/* store_jobs.c — one-off jobs and the occurrences of named schedules. */
#include "store/store_int.h"
#include "core/err.h"

int64_t qun_store_job_add(struct qun_store *st, int64_t run, const char *key, const char *handler,
                          const char *args, int64_t due, int64_t now, int *created) {
  *created = 0;
  sqlite3_stmt *s = qun_store__stmt(st, Q_JOB_FIND_KEY);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  qun_store__bind_text(s, 2, key);
  int rc = sqlite3_step(s);
  int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  if (rc == SQLITE_ROW)
    return id;
  if (rc != SQLITE_DONE)
    return qun_store__fail(st, "find the job");
  if (!(s = qun_store__stmt(st, Q_JOB_INSERT)))
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  qun_store__bind_text(s, 2, key);
  qun_store__bind_text(s, 3, handler);
  qun_store__bind_text(s, 4, args);
  sqlite3_bind_int64(s, 5, due);
  sqlite3_bind_int64(s, 6, now);
  if ((rc = qun_store__exec(st, s, "add the job")) < 0)
    return rc;
  *created = 1;
  return sqlite3_last_insert_rowid(st->db);
}

int qun_store_job_set_state(struct qun_store *st, int64_t run, int64_t id, int state, int64_t now) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_JOB_SET_STATE);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  sqlite3_bind_int64(s, 2, id);
  sqlite3_bind_int(s, 3, state);
  sqlite3_bind_int64(s, 4, now);
  int rc = qun_store__exec(st, s, "update the job");
  return rc < 0 ? rc : sqlite3_changes(st->db) > 0;
}

static int each_job(struct qun_store *st, sqlite3_stmt *s, const char *what,
                    int (*cb)(void *ud, const struct qun_store_job *j), void *ud) {
  int rc, out = 0, n = 0;
  while (!out && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    struct qun_store_job j = {
        .id = sqlite3_column_int64(s, 0), .run_id = sqlite3_column_int64(s, 1),
        .key = qun_store__col_text(s, 2), .handler = qun_store__col_text(s, 3),
        .args = qun_store__col_text(s, 4), .due = sqlite3_column_int64(s, 5),
        .state = sqlite3_column_int(s, 6)};
    out = cb(ud, &j);
    n++;
  }
  if (!out && rc != SQLITE_DONE)
    out = qun_store__fail(st, what);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out ? out : n;
}

int qun_store_job_get(struct qun_store *st, int64_t id,
                      int (*cb)(void *ud, const struct qun_store_job *j), void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_JOB_GET);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, id);
  int n = each_job(st, s, "read the job", cb, ud);
  return n == 0 ? QUN_ENOENT : n < 0 ? n : 0;
}

int qun_store_jobs_next(struct qun_store *st, int64_t run, int limit,
                        int (*cb)(void *ud, const struct qun_store_job *j), void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_JOBS_PENDING);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  sqlite3_bind_int(s, 2, limit);
  return each_job(st, s, "read the pending jobs", cb, ud);
}

int qun_store_jobs_pending(struct qun_store *st, int64_t run,
                           int (*cb)(void *ud, const struct qun_store_job *j), void *ud) {
  return qun_store_jobs_next(st, run, -1, cb, ud);
}

int64_t qun_store_jobs_count(struct qun_store *st, int64_t run, int state) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_JOBS_COUNT);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  sqlite3_bind_int(s, 2, state);
  return qun_store__scalar(st, s, "count jobs");
}

int qun_store_fired_add(struct qun_store *st, int64_t run, const char *name, int64_t due, int64_t now) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_FIRED_ADD);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  qun_store__bind_text(s, 2, name);
  sqlite3_bind_int64(s, 3, due);
  sqlite3_bind_int64(s, 4, now);
  return qun_store__exec(st, s, "record the occurrence");
}

int qun_store_fired_last(struct qun_store *st, int64_t run, const char *name, int64_t *due) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_FIRED_LAST);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  qun_store__bind_text(s, 2, name);
  int rc = sqlite3_step(s), out = QUN_ENOENT;
  if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
    *due = sqlite3_column_int64(s, 0);
    out = 0;
  } else if (rc != SQLITE_ROW) {
    out = qun_store__fail(st, "read the occurrences");
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out;
}

int qun_store_schedule_set(struct qun_store *st, int64_t run, const char *name, int64_t next_due) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_SCHEDULE_SET);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  qun_store__bind_text(s, 2, name);
  sqlite3_bind_int64(s, 3, next_due);
  return qun_store__exec(st, s, "record the next occurrence");
}

int qun_store_schedules(struct qun_store *st, int64_t run,
                        int (*cb)(void *ud, const struct qun_store_schedule *sc), void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_SCHEDULES);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  int rc, out = 0;
  while (!out && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    struct qun_store_schedule sc = {qun_store__col_text(s, 0), sqlite3_column_int64(s, 1)};
    out = cb(ud, &sc);
  }
  if (!out && rc != SQLITE_DONE)
    out = qun_store__fail(st, "read the schedules");
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out;
}

int qun_store_schedule_get(struct qun_store *st, int64_t run, const char *name, int64_t *next_due) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_SCHEDULE_GET);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  qun_store__bind_text(s, 2, name);
  int rc = sqlite3_step(s), ret = QUN_ENOENT;
  if (rc == SQLITE_ROW) {
    *next_due = sqlite3_column_int64(s, 0);
    ret = 0;
  } else if (rc != SQLITE_DONE) {
    ret = qun_store__fail(st, "read the schedule");
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return ret;
}
