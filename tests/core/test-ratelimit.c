/* test-ratelimit.c — rates as written in a team config, and the sliding
 * window: over many random arrival patterns no window ever holds more than
 * n sends, and the time the limiter gives is the earliest that does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/ratelimit.h"

static void test_parse(void **s) {
  (void)s;
  static const struct { const char *in; int n; int64_t per; const char *canon; } ok[] = {
      {"20/min", 20, 60000, "20/min"}, {"20/m", 20, 60000, "20/min"}, {"5/s", 5, 1000, "5/s"},
      {"1000/h", 1000, 3600000, "1000/h"}, {"300/d", 300, 86400000, "300/d"},
      {"20/10s", 20, 10000, "20/10s"}, {"7/1h30m", 7, 5400000, "7/1h30m"}, {"1/sec", 1, 1000, "1/s"}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    struct qun_rate r;
    char buf[48];
    if (qun_rate_parse(ok[i].in, &r) != 0 || r.n != ok[i].n || r.per_ms != ok[i].per)
      fail_msg("%s", ok[i].in);
    qun_rate_format(&r, buf, sizeof buf);
    assert_string_equal(buf, ok[i].canon);
  }
  static const struct { const char *in; int rc; } bad[] = {
      {"", QUN_EINVAL}, {"20", QUN_EINVAL}, {"20/", QUN_EINVAL}, {"/min", QUN_EINVAL},
      {"-1/min", QUN_EINVAL}, {"20/minute", QUN_EINVAL}, {"20 /min", QUN_EINVAL},
      {"0/min", QUN_ERANGE}, {"100001/s", QUN_ERANGE}, {"5/0s", QUN_ERANGE}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct qun_rate r;
    if (qun_rate_parse(bad[i].in, &r) != bad[i].rc)
      fail_msg("'%s' should be refused with %d", bad[i].in, bad[i].rc);
  }
}

/* 20/min: twenty go at once, the 21st waits for the first to leave the
 * window; a pause holds everything back. */
static void test_robot(void **s) {
  (void)s;
  struct qun_rate r = {20, 60000};
  struct qun_limiter *l = qun_limiter_new(&r, 1);
  assert_non_null(l);
  for (int i = 0; i < 20; i++) {
    assert_int_equal(qun_limiter_next(l, 1000 + i), 1000 + i);
    qun_limiter_take(l, 1000 + i);
  }
  assert_int_equal(qun_limiter_next(l, 1020), 61000);
  qun_limiter_take(l, 61000);
  assert_int_equal(qun_limiter_next(l, 61000), 61001);
  qun_limiter_pause(l, 700000);
  assert_int_equal(qun_limiter_next(l, 65000), 700000);
  qun_limiter_free(l);
}

static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(void) { /* xorshift64: a fixed sequence for the test */
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 7;
  rnd_state ^= rnd_state << 17;
  return rnd_state;
}

/* Counts sends in [t - per + 1, t]: the window ending at t. */
static int in_window(const int64_t *sent, int n, int64_t t, int64_t per) {
  int c = 0;
  for (int i = 0; i < n; i++)
    c += sent[i] > t - per && sent[i] <= t;
  return c;
}

static void test_random_invariant(void **s) {
  (void)s;
  enum { SENDS = 400 };
  int64_t sent[SENDS];
  for (int round = 0; round < 300; round++) {
    struct qun_rate rules[QUN_RATE_RULES];
    int nrules = 1 + (int)(rnd() % QUN_RATE_RULES);
    for (int k = 0; k < nrules; k++)
      rules[k] = (struct qun_rate){1 + (int)(rnd() % 30), 1 + (int64_t)(rnd() % 5000)};
    struct qun_limiter *l = qun_limiter_new(rules, nrules);
    assert_non_null(l);
    int64_t now = 0, last = 0;
    for (int i = 0; i < SENDS; i++) {
      now += (int64_t)(rnd() % 400); /* arrivals: bursts and gaps */
      int64_t at = qun_limiter_next(l, now > last ? now : last);
      assert_true(at >= now);
      /* Tight: one millisecond earlier would break a rule (unless it is now). */
      if (at > (now > last ? now : last)) {
        int broken = 0;
        for (int k = 0; k < nrules; k++)
          broken |= in_window(sent, i, at - 1, rules[k].per_ms) >= rules[k].n;
        assert_true(broken);
      }
      qun_limiter_take(l, at);
      sent[i] = last = at;
      for (int k = 0; k < nrules; k++)
        if (in_window(sent, i + 1, at, rules[k].per_ms) > rules[k].n)
          fail_msg("round %d send %d: rule %d/%lldms broken at %lld", round, i, rules[k].n,
                   (long long)rules[k].per_ms, (long long)at);
    }
    qun_limiter_free(l);
  }
}

static void test_bad_rules(void **s) {
  (void)s;
  struct qun_rate r = {0, 1000};
  assert_null(qun_limiter_new(&r, 1));
  r.n = 1;
  assert_null(qun_limiter_new(&r, 0));
  assert_null(qun_limiter_new(&r, QUN_RATE_RULES + 1));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_robot),
      cmocka_unit_test(test_random_invariant),
      cmocka_unit_test(test_bad_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
