/* test-tz-dst.c — a second look at the zone: validation, offsets, the DST
 * gap and fold of New York, and two years of hourly round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/err.h"
#include "core/tz.h"

static void test_set_validates(void **s) {
  (void)s;
  assert_int_equal(qun_tz_set("Asia/Shanghai"), 0);
  assert_string_equal(qun_tz_name(), "Asia/Shanghai");
  assert_int_equal(qun_tz_set("Mars/Olympus"), QUN_ENOENT);
  assert_int_equal(qun_tz_set("../../etc/passwd"), QUN_EINVAL);
  assert_int_equal(qun_tz_set("/etc/localtime"), QUN_EINVAL);
  assert_int_equal(qun_tz_set(""), QUN_EINVAL);
  assert_int_equal(qun_tz_set("Asia"), QUN_ENOENT); /* a directory */
  assert_string_equal(qun_tz_name(), "Asia/Shanghai"); /* failures change nothing */
}

static void test_shanghai(void **s) {
  (void)s;
  char buf[40];
  assert_int_equal(qun_tz_set("Asia/Shanghai"), 0);
  assert_int_equal(qun_tz_offset(1795867200), 8 * 3600);
  qun_tz_rfc3339(1795867200, buf, sizeof buf);
  assert_string_equal(buf, "2026-11-28T20:00:00+08:00");
  struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 28, .tm_hour = 20};
  assert_int_equal(qun_tz_mktime(&tm), 1795867200);
  struct tm over = {.tm_year = 126, .tm_mon = 11, .tm_mday = 32}; /* Dec 32 = Jan 1 */
  qun_tz_rfc3339(qun_tz_mktime(&over), buf, sizeof buf);
  assert_string_equal(buf, "2027-01-01T00:00:00+08:00");
}

static void test_new_york_dst(void **s) {
  (void)s;
  char buf[40];
  assert_int_equal(qun_tz_set("America/New_York"), 0);
  /* 2026-03-08 02:30 does not exist: the instant just after the gap. */
  struct tm gap = {.tm_year = 126, .tm_mon = 2, .tm_mday = 8, .tm_hour = 2, .tm_min = 30};
  assert_int_equal(qun_tz_mktime(&gap), 1772953200);
  qun_tz_rfc3339(1772953200, buf, sizeof buf);
  assert_string_equal(buf, "2026-03-08T03:00:00-04:00");
  /* 2026-11-01 01:30 happens twice: the earlier (EDT) instant. */
  struct tm fold = {.tm_year = 126, .tm_mon = 10, .tm_mday = 1, .tm_hour = 1, .tm_min = 30};
  int64_t t = qun_tz_mktime(&fold);
  assert_int_equal(t, 1793511000);
  qun_tz_rfc3339(t, buf, sizeof buf);
  assert_string_equal(buf, "2026-11-01T01:30:00-04:00");
  qun_tz_rfc3339(t + 3600, buf, sizeof buf);
  assert_string_equal(buf, "2026-11-01T01:30:00-05:00");
  assert_int_equal(qun_tz_offset(t), -4 * 3600);
  assert_int_equal(qun_tz_offset(t + 3600), -5 * 3600);
}

static void test_mktime_roundtrip(void **s) {
  (void)s;
  /* Every hour of two years round-trips through local time (New York has
   * both a gap and a fold each year). */
  assert_int_equal(qun_tz_set("America/New_York"), 0);
  for (int64_t t = 1767225600; t < 1767225600 + 2 * 366 * 86400; t += 3600) {
    struct tm tm;
    qun_tz_local(t, &tm);
    int64_t back = qun_tz_mktime(&tm);
    /* In the fold the later instant maps back to the earlier one. */
    if (back != t)
      assert_int_equal(back, t - 3600);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_set_validates),
      cmocka_unit_test(test_shanghai),
      cmocka_unit_test(test_new_york_dst),
      cmocka_unit_test(test_mktime_roundtrip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
