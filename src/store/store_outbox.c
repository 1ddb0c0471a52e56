/* store_outbox.c — the outbox: messages written in a handler's
 * transaction and sent after its commit (deliver/worker). */
#include "store/store_int.h"
#include "core/err.h"

int qun_store_out_add(struct qun_store *st, const struct qun_out *m, int64_t now, int *created) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_OUTBOX_ADD);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, m->run_id);
  qun_store__bind_text(s, 2, m->key);
  qun_store__bind_text(s, 3, m->channel);
  qun_store__bind_text(s, 4, m->target);
  qun_store__bind_text(s, 5, m->member);
  qun_store__bind_text(s, 6, m->msg);
  qun_store__bind_text(s, 7, m->job);
  sqlite3_bind_int64(s, 8, m->due);
  sqlite3_bind_int(s, 9, m->day);
  sqlite3_bind_int(s, 10, m->state);
  sqlite3_bind_int64(s, 11, m->next_try);
  qun_store__bind_text(s, 12, m->reason);
  sqlite3_bind_int64(s, 13, now);
  int rc = qun_store__exec(st, s, "queue the message");
  *created = rc == 0 && sqlite3_changes(st->db) > 0;
  return rc;
}

int qun_store_out_waiting(struct qun_store *st, int64_t run, int64_t after, int limit,
                          int (*cb)(void *ud, int64_t id, int64_t next_try), void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_OUTBOX_WAITING);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  sqlite3_bind_int64(s, 2, after);
  sqlite3_bind_int(s, 3, limit);
  int rc, out = 0, n = 0;
  while (!out && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    out = cb(ud, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1));
    n++;
  }
  if (!out && rc != SQLITE_DONE)
    out = qun_store__fail(st, "read the outbox");
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out < 0 ? out : n;
}

int qun_store_out_get(struct qun_store *st, int64_t id, int (*cb)(void *ud, const struct qun_out *m),
                      void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_OUTBOX_GET);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, id);
  int rc = sqlite3_step(s), out;
  if (rc == SQLITE_ROW) {
    struct qun_out m = {
        .id = sqlite3_column_int64(s, 0), .run_id = sqlite3_column_int64(s, 1),
        .key = qun_store__col_text(s, 2), .channel = qun_store__col_text(s, 3),
        .target = qun_store__col_text(s, 4), .member = qun_store__col_text(s, 5),
        .msg = qun_store__col_text(s, 6), .job = qun_store__col_text(s, 7),
        .due = sqlite3_column_int64(s, 8), .day = sqlite3_column_int(s, 9),
        .state = sqlite3_column_int(s, 10), .attempts = sqlite3_column_int(s, 11),
        .next_try = sqlite3_column_int64(s, 12), .reason = qun_store__col_text(s, 13)};
    out = cb(ud, &m);
  } else {
    out = rc == SQLITE_DONE ? QUN_ENOENT : qun_store__fail(st, "read a message");
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out;
}

static int update(struct qun_store *st, enum qun_stmt q, int64_t id, int state, int64_t t,
                  const char *reason, int attempt) {
  sqlite3_stmt *s = qun_store__stmt(st, q);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, id);
  sqlite3_bind_int(s, 2, state);
  sqlite3_bind_int64(s, 3, t);
  qun_store__bind_text(s, 4, reason);
  sqlite3_bind_int(s, 5, attempt ? 1 : 0);
  return qun_store__exec(st, s, "update the message");
}

int qun_store_out_set(struct qun_store *st, int64_t id, int state, int64_t at, const char *reason,
                      int attempt) {
  return update(st, Q_OUTBOX_SET, id, state, at, reason, attempt);
}

int qun_store_out_wait(struct qun_store *st, int64_t id, int state, int64_t next_try, const char *reason,
                       int attempt) {
  return update(st, Q_OUTBOX_WAIT, id, state, next_try, reason, attempt);
}

int64_t qun_store_out_member_day(struct qun_store *st, const char *member, int32_t day) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_OUTBOX_MEMBER_DAY);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, member);
  sqlite3_bind_int(s, 2, day);
  return qun_store__scalar(st, s, "count messages");
}

int64_t qun_store_out_count(struct qun_store *st, int64_t run, int state) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_OUTBOX_COUNT);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  sqlite3_bind_int(s, 2, state);
  return qun_store__scalar(st, s, "count messages");
}

int64_t qun_store_out_retrying(struct qun_store *st, int64_t run) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_OUTBOX_RETRYING);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  return qun_store__scalar(st, s, "count messages");
}

int qun_store_out_dead(struct qun_store *st, int64_t run, int limit,
                       int (*cb)(void *ud, const struct qun_out *m, int64_t at), void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_OUTBOX_DEAD);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  sqlite3_bind_int(s, 2, limit);
  int rc, out = 0;
  while (!out && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    struct qun_out m = {.id = sqlite3_column_int64(s, 0), .run_id = run,
                        .target = qun_store__col_text(s, 1), .channel = qun_store__col_text(s, 2),
                        .reason = qun_store__col_text(s, 3), .attempts = sqlite3_column_int(s, 5),
                        .state = 4};
    out = cb(ud, &m, sqlite3_column_int64(s, 4));
  }
  if (!out && rc != SQLITE_DONE)
    out = qun_store__fail(st, "read the outbox");
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out < 0 ? out : 0;
}
