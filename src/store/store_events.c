/* store_events.c — the append-only event stream and each run's cursor. */
#include "store/store_int.h"
#include "core/err.h"

int64_t qun_store_event_add(struct qun_store *st, const char *type, const char *member,
                            const char *grp, int64_t at, const char *data, int64_t now) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_EVENT_ADD);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, type);
  qun_store__bind_text(s, 2, member);
  qun_store__bind_text(s, 3, grp);
  sqlite3_bind_int64(s, 4, at);
  qun_store__bind_text(s, 5, data);
  sqlite3_bind_int64(s, 6, now);
  int rc = qun_store__exec(st, s, "store the event");
  if (rc < 0)
    return rc;
  int64_t id = sqlite3_last_insert_rowid(st->db);
  rc = qun_store__follow_membership(st, type, member, grp, at, now);
  return rc < 0 ? rc : id;
}

int qun_store_events_after(struct qun_store *st, int64_t after_id, int limit,
                           int (*cb)(void *ud, const struct qun_store_event *e), void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_EVENTS_AFTER);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, after_id);
  sqlite3_bind_int(s, 2, limit);
  int rc, out = 0;
  while (!out && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    struct qun_store_event e = {
        .id = sqlite3_column_int64(s, 0), .type = qun_store__col_text(s, 1),
        .member = qun_store__col_text(s, 2), .grp = qun_store__col_text(s, 3),
        .at = sqlite3_column_int64(s, 4), .data = qun_store__col_text(s, 5)};
    out = cb(ud, &e);
  }
  if (!out && rc != SQLITE_DONE)
    out = qun_store__fail(st, "read the events");
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out < 0 ? out : 0;
}

int qun_store_cursor_get(struct qun_store *st, int64_t run, int64_t *event_id) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_CURSOR_GET);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  int rc = sqlite3_step(s);
  *event_id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : qun_store__fail(st, "read the cursor");
}

int qun_store_cursor_set(struct qun_store *st, int64_t run, int64_t event_id) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_CURSOR_SET);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  sqlite3_bind_int64(s, 2, event_id);
  return qun_store__exec(st, s, "move the cursor");
}

int qun_store_events_last(struct qun_store *st, int64_t *id) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_EVENTS_LAST);
  if (!s)
    return QUN_EIO;
  int rc = sqlite3_step(s);
  *id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  return rc == SQLITE_ROW ? 0 : qun_store__fail(st, "read the events");
}
