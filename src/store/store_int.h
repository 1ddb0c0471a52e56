/* store_int.h — internal to src/store: the connection, the prepared
 * statements (prepared once, on first use) and small helpers. */
#ifndef QUN_STORE_INT_H
#define QUN_STORE_INT_H

#include "store/store.h"

#include <pthread.h>
#include <sqlite3.h>

enum qun_stmt {
  Q_BEGIN, Q_COMMIT, Q_ROLLBACK, Q_SAVEPOINT, Q_RELEASE, Q_ROLLBACK_TO,
  Q_RUN_FIND, Q_RUN_INSERT, Q_RUN_UPDATE, Q_RUN_START, Q_RUNS,
  Q_JOB_FIND_KEY, Q_JOB_INSERT, Q_JOB_SET_STATE, Q_JOB_GET, Q_JOBS_PENDING, Q_JOBS_COUNT,
  Q_FIRED_ADD, Q_FIRED_LAST, Q_SCHEDULE_SET, Q_SCHEDULES,
  Q_MEMBER_UPSERT, Q_MEMBER_EXISTS, Q_MEMBERSHIP_ADD, Q_MEMBERSHIP_DEL, Q_GROUP_ADD, Q_MEMBERS_COUNT, Q_MEMBERS_COUNT_GRP, Q_MEMBERS_COUNT_TAG, Q_MEMBERS_COUNT_WHERE, Q_MEMBER_GET, Q_MEMBERS_PAGE, Q_MEMBERS_PAGE_GRP, Q_MEMBERS_PAGE_TAG, Q_MEMBER_GROUPS,
  Q_TAG_ADD, Q_TAG_REMOVE, Q_TAG_HAS, Q_TAGS, Q_TIER_GET, Q_TIER_SET, Q_TIER_CLEAR,
  Q_EVENT_COUNT, Q_EVENT_LAST_AT,
  Q_OUTBOX_ADD, Q_OUTBOX_WAITING, Q_OUTBOX_GET, Q_OUTBOX_SET, Q_OUTBOX_WAIT, Q_OUTBOX_MEMBER_DAY,
  Q_OUTBOX_COUNT, Q_OUTBOX_RETRYING, Q_OUTBOX_DEAD,
  Q_EVENT_UPSERT, Q_EVENT_ADD, Q_EVENTS_AFTER, Q_EVENTS_LAST, Q_CURSOR_GET, Q_CURSOR_SET,
  Q_LOG_ADD, Q_LOG_LAST, Q_TRANSCRIPT_ADD, Q_TRANSCRIPT_SINCE, Q_TRANSCRIPT_AFTER,
  Q_SCHEDULE_GET,
  Q_PACKET_ADD, Q_PACKET_FIND, Q_PACKET_GET, Q_PACKET_TAKE, Q_PACKET_REFUND, Q_CLAIM_GET, Q_CLAIM_ADD,
  Q_LEDGER_ADD, Q_RP_UNBALANCED,
  Q_COUNT
};

struct qun_store {
  sqlite3 *db;
  sqlite3_stmt *stmts[Q_COUNT];
  int in_tx;
  char errmsg[512];
  /* A transaction handed to another thread to commit (qun_store_handoff):
   * set by the owner, cleared by the committer under mu. */
  int handed;
  int handed_rc;   /* the last handed-off commit's result */
  pthread_mutex_t mu;
  pthread_cond_t done;
};

/* Waits while a handed-off commit runs on another thread: every entry
 * point calls it first, so the connection is used by one thread at a time. */
void qun_store__gate(struct qun_store *st);
/* The statement, reset and unbound, or NULL (errmsg set). */
sqlite3_stmt *qun_store__stmt(struct qun_store *st, enum qun_stmt q);
/* Records SQLite's error for the failed call; returns QUN_EIO. */
int qun_store__fail(struct qun_store *st, const char *what);
/* Steps a statement that returns no rows; 0 or QUN_EIO (QUN_EEXIST for a
 * constraint). Resets it either way. */
int qun_store__exec(struct qun_store *st, sqlite3_stmt *s, const char *what);
void qun_store__bind_text(sqlite3_stmt *s, int i, const char *v);
/* Steps a statement that returns one integer (a count); resets it. */
int64_t qun_store__scalar(struct qun_store *st, sqlite3_stmt *s, const char *what);
const char *qun_store__col_text(sqlite3_stmt *s, int i);
/* After an event is stored: member.joined / member.left with a group add or
 * remove the membership (store_members.c). */
int qun_store__follow_membership(struct qun_store *st, const char *type, const char *member,
                                 const char *grp, int64_t at, int64_t now);

#endif
