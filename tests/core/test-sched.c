/* test-sched.c — the scheduler on both clocks: order, now, jobs added and
 * cancelled while firing, and on the real clock one timer for all jobs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "core/err.h"
#include "core/sched.h"

struct log {
  int64_t id[64], due[64], now[64];
  int n;
  int64_t add_due, add_id; /* fire adds this once */
  int64_t cancel_id;
};

static void fire(void *ud, struct qun_sched *s, const struct qun_jobheap_item *it) {
  struct log *l = ud;
  l->id[l->n] = it->id, l->due[l->n] = it->due, l->now[l->n] = qun_sched_now(s);
  l->n++;
  if (l->add_id) {
    qun_sched_add(s, l->add_due, l->add_id);
    l->add_id = 0;
  }
  if (l->cancel_id) {
    assert_int_equal(qun_sched_cancel(s, l->cancel_id), 0);
    l->cancel_id = 0;
  }
}

static void test_virtual(void **st) {
  (void)st;
  struct log l = {0};
  struct qun_sched_opts o = {.mode = QUN_CLOCK_VIRTUAL, .start_ms = 1000, .fire = fire, .ud = &l};
  struct qun_sched *s = qun_sched_new(&o);
  assert_int_equal(qun_sched_now(s), 1000);
  qun_sched_add(s, 5000, 1);
  qun_sched_add(s, 3000, 2);
  qun_sched_add(s, 3000, 3); /* same due: after 2 */
  qun_sched_add(s, 9000, 4);
  l.add_due = 3000, l.add_id = 5; /* added while firing, due now: fires in this run */
  l.cancel_id = 1;
  assert_int_equal(qun_sched_run_until(s, 8000), 3);
  assert_int_equal(l.n, 3);
  int64_t ids[] = {2, 3, 5}, nows[] = {3000, 3000, 3000};
  for (int i = 0; i < 3; i++) {
    assert_int_equal(l.id[i], ids[i]);
    assert_int_equal(l.now[i], nows[i]);
  }
  assert_int_equal(qun_sched_now(s), 8000);
  assert_int_equal(qun_sched_next_due(s), 9000);
  assert_int_equal(qun_sched_pending(s), 1);
  qun_sched_close(s, NULL, NULL);
}

static void weekly(void *ud, struct qun_sched *s, const struct qun_jobheap_item *it) {
  (*(int *)ud)++;
  qun_sched_add(s, it->due + 30 * 60 * 1000, it->id);
}

static void test_virtual_week(void **st) {
  (void)st;
  int n = 0;
  struct qun_sched_opts o = {.mode = QUN_CLOCK_VIRTUAL, .start_ms = 0, .fire = weekly, .ud = &n};
  struct qun_sched *s = qun_sched_new(&o);
  qun_sched_add(s, 30 * 60 * 1000, 1);
  qun_sched_run_until(s, 7LL * 86400 * 1000);
  assert_int_equal(n, 336);
  qun_sched_close(s, NULL, NULL);
}

static int64_t wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void count_active(uv_handle_t *h, void *arg) {
  if (uv_is_active(h))
    (*(int *)arg)++;
}

static void real_fire(void *ud, struct qun_sched *s, const struct qun_jobheap_item *it) {
  struct log *l = ud;
  (void)s;
  l->id[l->n] = it->id, l->due[l->n] = it->due, l->now[l->n] = wall();
  l->n++;
}

static void closed(struct qun_sched *s, void *ud) {
  (void)s;
  *(int *)ud = 1;
}

static void test_real(void **st) {
  (void)st;
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct log l = {0};
  struct qun_sched_opts o = {.mode = QUN_CLOCK_REAL, .loop = &loop, .fire = real_fire, .ud = &l};
  struct qun_sched *s = qun_sched_new(&o);
  int64_t t0 = wall();
  qun_sched_add(s, t0 + 60, 1);
  qun_sched_add(s, t0 + 20, 2);
  qun_sched_add(s, t0 + 40, 3);
  qun_sched_add(s, t0 + 30, 4);
  qun_sched_add(s, t0 - 500, 5); /* overdue: fires first */
  qun_sched_cancel(s, 2);        /* the earliest future one: the timer re-arms */
  int active = 0;
  uv_walk(&loop, count_active, &active);
  assert_int_equal(active, 1); /* one timer for all the jobs */
  uv_run(&loop, UV_RUN_DEFAULT); /* returns when nothing is pending */
  assert_int_equal(l.n, 4);
  int64_t ids[] = {5, 4, 3, 1};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(l.id[i], ids[i]);
    assert_true(l.now[i] >= l.due[i]); /* never early */
  }
  int done = 0;
  qun_sched_close(s, closed, &done);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(done, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_virtual),
      cmocka_unit_test(test_virtual_week),
      cmocka_unit_test(test_real),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
