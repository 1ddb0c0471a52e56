/* run.h — one playbook running on one clock: its sandbox, its store rows,
 * its scheduler, and the one path every handler call takes (a transaction
 * and an instruction budget around it; effects applied after commit).
 * Live runs and dry-runs are the same code with a different clock.
 * Uses: host/playbook, host/sandbox, store/store, core/sched, core/timespec. */
#ifndef QUN_RUN_H
#define QUN_RUN_H

#include <lua.h>
#include <stdint.h>
#include <stdio.h>

struct qun_store;
struct qun_run;
struct qun_config;
struct qun_chan_req;
typedef struct json_t json_t;
typedef struct uv_loop_s uv_loop_t;

struct qun_run_opts {
  const char *path;                /* the playbook file */
  const char *const *sets;         /* "name=value": team config first, then --set */
  int nsets;
  struct qun_store *store;         /* opened by the caller, outlives the run */
  uv_loop_t *loop;                 /* real clock; NULL = virtual clock */
  int64_t start_ms;                /* virtual clock: where time starts */
  int64_t grace_ms;                /* missed occurrences younger than this still fire */
  const char *mode;                /* "live" or "sim", recorded with the run */
  const char *transcript;          /* JSON-lines file to append to, or NULL */
  FILE *echo;                      /* log lines for the operator, or NULL */
  int echo_bare;                   /* echo the messages alone (qun check) */
  /* Called once if a memory kill stops the playbook's run. */
  void (*stopped)(void *ud);
  void *stopped_ud;
  const struct qun_config *cfg;    /* the team config, or NULL */
  uint64_t seed;
  /* For the run's owner (the dry-run), each may be NULL; called with owner.
   * record: every request a channel would have made (virtual clock: the
   * recording sink). sent: a message went out (its outcome committed).
   * wake: the owner's own timer (qun_run_wake) is due. */
  void (*record)(void *owner, const char *channel, const char *type, const struct qun_chan_req *req,
                 int64_t at_ms);
  void (*sent)(void *owner, const char *target, const char *member, json_t *msg, int64_t at_ms);
  void (*wake)(void *owner, int64_t now_ms);
  void *owner;
};

/* Loads the playbook (its top level runs as one transaction), records or
 * resumes its run in the store, re-declares its schedules and restores its
 * pending jobs. Returns 0, or -1 with one line "file:line: reason" in err. */
int qun_run_open(const struct qun_run_opts *o, struct qun_run **out, char *err, size_t errlen);

/* Virtual clock: fires everything due up to until_ms, in order. */
int qun_run_until(struct qun_run *r, int64_t until_ms);

/* Real clock: takes new events from the store and dispatches them to the
 * `on` handlers, each event once. Returns the number dispatched. */
int qun_run_poll_events(struct qun_run *r);
/* The same inside a transaction the caller holds (the HTTP endpoint's
 * group commit: events stored and handled with one fsync); then
 * qun_run_after_commit once the caller has committed or rolled back. The
 * commit may run on another thread while the loop makes other calls in
 * between: the batch's effects are held until qun_run_after_commit. */
int qun_run_dispatch_in_tx(struct qun_run *r);
void qun_run_after_commit(struct qun_run *r, int committed);

int64_t qun_run_now(const struct qun_run *r);
/* Real clock, when stopping: nothing fires any more; done(ud) once the
 * requests in flight have their outcomes committed (then close the run). */
void qun_run_drain(struct qun_run *r, void (*done)(void *ud), void *ud);
/* Requests in flight. */
int qun_run_inflight(const struct qun_run *r);
/* Sets the owner's one timer (opts.wake) to due_ms (now if earlier),
 * replacing the previous one; it fires in order with the run's jobs. */
void qun_run_wake(struct qun_run *r, int64_t due_ms);
int qun_run_dead(const struct qun_run *r);
const struct qun_playbook *qun_run_playbook(const struct qun_run *r);
void qun_run_close(struct qun_run *r);

/* ---- for the bindings (bind_*.c) ---- */

struct qun_run *qun_run_of(lua_State *L);
int qun_run_loading(const struct qun_run *r);  /* top level still running */
/* The run's first start (ms): relative times at the top level count from it. */
int64_t qun_run_anchor(const struct qun_run *r);
void qun_run_set_tiers(struct qun_run *r);     /* tier.define was called */
/* A warning about the playbook (a countdown offset past its deadline, a
 * text too long for its channel): "file:line: warning: ...", kept for
 * qun check and the dry-run's report; line 0 = the current Lua line. Each
 * distinct warning is kept once. */
void qun_run_warn(struct qun_run *r, lua_State *L, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The warnings so far, in order. */
size_t qun_run_warnings(const struct qun_run *r, const char *const **out);

struct qun_spec;
/* Declares a named schedule (top level only): a recurring spec, or (spec
 * NULL) one occurrence at at_s. fnref is a registry reference to the
 * handler. Returns 0 or -1 with the reason in err. */
int qun_run_declare(struct qun_run *r, const char *name, int line, const struct qun_spec *spec,
                    int64_t at_s, int fnref, char *err, size_t errlen);
/* A durable one-off job: handler name, JSON args, due time. Returns the
 * job id (> 0), or -1 with the reason in err. */
int64_t qun_run_job_add(struct qun_run *r, const char *handler, const char *args_json,
                        int64_t due_ms, char *err, size_t errlen);
/* 1 if the job was pending and is now cancelled, 0 if not pending. */
int qun_run_job_cancel(struct qun_run *r, int64_t id);
/* Registers an `on` handler (top level only). */
int qun_run_on(struct qun_run *r, const char *type, int fnref);
/* The team config the run was opened with, or NULL. */
const struct qun_config *qun_run_config(const struct qun_run *r);
/* The run's store and id (recording the run if the header is known). */
struct qun_store *qun_run_store(struct qun_run *r);
int64_t qun_run_id(struct qun_run *r);
/* Adds a transcript line to the current transaction; takes fields. */
void qun_run_emit(struct qun_run *r, const char *ev, json_t *fields);
/* The same with the line already written (core/transcript.h). */
void qun_run_emit_line(struct qun_run *r, const char *line);
/* One message for the outbox. */
struct qun_send {
  const char *target;  /* "group:ID", "member:ID" or "payout:ID" (the payout channel) */
  const char *member;  /* the member it is for, or NULL (caps count per member) */
  const char *msg;     /* a JSON object text: {"text": ...} (deliver/channel.h) */
  const char *key;     /* the idempotency key; NULL: from the call (run, job
                          occurrence, sequence, target), stable across restarts */
  int exempt;          /* not subject to quiet hours or caps (payouts) */
};
/* Queues a message in the current transaction after the host's policies
 * (quiet hours defer or drop it, a member's daily cap drops it). Returns 0,
 * or -1 with the reason in err. */
int qun_run_send(struct qun_run *r, const struct qun_send *s, char *err, size_t errlen);
/* A log line from the playbook (log() or print()). */
void qun_run_log(struct qun_run *r, const char *msg, size_t len);

/* A countdown mark (top level only): a one-occurrence named schedule at
 * at_s, `offset_s` before its deadline. Unlike schedule.at, a mark already
 * past when the run first arms it is skipped (a `skipped` line and a
 * warning), not fired within the grace; on later starts it is armed like
 * any named schedule. */
int qun_run_declare_mark(struct qun_run *r, const char *name, int line, int64_t at_s,
                         int64_t offset_s, int fnref, char *err, size_t errlen);
/* Records the current occurrence as skipped (a `skipped` line) instead of
 * handled, with the reason. */
void qun_run_skip_current(struct qun_run *r, const char *reason);

/* ---- red packets (run_redpacket.c) ----
 * A packet is created once per creation call (keyed like one-off jobs, so
 * the top level running again at every start finds it again), with a
 * durable host job at its expiry that refunds what was not claimed. Each
 * claim draws its share when it is made (core/redpacket: the run's seeded
 * generator on the virtual clock, the kernel's otherwise), records it in
 * the store, queues the payout (key = the bill number) and a
 * `redpacket.claimed` event, all in the caller's transaction. */
#include "core/redpacket.h"

struct qun_rp_spec {
  int64_t total;             /* fen */
  int64_t count;
  enum qun_rp_split split;
  int64_t expires_s;         /* from creation */
  const char *group, *note;  /* or NULL */
};
struct qun_store_packet;     /* store/store.h: what a packet is */

/* Checks a spec as creation would (money, shares, the config's limits, the
 * expiry): 0, or a negative code with the user's message in err. */
int qun_run_rp_check(struct qun_run *r, const struct qun_rp_spec *s, char *err, size_t errlen);
/* Creates the packet of this call (or finds the one an earlier start
 * created: *created = 0). Returns 0 or -1 with the reason in err. */
int qun_run_rp_new(struct qun_run *r, const struct qun_rp_spec *s, struct qun_store_packet *out,
                   int *created, char *err, size_t errlen);
/* The packet with this id if it belongs to this run: 0 or QUN_ENOENT. */
int qun_run_rp_get(struct qun_run *r, const char *id, struct qun_store_packet *out);

struct qun_rp_claim {
  int64_t fen;      /* the share (or, already claimed, the member's share) */
  int64_t seq;      /* the claim's number in the packet, from 1 */
  char billno[32];  /* packet id + sequence: the payout's key */
  char amount[24];  /* "5.23" */
  char group[160];  /* the packet's group, or "" */
};
/* Claims member's share of packet inside the caller's transaction.
 * Returns 0, a refusal — QUN_ENOENT no such packet (in this run),
 * QUN_EEXIST already claimed (out->fen is the member's share), QUN_ESTATE
 * expired, QUN_ELIMIT no shares left — or QUN_EIO (err says why; the
 * caller rolls back). */
int qun_run_rp_claim(struct qun_run *r, const char *packet, const char *member,
                     struct qun_rp_claim *out, char *err, size_t errlen);
/* The same as a transaction of its own (the HTTP claim endpoint): once it
 * returns 0 the claim is committed and its payout queued. */
int qun_run_rp_claim_tx(struct qun_run *r, const char *packet, const char *member,
                        struct qun_rp_claim *out, char *err, size_t errlen);
/* The words for a refusal: "no shares left", "already claimed", ... */
const char *qun_run_rp_refusal(int rc);

#endif
