/* sched.h — the scheduler: pending jobs (jobheap) on one of two clocks.
 *
 * REAL: now is the wall clock; a single uv_timer_t is armed for the
 * earliest job (libuv's timer tree is ~6× slower than the heap with a
 * million pending, so jobs never become timers one by one).
 * VIRTUAL: now only moves when qun_sched_run_until pops the next due job,
 * so a week runs in milliseconds. The same fire callback serves both.
 * Uses: core/jobheap, libuv (REAL only). No Lua, no SQLite. */
#ifndef QUN_SCHED_H
#define QUN_SCHED_H

#include "core/jobheap.h"

#include <stdint.h>

typedef struct uv_loop_s uv_loop_t;
struct qun_sched;

enum qun_clock_mode { QUN_CLOCK_REAL, QUN_CLOCK_VIRTUAL };

/* Called for each due job, already removed from the heap; may add and
 * cancel jobs (a job added due now fires in the same run, in order). */
typedef void (*qun_sched_fire_fn)(void *ud, struct qun_sched *s, const struct qun_jobheap_item *it);

struct qun_sched_opts {
  enum qun_clock_mode mode;
  uv_loop_t *loop;       /* REAL */
  int64_t start_ms;      /* VIRTUAL: the clock's start */
  qun_sched_fire_fn fire;
  void *ud;
};

struct qun_sched *qun_sched_new(const struct qun_sched_opts *o);
/* Frees the scheduler; in REAL mode after its timer handle is closed
 * (done(ud) is then called from the loop), at once in VIRTUAL mode. */
void qun_sched_close(struct qun_sched *s, void (*done)(struct qun_sched *s, void *ud), void *ud);

int64_t qun_sched_now(const struct qun_sched *s);
int qun_sched_add(struct qun_sched *s, int64_t due_ms, int64_t id); /* 0, QUN_EEXIST, QUN_ENOMEM */
int qun_sched_cancel(struct qun_sched *s, int64_t id);              /* 0 or QUN_ENOENT */
size_t qun_sched_pending(const struct qun_sched *s);
int64_t qun_sched_next_due(const struct qun_sched *s);              /* -1 if none */

/* VIRTUAL: fires every job due at or before until_ms in (due, seq) order,
 * moving now to each; then now = until_ms. Returns the number fired. */
int qun_sched_run_until(struct qun_sched *s, int64_t until_ms);
/* Makes run_until return after the job being fired; REAL: nothing fires
 * any more (the timer is stopped and never re-armed). */
void qun_sched_stop(struct qun_sched *s);

#endif
