/* run_int.h — internal to the run (run.c: the call path, transcript,
 * opening and closing; run_schedule.c: named schedules and one-off jobs;
 * run_events.c: event dispatch). */
#ifndef QUN_RUN_INT_H
#define QUN_RUN_INT_H

#include "host/run.h"
#include "host/playbook.h"
#include "host/sandbox.h"
#include "core/rng.h"
#include "core/sched.h"
#include "core/timespec.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>

#define SKIPPED_LINES_MAX 100 /* per schedule, per restart; the rest are counted */

struct decl {
  char *name;
  int line;
  int recurring;
  struct qun_spec spec;
  int64_t at_s;
  int fnref;
  int mark;         /* a countdown mark (qun_run_declare_mark) */
  int64_t offset_s; /* its offset before the deadline */
};

struct on_handler {
  char *type;
  int fnref;
};

struct effect {
  int64_t id, due_ms;
  int cancel;
};

struct qun_run {
  struct qun_run_opts o;
  struct qun_store *st;
  struct qun_sched *sched;
  struct qun_sandbox *sb;
  struct qun_playbook pb;
  int64_t run_id;
  int loading;
  struct decl *decls;
  size_t ndecls;
  struct on_handler *ons;
  size_t nons;
  struct effect *fx;
  size_t nfx, capfx;
  /* A group commit's effects, set aside from fx while its COMMIT runs
   * (maybe on another thread, with other calls going on around it). */
  struct effect *held;
  size_t nheld, capheld;
  int holding;     /* held is a group commit's (dispatch_in_tx ran) */
  int held_calls;  /* the group commit called the playbook (it may have sent) */
  int batch;       /* dispatching a batch of events in one transaction */
  int tiers;       /* the playbook defines tiers */
  int dead;        /* stopped by a memory kill */
  int delivering;  /* inside qun_run__deliver */
  struct qun_worker *worker; /* the outbox's drain */
  int queued;      /* send() added rows since the worker last looked */
  int loaded;      /* the worker has read the outbox once */
  int64_t wake_due; /* the outbox wake's time in the heap, or -1 */
  int64_t anchor_ms; /* the run's first start: relative times count from it */
  char **warns;    /* qun_run_warn */
  size_t nwarns;
  int sends;       /* send() calls in the current call, for the keys */
  int packets;     /* red packets created in the current call, for the keys */
  struct qun_rng rng; /* red-packet shares and ids: seeded (virtual clock) or the kernel's */
  int payout_warned;  /* "no payout_channel" said once */
  /* the call in progress */
  const char *job;
  int64_t due_ms;
  int timed;       /* the call is a schedule's occurrence or a job: its sends are due at due_ms */
  int seq;
  int64_t event_id; /* the event an `on` handler is called for, or 0 */
  int64_t job_id;   /* the one-off job being called, or 0 */
  /* transcript file */
  FILE *tfile;
  int64_t tlines; /* lines of this run already in the file */
  int64_t tlast;  /* the last transcript row in the file, or -1 (not known yet) */
};

static inline int64_t qun_run__floor_s(int64_t ms) {
  return ms / 1000 - (ms % 1000 < 0);
}

typedef void (*redo_fn)(struct qun_run *r, void *ud);

/* Calls the function below nargs arguments as `job` due at due_ms inside
 * the transaction the caller began (or, in a batch, one savepoint of it). */
int qun_run__call(struct qun_run *r, const char *job, int64_t due_ms, int nargs, redo_fn redo, void *ud);
int qun_run__ensure(struct qun_run *r);              /* records the run once the header is known */
int qun_run__add_effect(struct qun_run *r, int64_t id, int64_t due_ms, int cancel);
void qun_run__apply_effects(struct qun_run *r);
void qun_run__flush(struct qun_run *r);               /* committed transcript lines → file */
void qun_run__check_dead(struct qun_run *r);
json_t *qun_run__time(int64_t ms);
/* The current call's occurrence, the stem of every key it makes: "job@due"
 * ("load@0" for the top level), and "/event-id" in an `on` handler (two
 * events at the same instant are two occurrences). */
void qun_run__occurrence(const struct qun_run *r, char *buf, size_t n);
/* A warning at a known line of the playbook (0: none). */
void qun_run__warn_line(struct qun_run *r, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* run_deliver.c */
#define QUN_RUN_OUTBOX_WAKE (INT64_MIN / 2) /* the heap id of the outbox's timer */
#define QUN_RUN_OWNER_WAKE (INT64_MIN / 2 + 1) /* the heap id of the owner's timer */
void qun_run__deliver(struct qun_run *r);  /* sends what is due; re-arms the wake */
int qun_run__worker_open(struct qun_run *r); /* once the run is recorded */

/* run_schedule.c */
void qun_run__fire_decl(struct qun_run *r, size_t i, int64_t due_ms);
void qun_run__fire_job(struct qun_run *r, int64_t id, int64_t due_ms);
void qun_run__arm_decl(struct qun_run *r, size_t i);
int qun_run__restore_job(void *ud, const struct qun_store_job *row);
/* A durable one-off job with an explicit key (host jobs: "qun.refund/ID"). */
int64_t qun_run__job_add_key(struct qun_run *r, const char *key, const char *handler,
                             const char *args_json, int64_t due_ms, char *err, size_t errlen);

/* run_redpacket.c */
/* Host jobs are named "qun.*": pushes the C function that runs one (it
 * takes the job's JSON args text) and returns 1, or 0 if there is none. */
int qun_run__push_host_job(lua_State *L, const char *handler);
/* A `redpacket.claim` event, handled by the host before the `on` handlers
 * see it, in its own savepoint of the batch (a handler that raises cannot
 * undo a claim); the caller has emitted the event's line. */
void qun_run__claim_event(struct qun_run *r, int64_t id, int64_t at, const char *member, const char *data);

#endif
