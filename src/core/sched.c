/* sched.c — one heap, two clocks (see sched.h). */
#include "core/sched.h"
#include "core/err.h"

#include <stdlib.h>
#include <time.h>
#include <uv.h>

struct qun_sched {
  struct qun_sched_opts o;
  struct qun_jobheap heap;
  int64_t now;        /* VIRTUAL */
  int stopped;
  int firing;         /* REAL: inside the timer callback */
  uv_timer_t timer;   /* REAL */
  int64_t armed_for;  /* REAL: the due time the timer is set for, or -1 */
  void (*done)(struct qun_sched *s, void *ud);
  void *done_ud;
};

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t qun_sched_now(const struct qun_sched *s) {
  return s->o.mode == QUN_CLOCK_REAL ? wall_ms() : s->now;
}

static void on_timer(uv_timer_t *t);

/* REAL: the one timer follows the earliest job. */
static void arm(struct qun_sched *s) {
  if (s->o.mode != QUN_CLOCK_REAL || s->firing || s->stopped)
    return;
  const struct qun_jobheap_item *top = qun_jobheap_peek(&s->heap);
  if (!top) {
    if (s->armed_for >= 0)
      uv_timer_stop(&s->timer);
    s->armed_for = -1;
    return;
  }
  if (top->due == s->armed_for)
    return;
  int64_t delay = top->due - wall_ms();
  uv_timer_start(&s->timer, on_timer, delay > 0 ? (uint64_t)delay : 0, 0);
  s->armed_for = top->due;
}

static void on_timer(uv_timer_t *t) {
  struct qun_sched *s = t->data;
  s->armed_for = -1;
  s->firing = 1;
  const struct qun_jobheap_item *top;
  /* Fire what is due; stop early to let the loop breathe (I/O, signals). */
  for (int n = 0; n < 1000 && (top = qun_jobheap_peek(&s->heap)) && top->due <= wall_ms(); n++) {
    struct qun_jobheap_item it;
    qun_jobheap_pop(&s->heap, &it);
    s->o.fire(s->o.ud, s, &it);
    if (s->stopped)
      break;
  }
  s->firing = 0;
  if (!s->stopped)
    arm(s);
}

struct qun_sched *qun_sched_new(const struct qun_sched_opts *o) {
  struct qun_sched *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->o = *o;
  s->now = o->start_ms;
  s->armed_for = -1;
  qun_jobheap_init(&s->heap);
  if (o->mode == QUN_CLOCK_REAL) {
    uv_timer_init(o->loop, &s->timer);
    s->timer.data = s;
  }
  return s;
}

static void on_closed(uv_handle_t *h) {
  struct qun_sched *s = h->data;
  if (s->done)
    s->done(s, s->done_ud);
  qun_jobheap_free(&s->heap);
  free(s);
}

void qun_sched_close(struct qun_sched *s, void (*done)(struct qun_sched *s, void *ud), void *ud) {
  if (!s)
    return;
  s->done = done, s->done_ud = ud, s->stopped = 1;
  if (s->o.mode == QUN_CLOCK_REAL) {
    uv_close((uv_handle_t *)&s->timer, on_closed);
    return;
  }
  if (done)
    done(s, ud);
  qun_jobheap_free(&s->heap);
  free(s);
}

int qun_sched_add(struct qun_sched *s, int64_t due_ms, int64_t id) {
  int rc = qun_jobheap_push(&s->heap, due_ms, id);
  if (rc == 0)
    arm(s);
  return rc;
}

int qun_sched_cancel(struct qun_sched *s, int64_t id) {
  int rc = qun_jobheap_remove(&s->heap, id);
  if (rc == 0)
    arm(s);
  return rc;
}

size_t qun_sched_pending(const struct qun_sched *s) {
  return qun_jobheap_size(&s->heap);
}

int64_t qun_sched_next_due(const struct qun_sched *s) {
  const struct qun_jobheap_item *top = qun_jobheap_peek(&s->heap);
  return top ? top->due : -1;
}

int qun_sched_run_until(struct qun_sched *s, int64_t until_ms) {
  int fired = 0;
  s->stopped = 0;
  const struct qun_jobheap_item *top;
  while (!s->stopped && (top = qun_jobheap_peek(&s->heap)) && top->due <= until_ms) {
    struct qun_jobheap_item it;
    qun_jobheap_pop(&s->heap, &it);
    if (it.due > s->now)
      s->now = it.due;
    s->o.fire(s->o.ud, s, &it);
    fired++;
  }
  if (!s->stopped && until_ms > s->now)
    s->now = until_ms;
  return fired;
}

void qun_sched_stop(struct qun_sched *s) {
  s->stopped = 1;
  if (s->o.mode == QUN_CLOCK_REAL && s->armed_for >= 0) {
    uv_timer_stop(&s->timer);
    s->armed_for = -1;
  }
}
