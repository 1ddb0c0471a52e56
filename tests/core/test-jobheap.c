/* test-jobheap.c — the heap against a sorted reference, removals by id,
 * FIFO among equal due times, duplicates, and memory per item. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/jobheap.h"

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

struct ref { int64_t due, id; uint64_t seq; int live; };

static int cmp(const void *a, const void *b) {
  const struct ref *x = a, *y = b;
  if (x->due != y->due) return x->due < y->due ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void test_against_sort(void **s) {
  (void)s;
  enum { N = 100000 };
  struct qun_jobheap h;
  qun_jobheap_init(&h);
  struct ref *ref = calloc(N, sizeof *ref);
  for (int i = 0; i < N; i++) {
    ref[i] = (struct ref){(int64_t)(rnd() % 5000), i + 1, (uint64_t)i, 1};
    assert_int_equal(qun_jobheap_push(&h, ref[i].due, ref[i].id), 0);
  }
  int removed = 0;
  for (int i = 0; i < N; i += 3) { /* remove a third by id */
    assert_int_equal(qun_jobheap_remove(&h, ref[i].id), 0);
    assert_int_equal(qun_jobheap_remove(&h, ref[i].id), QUN_ENOENT);
    ref[i].live = 0, removed++;
  }
  assert_int_equal(qun_jobheap_size(&h), N - removed);
  qsort(ref, N, sizeof *ref, cmp);
  struct qun_jobheap_item it;
  for (int i = 0; i < N; i++) {
    if (!ref[i].live)
      continue;
    assert_int_equal(qun_jobheap_pop(&h, &it), 0);
    assert_int_equal(it.due, ref[i].due);
    assert_int_equal(it.id, ref[i].id); /* FIFO among equal due times */
  }
  assert_int_equal(qun_jobheap_pop(&h, &it), QUN_ENOENT);
  assert_null(qun_jobheap_peek(&h));
  free(ref);
  qun_jobheap_free(&h);
}

static void test_duplicates_and_reuse(void **s) {
  (void)s;
  struct qun_jobheap h;
  qun_jobheap_init(&h);
  assert_int_equal(qun_jobheap_push(&h, 10, 7), 0);
  assert_int_equal(qun_jobheap_push(&h, 5, 7), QUN_EEXIST);
  assert_true(qun_jobheap_contains(&h, 7));
  assert_int_equal(qun_jobheap_push(&h, 5, -3), 0); /* negative ids are ids too */
  assert_int_equal(qun_jobheap_peek(&h)->id, -3);
  struct qun_jobheap_item it;
  assert_int_equal(qun_jobheap_pop(&h, &it), 0);
  assert_int_equal(qun_jobheap_push(&h, 1, -3), 0); /* free again after pop */
  assert_int_equal(qun_jobheap_remove(&h, 7), 0);
  assert_false(qun_jobheap_contains(&h, 7));
  assert_int_equal(qun_jobheap_size(&h), 1);
  /* Push/pop churn with few live items must not fill the index with
   * tombstones (it would loop forever). */
  for (int64_t i = 100; i < 1000000; i++) {
    assert_int_equal(qun_jobheap_push(&h, i, i), 0);
    assert_int_equal(qun_jobheap_remove(&h, i), 0);
  }
  qun_jobheap_free(&h);
}

static void test_million_memory(void **s) {
  (void)s;
  enum { N = 1000000 };
  struct qun_jobheap h;
  qun_jobheap_init(&h);
  for (int64_t i = 0; i < N; i++)
    assert_int_equal(qun_jobheap_push(&h, (int64_t)(rnd() % 1000000000), i + 1), 0);
  size_t bytes = h.cap * sizeof *h.items + h.index_cap * 16;
  print_message("%zu bytes per pending job with 1 M pending\n", bytes / N);
  assert_true(bytes / N <= 256);
  int64_t last = INT64_MIN;
  struct qun_jobheap_item it;
  while (qun_jobheap_pop(&h, &it) == 0) {
    assert_true(it.due >= last);
    last = it.due;
  }
  qun_jobheap_free(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_against_sort),
      cmocka_unit_test(test_duplicates_and_reuse),
      cmocka_unit_test(test_million_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
