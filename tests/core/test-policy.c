/* test-policy.c — quiet hours (wrapping midnight, DST) and local days. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/policy.h"
#include "core/timespec.h"
#include "core/tz.h"

static int64_t at(const char *s) {
  int64_t t;
  assert_int_equal(qun_time_parse(s, 0, &t), 0);
  return t;
}

static void test_quiet_wrapping(void **s) {
  (void)s;
  assert_int_equal(qun_tz_set("Asia/Shanghai"), 0);
  struct qun_quiet q = {22 * 60, 8 * 60}; /* 22:00-08:00 */
  static const struct { const char *t, *open; } cases[] = {
      {"2026-11-22 21:59", "2026-11-22 21:59"}, /* before: goes now */
      {"2026-11-22 22:00", "2026-11-23 08:00"}, /* inside, before midnight: tomorrow 08:00 */
      {"2026-11-22 23:30", "2026-11-23 08:00"},
      {"2026-11-23 00:00", "2026-11-23 08:00"}, /* after midnight: today 08:00 */
      {"2026-11-23 07:59", "2026-11-23 08:00"},
      {"2026-11-23 08:00", "2026-11-23 08:00"}, /* the end is open */
      {"2026-12-31 23:00", "2027-01-01 08:00"}, /* across the year */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (qun_quiet_open_at(&q, at(cases[i].t)) != at(cases[i].open))
      fail_msg("%s: want %s", cases[i].t, cases[i].open);
  struct qun_quiet none = {0, 0};
  assert_false(qun_quiet_inside(&none, at("2026-11-22 23:00")));
  struct qun_quiet noon = {12 * 60, 14 * 60}; /* not wrapping */
  assert_int_equal(qun_quiet_open_at(&noon, at("2026-11-22 13:00")), at("2026-11-22 14:00"));
  assert_int_equal(qun_quiet_open_at(&noon, at("2026-11-22 11:00")), at("2026-11-22 11:00"));
}

static void test_quiet_dst(void **s) {
  (void)s;
  assert_int_equal(qun_tz_set("America/New_York"), 0);
  struct qun_quiet q = {1 * 60, 3 * 60}; /* 01:00-03:00, across the spring gap */
  assert_int_equal(qun_quiet_open_at(&q, at("2026-03-08 01:30")), at("2026-03-08 03:00"));
  assert_int_equal(qun_tz_set("Asia/Shanghai"), 0);
}

static void test_local_day(void **s) {
  (void)s;
  assert_int_equal(qun_tz_set("Asia/Shanghai"), 0);
  assert_int_equal(qun_local_day(at("2026-11-22 23:59")), 20261122);
  assert_int_equal(qun_local_day(at("2026-11-23 00:00")), 20261123);
  assert_int_equal(qun_local_day(at("2026-11-22T16:00:00Z")), 20261123); /* 00:00 in Shanghai */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quiet_wrapping),
      cmocka_unit_test(test_quiet_dst),
      cmocka_unit_test(test_local_day),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
