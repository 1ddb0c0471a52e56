/* store.h — the SQLite store: one connection (on the loop thread), WAL,
 * prepared statements kept, schema versioned by PRAGMA user_version with
 * migrations (an older database is migrated, a newer one refused).
 * Times are int64 milliseconds since the epoch. Functions return 0 (or an
 * id/count ≥ 0) or a negative QUN_E* code; qun_store_errmsg() says why.
 * The one exception to "on the loop thread": a transaction may be handed
 * to another thread for its COMMIT (the fsync), see qun_store_handoff.
 * Uses: SQLite, pthreads. */
#ifndef QUN_STORE_H
#define QUN_STORE_H

#include <stddef.h>
#include <stdint.h>

#define QUN_STORE_DEFAULT_PATH "qun.db"
#define QUN_STORE_SCHEMA 3

struct qun_store;

/* Opens (creating or migrating) the database at path (":memory:" works).
 * On failure returns a negative code with one line in err. */
int qun_store_open(const char *path, struct qun_store **out, char *err, size_t errlen);
void qun_store_close(struct qun_store *st);
const char *qun_store_errmsg(const struct qun_store *st);

/* One transaction at a time (BEGIN IMMEDIATE); QUN_ESTATE if nested. */
int qun_store_begin(struct qun_store *st);
int qun_store_commit(struct qun_store *st);
int qun_store_rollback(struct qun_store *st);
int qun_store_in_tx(struct qun_store *st);
/* Group commit off the loop: qun_store_handoff() gives the open
 * transaction to another thread, which then calls qun_store_commit_handed()
 * once: COMMIT (synchronous = FULL: the fsync happens there), or ROLLBACK
 * if the commit fails. Until that has returned, any other call on the
 * store waits for it, so the connection is never used by two threads at
 * once and nothing reads around a commit in flight. */
int qun_store_handoff(struct qun_store *st);
int qun_store_commit_handed(struct qun_store *st);
/* Waits for a handed-off commit to finish (at once if none); returns the
 * last handed-off commit's result. */
int qun_store_wait(struct qun_store *st);
/* One savepoint inside the open transaction: a unit that can be undone
 * alone (one event's handlers in a batch of events). */
int qun_store_savepoint(struct qun_store *st);
int qun_store_release(struct qun_store *st);
int qun_store_rollback_to(struct qun_store *st);

/* ---- runs: one per playbook name; a restart resumes it ---- */
struct qun_run_info {
  const char *playbook, *version, *sha256, *path, *params, *mode, *tz;
  int64_t run_id, created_at, started_at; /* when listed */
};
int qun_store_run_start(struct qun_store *st, const struct qun_run_info *info, int64_t now,
                        int64_t *run_id, int *resumed);
int qun_store_runs(struct qun_store *st, int (*cb)(void *ud, const struct qun_run_info *r), void *ud);

/* ---- one-off jobs ---- */
enum { QUN_JOB_PENDING = 0, QUN_JOB_DONE = 1, QUN_JOB_CANCELLED = 2, QUN_JOB_FAILED = 3 };
struct qun_store_job {
  int64_t id, run_id, due;
  const char *key, *handler, *args;
  int state;
};
/* Adds a job unless the run has one with the same key: returns its id and
 * sets *created. */
int64_t qun_store_job_add(struct qun_store *st, int64_t run, const char *key, const char *handler,
                          const char *args, int64_t due, int64_t now, int *created);
/* Moves a pending job to state; returns 1 if it was pending, 0 if not. */
int qun_store_job_set_state(struct qun_store *st, int64_t run, int64_t id, int state, int64_t now);
int qun_store_job_get(struct qun_store *st, int64_t id,
                      int (*cb)(void *ud, const struct qun_store_job *j), void *ud);
/* Pending jobs of a run by (due, id); limit < 0 for all. */
int qun_store_jobs_pending(struct qun_store *st, int64_t run,
                           int (*cb)(void *ud, const struct qun_store_job *j), void *ud);
int qun_store_jobs_next(struct qun_store *st, int64_t run, int limit,
                        int (*cb)(void *ud, const struct qun_store_job *j), void *ud);
int64_t qun_store_jobs_count(struct qun_store *st, int64_t run, int state);

/* ---- occurrences of named schedules already handled ---- */
int qun_store_fired_add(struct qun_store *st, int64_t run, const char *name, int64_t due, int64_t now);
int qun_store_fired_last(struct qun_store *st, int64_t run, const char *name, int64_t *due);

/* ---- each named schedule's next occurrence (for qun status) ---- */
struct qun_store_schedule {
  const char *name;
  int64_t next_due; /* -1: none */
};
int qun_store_schedule_set(struct qun_store *st, int64_t run, const char *name, int64_t next_due);
int qun_store_schedules(struct qun_store *st, int64_t run,
                        int (*cb)(void *ud, const struct qun_store_schedule *s), void *ud);

/* ---- events (append-only) and each run's cursor ---- */
struct qun_store_event {
  int64_t id, at;
  const char *type, *member, *grp, *data;
};
int64_t qun_store_event_add(struct qun_store *st, const char *type, const char *member,
                            const char *grp, int64_t at, const char *data, int64_t now);
int qun_store_events_after(struct qun_store *st, int64_t after_id, int limit,
                           int (*cb)(void *ud, const struct qun_store_event *e), void *ud);
/* The id of the latest event (0 if none). */
int qun_store_events_last(struct qun_store *st, int64_t *id);
int qun_store_cursor_get(struct qun_store *st, int64_t run, int64_t *event_id);
int qun_store_cursor_set(struct qun_store *st, int64_t run, int64_t event_id);

/* ---- members (shared by every playbook of the database) ---- */
/* Inserts or updates: a NULL name/joined_at keeps the stored one; attrs (a
 * JSON object text, or NULL) is merged into the stored attributes. */
int qun_store_member_upsert(struct qun_store *st, const char *id, const char *name, int64_t joined_at,
                            const char *attrs, int64_t now);
int qun_store_member_exists(struct qun_store *st, const char *id);
int qun_store_membership_add(struct qun_store *st, const char *member, const char *grp, int64_t at);
int64_t qun_store_members_count(struct qun_store *st);
struct qun_store_member {
  const char *id, *name, *attrs;
  int64_t joined_at; /* -1: unknown */
};
/* QUN_ENOENT if there is no such member. */
int qun_store_member_get(struct qun_store *st, const char *id,
                         int (*cb)(void *ud, const struct qun_store_member *m), void *ud);
/* Member ids after `after` ("" for the first), in order, at most limit,
 * filtered by group, tag and the run's tier (NULL: any). */
int qun_store_members_page(struct qun_store *st, const char *after, int limit, const char *grp,
                           const char *tag, int64_t run, const char *tier,
                           int (*cb)(void *ud, const char *id), void *ud);
int qun_store_member_groups(struct qun_store *st, const char *id, int (*cb)(void *ud, const char *g), void *ud);
/* Tags: add/remove return 1 if they changed something, 0 if not. */
int qun_store_tag_add(struct qun_store *st, const char *member, const char *tag, int64_t at);
int qun_store_tag_remove(struct qun_store *st, const char *member, const char *tag);
int qun_store_tag_has(struct qun_store *st, const char *member, const char *tag);
int qun_store_tags(struct qun_store *st, const char *member, int (*cb)(void *ud, const char *t), void *ud);
/* Tiers, per run. tier_get writes "" when the member has none. */
int qun_store_tier_get(struct qun_store *st, int64_t run, const char *member, char *out, size_t n);
int qun_store_tier_set(struct qun_store *st, int64_t run, const char *member, const char *tier, int64_t at);
/* Events of a member: how many of a type since a time; the latest one's time. */
int64_t qun_store_event_count(struct qun_store *st, const char *member, const char *type, int64_t since);
int qun_store_event_last_at(struct qun_store *st, const char *member, const char *type, int64_t *at);

/* An event with an external key: stored once, updated on a re-import. */
int qun_store_event_upsert(struct qun_store *st, const char *ext_id, const char *type,
                           const char *member, const char *grp, int64_t at, const char *data,
                           int64_t now);

/* ---- the outbox ---- */
enum { QUN_OUT_QUEUED = 0, QUN_OUT_SENT = 1, QUN_OUT_DROPPED = 2, QUN_OUT_DEFERRED = 3,
       QUN_OUT_DEAD = 4 };
struct qun_out {
  int64_t id, run_id, due, next_try;
  const char *key, *channel, *target, *member, *msg, *job, *reason;
  int32_t day;
  int state;
};
/* Adds a message unless its key is known (then returns 0 and *created = 0). */
int qun_store_out_add(struct qun_store *st, const struct qun_out *m, int64_t now, int *created);
/* Messages due by `now` (queued or deferred), oldest first. */
int qun_store_out_due(struct qun_store *st, int64_t run, int64_t now, int limit,
                      int (*cb)(void *ud, const struct qun_out *m), void *ud);
/* The earliest next_try among waiting messages, or -1. */
int64_t qun_store_out_next(struct qun_store *st, int64_t run);
int qun_store_out_set(struct qun_store *st, int64_t id, int state, int64_t at, const char *reason);
/* How many messages of the run are in a state. */
int64_t qun_store_out_count(struct qun_store *st, int64_t run, int state);
/* Messages counted against a member's day (queued, deferred or sent). */
int64_t qun_store_out_member_day(struct qun_store *st, const char *member, int32_t day);

/* ---- the run log and the transcript ---- */
int qun_store_log_add(struct qun_store *st, int64_t run, int64_t t, const char *job,
                      const char *level, const char *msg);
struct qun_store_log {
  int64_t t;
  const char *job, *level, *msg;
};
int qun_store_log_last(struct qun_store *st, int64_t run, const char *level, int limit,
                       int (*cb)(void *ud, const struct qun_store_log *l), void *ud);
int qun_store_transcript_add(struct qun_store *st, int64_t run, const char *line);
/* Lines of the run after the first `skip`, in order. */
int qun_store_transcript_since(struct qun_store *st, int64_t run, int64_t skip,
                               int (*cb)(void *ud, const char *line), void *ud);

#endif
