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
#define QUN_STORE_SCHEMA 5

struct qun_store;

/* Opens (creating or migrating) the database at path (":memory:" works).
 * On failure returns a negative code with one line in err. */
int qun_store_open(const char *path, struct qun_store **out, char *err, size_t errlen);
/* A store in this process's memory only, for dry-runs and checks: the same
 * schema and transactions, no file, no sync. */
int qun_store_open_private(struct qun_store **out, char *err, size_t errlen);
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
/* When the playbook's run first started (QUN_ENOENT: it never did). */
int qun_store_run_created(struct qun_store *st, const char *playbook, int64_t *created_at);

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
/* The recorded next occurrence of one schedule; QUN_ENOENT if the run
 * never armed it (a countdown mark at the run's first start). */
int qun_store_schedule_get(struct qun_store *st, int64_t run, const char *name, int64_t *next_due);

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
/* How many members qun_store_members_page would list with these filters,
 * or a negative QUN_E* code. */
int64_t qun_store_members_count_where(struct qun_store *st, const char *grp, const char *tag, int64_t run,
                                      const char *tier);
struct qun_store_member {
  const char *id, *name, *attrs;
  int64_t joined_at; /* -1: unknown */
};
/* QUN_ENOENT if there is no such member. */
int qun_store_member_get(struct qun_store *st, const char *id,
                         int (*cb)(void *ud, const struct qun_store_member *m), void *ud);
/* Member ids after `after` ("" for the first), in order, at most limit,
 * filtered by group, tag and the run's tier: each a JSON array of names
 * (a member in any of them), or NULL (any). */
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
  int state, attempts;
};
/* Adds a message unless its key is known (then returns 0 and *created = 0). */
int qun_store_out_add(struct qun_store *st, const struct qun_out *m, int64_t now, int *created);
/* Waiting messages (queued or deferred) of a run with id > after, by id:
 * cb(ud, id, next_try); returns how many, or a negative code. */
int qun_store_out_waiting(struct qun_store *st, int64_t run, int64_t after, int limit,
                          int (*cb)(void *ud, int64_t id, int64_t next_try), void *ud);
/* One message, whole (QUN_ENOENT if there is none). */
int qun_store_out_get(struct qun_store *st, int64_t id, int (*cb)(void *ud, const struct qun_out *m),
                      void *ud);
/* A message's end: SENT, DROPPED or DEAD at `at`, with a reason;
 * attempt = 1 counts the attempt that ended it. */
int qun_store_out_set(struct qun_store *st, int64_t id, int state, int64_t at, const char *reason,
                      int attempt);
/* A message waits again (QUEUED after a failed attempt, DEFERRED by a
 * policy) until next_try. */
int qun_store_out_wait(struct qun_store *st, int64_t id, int state, int64_t next_try, const char *reason,
                       int attempt);
/* How many messages of the run are in a state; how many wait for a retry. */
int64_t qun_store_out_count(struct qun_store *st, int64_t run, int state);
int64_t qun_store_out_retrying(struct qun_store *st, int64_t run);
/* The latest dead messages of a run, newest first. */
int qun_store_out_dead(struct qun_store *st, int64_t run, int limit,
                       int (*cb)(void *ud, const struct qun_out *m, int64_t at), void *ud);
/* Messages counted against a member's day (queued, deferred or sent). */
int64_t qun_store_out_member_day(struct qun_store *st, const char *member, int32_t day);

/* ---- red packets (store_redpacket.c) ----
 * A packet is created once (keyed by its run and creation key); each claim
 * moves its running totals, adds a claims row (unique per member, a
 * sequence per packet) and a ledger row, in the caller's transaction; the
 * refund at expiry closes it. The ledger is append-only. Amounts in fen. */
struct qun_store_packet {
  char id[24], split[8];
  char grp[160], note[512];
  int64_t run_id, total, count, created_at, expires_at, claimed_fen, claimed_count;
  int64_t refund; /* -1 until refunded */
};
/* Adds a packet (p->key is its creation key) and its ledger `create` row.
 * QUN_EEXIST if the id is taken. */
int qun_store_packet_add(struct qun_store *st, const struct qun_store_packet *p, const char *key);
/* A packet by its run and creation key, or by id: 0, or QUN_ENOENT. */
int qun_store_packet_find(struct qun_store *st, int64_t run, const char *key, struct qun_store_packet *out);
int qun_store_packet_get(struct qun_store *st, const char *id, struct qun_store_packet *out);
/* A member's claim of a packet: 0 with its seq, fen and billno (≥ 32
 * bytes), or QUN_ENOENT. */
int qun_store_claim_get(struct qun_store *st, const char *packet, const char *member, int64_t *seq,
                        int64_t *fen, char *billno);
/* Records claim number seq (claims so far + 1) of fen for member: the
 * packet's totals, the claims row and the ledger row. QUN_EEXIST if the
 * member has claimed already; QUN_ESTATE if the packet moved meanwhile
 * (another claim took seq, or it was refunded); QUN_EIO otherwise. */
int qun_store_claim_add(struct qun_store *st, const char *packet, const char *member, int64_t seq,
                        int64_t fen, const char *billno, int64_t at);
/* Closes the packet: refund = total − claimed, with its ledger row.
 * Returns the refund (≥ 0), or QUN_ESTATE if it was refunded already. */
int64_t qun_store_packet_refund(struct qun_store *st, const char *packet, int64_t at);
/* Packets whose ledger disagrees with their rows (should be 0): the ledger's
 * total, claims and refund against the packet and its claims, claims +
 * refund == total once refunded, claims never over the total. */
int64_t qun_store_rp_unbalanced(struct qun_store *st);

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
/* Lines of the run in order: those after row after_id, or (after_id < 0)
 * all but the first `skip` (a file that has them already). */
int qun_store_transcript_since(struct qun_store *st, int64_t run, int64_t skip, int64_t after_id,
                               int (*cb)(void *ud, int64_t id, const char *line), void *ud);

#endif
