/* store_members.c — members, groups and memberships. */
#include "store/store_int.h"
#include "core/err.h"

int qun_store_member_upsert(struct qun_store *st, const char *id, const char *name, int64_t joined_at,
                            const char *attrs, int64_t now) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_MEMBER_UPSERT);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, id);
  qun_store__bind_text(s, 2, name);
  if (joined_at >= 0)
    sqlite3_bind_int64(s, 3, joined_at);
  else
    sqlite3_bind_null(s, 3);
  qun_store__bind_text(s, 4, attrs);
  sqlite3_bind_int64(s, 5, now);
  return qun_store__exec(st, s, "store the member");
}

int qun_store_member_exists(struct qun_store *st, const char *id) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_MEMBER_EXISTS);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, id);
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : qun_store__fail(st, "find the member");
}

int qun_store_membership_add(struct qun_store *st, const char *member, const char *grp, int64_t at) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_GROUP_ADD);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, grp);
  int rc = qun_store__exec(st, s, "store the group");
  if (rc < 0 || !(s = qun_store__stmt(st, Q_MEMBERSHIP_ADD)))
    return rc < 0 ? rc : QUN_EIO;
  qun_store__bind_text(s, 1, member);
  qun_store__bind_text(s, 2, grp);
  sqlite3_bind_int64(s, 3, at);
  return qun_store__exec(st, s, "store the membership");
}

int64_t qun_store_members_count(struct qun_store *st) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_MEMBERS_COUNT);
  if (!s)
    return QUN_EIO;
  int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : qun_store__fail(st, "count members");
  sqlite3_reset(s);
  return n;
}

int qun_store_event_upsert(struct qun_store *st, const char *ext_id, const char *type,
                           const char *member, const char *grp, int64_t at, const char *data,
                           int64_t now) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_EVENT_UPSERT);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, type);
  qun_store__bind_text(s, 2, member);
  qun_store__bind_text(s, 3, grp);
  sqlite3_bind_int64(s, 4, at);
  qun_store__bind_text(s, 5, data);
  sqlite3_bind_int64(s, 6, now);
  qun_store__bind_text(s, 7, ext_id);
  return qun_store__exec(st, s, "store the event");
}
