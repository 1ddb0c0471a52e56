/* store_members.c — members, groups and memberships. */
#include "store/store_int.h"
#include "core/err.h"

#include <stdio.h>
#include <string.h>

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
  return qun_store__scalar(st, s, "count members");
}

int64_t qun_store_members_count_where(struct qun_store *st, const char *grp, const char *tag, int64_t run,
                                      const char *tier) {
  sqlite3_stmt *s = qun_store__stmt(st, grp ? Q_MEMBERS_COUNT_GRP : tag ? Q_MEMBERS_COUNT_TAG : Q_MEMBERS_COUNT_WHERE);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, grp);
  qun_store__bind_text(s, 2, tag);
  sqlite3_bind_int64(s, 3, run);
  qun_store__bind_text(s, 4, tier);
  return qun_store__scalar(st, s, "count members");
}

/* member.joined and member.left with a group keep the memberships in step
 * with the group, whoever records the event (qun event, POST /events, an
 * import, the dry-run's audience): a member who joins is known to the
 * store from then on, one who left no longer counts as the group's. */
int qun_store__follow_membership(struct qun_store *st, const char *type, const char *member,
                                 const char *grp, int64_t at, int64_t now) {
  if (!member || !grp || !type || strncmp(type, "member.", 7) != 0)
    return 0;
  if (strcmp(type + 7, "joined") == 0) {
    int rc = qun_store_member_upsert(st, member, NULL, at, NULL, now);
    return rc < 0 ? rc : qun_store_membership_add(st, member, grp, at);
  }
  if (strcmp(type + 7, "left") != 0)
    return 0;
  sqlite3_stmt *s = qun_store__stmt(st, Q_MEMBERSHIP_DEL);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, member);
  qun_store__bind_text(s, 2, grp);
  return qun_store__exec(st, s, "remove the membership");
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
  int rc = qun_store__exec(st, s, "store the event");
  return rc < 0 ? rc : qun_store__follow_membership(st, type, member, grp, at, now);
}

int qun_store_member_get(struct qun_store *st, const char *id,
                         int (*cb)(void *ud, const struct qun_store_member *m), void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_MEMBER_GET);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, id);
  int rc = sqlite3_step(s), out = QUN_ENOENT;
  if (rc == SQLITE_ROW) {
    struct qun_store_member m = {qun_store__col_text(s, 0), qun_store__col_text(s, 1),
                                 qun_store__col_text(s, 2),
                                 sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 3)};
    out = cb(ud, &m);
  } else if (rc != SQLITE_DONE) {
    out = qun_store__fail(st, "read the member");
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out;
}

/* Steps a statement whose first column is text, calling cb for each row. */
static int each_text(struct qun_store *st, sqlite3_stmt *s, const char *what,
                     int (*cb)(void *ud, const char *v), void *ud) {
  int rc, out = 0, n = 0;
  while (!out && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    out = cb(ud, qun_store__col_text(s, 0));
    n++;
  }
  if (!out && rc != SQLITE_DONE)
    out = qun_store__fail(st, what);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out ? out : n;
}

int qun_store_members_page(struct qun_store *st, const char *after, int limit, const char *grp,
                           const char *tag, int64_t run, const char *tier,
                           int (*cb)(void *ud, const char *id), void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, grp ? Q_MEMBERS_PAGE_GRP : tag ? Q_MEMBERS_PAGE_TAG : Q_MEMBERS_PAGE);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, after);
  sqlite3_bind_int(s, 2, limit);
  qun_store__bind_text(s, 3, grp);
  qun_store__bind_text(s, 4, tag);
  sqlite3_bind_int64(s, 5, run);
  qun_store__bind_text(s, 6, tier);
  return each_text(st, s, "list members", cb, ud);
}

int qun_store_member_groups(struct qun_store *st, const char *id, int (*cb)(void *ud, const char *g), void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_MEMBER_GROUPS);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, id);
  return each_text(st, s, "read the member's groups", cb, ud);
}

static int tag_change(struct qun_store *st, enum qun_stmt q, const char *member, const char *tag, int64_t at) {
  sqlite3_stmt *s = qun_store__stmt(st, q);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, member);
  qun_store__bind_text(s, 2, tag);
  if (q == Q_TAG_ADD)
    sqlite3_bind_int64(s, 3, at);
  int rc = qun_store__exec(st, s, "change the tag");
  return rc < 0 ? rc : sqlite3_changes(st->db) > 0;
}

int qun_store_tag_add(struct qun_store *st, const char *member, const char *tag, int64_t at) {
  return tag_change(st, Q_TAG_ADD, member, tag, at);
}

int qun_store_tag_remove(struct qun_store *st, const char *member, const char *tag) {
  return tag_change(st, Q_TAG_REMOVE, member, tag, 0);
}

int qun_store_tag_has(struct qun_store *st, const char *member, const char *tag) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_TAG_HAS);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, member);
  qun_store__bind_text(s, 2, tag);
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : qun_store__fail(st, "read the tag");
}

int qun_store_tags(struct qun_store *st, const char *member, int (*cb)(void *ud, const char *t), void *ud) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_TAGS);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, member);
  return each_text(st, s, "read the tags", cb, ud);
}

int qun_store_tier_get(struct qun_store *st, int64_t run, const char *member, char *out, size_t n) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_TIER_GET);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  qun_store__bind_text(s, 2, member);
  int rc = sqlite3_step(s);
  snprintf(out, n, "%s", rc == SQLITE_ROW ? qun_store__col_text(s, 0) : "");
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : qun_store__fail(st, "read the tier");
}

int qun_store_tier_set(struct qun_store *st, int64_t run, const char *member, const char *tier, int64_t at) {
  sqlite3_stmt *s = qun_store__stmt(st, tier && *tier ? Q_TIER_SET : Q_TIER_CLEAR);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  qun_store__bind_text(s, 2, member);
  if (tier && *tier) {
    qun_store__bind_text(s, 3, tier);
    sqlite3_bind_int64(s, 4, at);
  }
  return qun_store__exec(st, s, "set the tier");
}

int64_t qun_store_event_count(struct qun_store *st, const char *member, const char *type, int64_t since) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_EVENT_COUNT);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, member);
  qun_store__bind_text(s, 2, type);
  sqlite3_bind_int64(s, 3, since);
  return qun_store__scalar(st, s, "count events");
}

int qun_store_event_last_at(struct qun_store *st, const char *member, const char *type, int64_t *at) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_EVENT_LAST_AT);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, member);
  qun_store__bind_text(s, 2, type);
  int rc = sqlite3_step(s), out = QUN_ENOENT;
  if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
    *at = sqlite3_column_int64(s, 0);
    out = 0;
  } else if (rc != SQLITE_ROW) {
    out = qun_store__fail(st, "read the events");
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return out;
}
