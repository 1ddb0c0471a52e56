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
int qun_run_dead(const struct qun_run *r);
const struct qun_playbook *qun_run_playbook(const struct qun_run *r);
void qun_run_close(struct qun_run *r);

/* ---- for the bindings (bind_*.c) ---- */

struct qun_run *qun_run_of(lua_State *L);
int qun_run_loading(const struct qun_run *r);  /* top level still running */
void qun_run_set_tiers(struct qun_run *r);     /* tier.define was called */

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
/* The run's store and id (recording the run if the header is known). */
struct qun_store *qun_run_store(struct qun_run *r);
int64_t qun_run_id(struct qun_run *r);
/* Adds a transcript line to the current transaction; takes fields. */
typedef struct json_t json_t;
void qun_run_emit(struct qun_run *r, const char *ev, json_t *fields);
/* Queues one message in the outbox, in the current transaction, after
 * the host's policies (quiet hours, daily caps). target is "group:ID" or
 * "member:ID"; member is the member's id or NULL; msg is a JSON object
 * text ({"text": ...}). Returns 0, or -1 with the reason in err. */
int qun_run_send(struct qun_run *r, const char *target, const char *member, const char *msg,
                 char *err, size_t errlen);
/* A log line from the playbook (log() or print()). */
void qun_run_log(struct qun_run *r, const char *msg, size_t len);

#endif
