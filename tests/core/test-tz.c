/* test-tz.c — src/core/tz.c: zone selection and validation, local time,
 * offsets, RFC 3339, and local → epoch across DST gaps and folds.
 * Every expected epoch was computed independently (python zoneinfo and
 * `date -d`), never with the code under test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/tz.h"

static void use_zone(const char *name) {
  assert_int_equal(qun_tz_set(name), 0);
}

static int64_t local(int y, int mon, int d, int h, int mi, int s) {
  struct tm tm = {.tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d,
                  .tm_hour = h, .tm_min = mi, .tm_sec = s, .tm_isdst = -1};
  return qun_tz_mktime(&tm);
}

static void assert_rfc3339(int64_t t, const char *want) {
  char buf[40];
  qun_tz_rfc3339(t, buf, sizeof buf);
  assert_string_equal(buf, want);
}

/* ---- qun_tz_set ---- */

static void test_set_known_zones(void **state) {
  assert_int_equal(qun_tz_set("Asia/Shanghai"), 0);
  assert_string_equal(qun_tz_name(), "Asia/Shanghai");
  assert_int_equal(qun_tz_offset(1795867200), 8 * 3600);
  assert_int_equal(qun_tz_set("UTC"), 0);
  assert_string_equal(qun_tz_name(), "UTC");
  assert_int_equal(qun_tz_offset(1795867200), 0);
  assert_int_equal(qun_tz_set("America/New_York"), 0);
  assert_int_equal(qun_tz_offset(1768000000), -5 * 3600); /* January */
  assert_int_equal(qun_tz_set("Etc/GMT-14"), 0);         /* '-' in a name */
  assert_int_equal(qun_tz_offset(0), 14 * 3600);
  assert_int_equal(qun_tz_set("Etc/GMT+12"), 0);         /* '+' in a name */
  assert_int_equal(qun_tz_offset(0), -12 * 3600);
  assert_int_equal(qun_tz_set(QUN_TZ_DEFAULT), 0);
}

static void test_set_rejects_malformed(void **state) {
  static const char *const bad[] = {
      "",  "../etc/passwd", "Asia/../Asia/Shanghai", "/usr/share/zoneinfo/UTC", "/UTC",
      "Asia/",  "Asia//Shanghai", "Asia/Shang hai", " UTC", "UTC ", "zone.tab",
      "EST5EDT,M3.2.0,M11.1.0", "<+08>-8", ":Asia/Shanghai", "Asia\\Shanghai",
      "Asia/Shanghai\n", "亚洲/上海", "./UTC", ".."};
  use_zone("Asia/Shanghai");
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (qun_tz_set(bad[i]) != QUN_EINVAL)
      fail_msg("\"%s\" was not refused as malformed", bad[i]);
  }
  assert_int_equal(qun_tz_set(NULL), QUN_EINVAL);
  char longname[300];
  memset(longname, 'A', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  assert_int_equal(qun_tz_set(longname), QUN_EINVAL);
  /* A refused name leaves the zone as it was. */
  assert_string_equal(qun_tz_name(), "Asia/Shanghai");
  assert_int_equal(qun_tz_offset(1795867200), 8 * 3600);
}

static void test_set_rejects_unknown(void **state) {
  use_zone("America/New_York");
  assert_int_equal(qun_tz_set("Mars/Olympus_Mons"), QUN_ENOENT);
  assert_int_equal(qun_tz_set("Asia/Beijing"), QUN_ENOENT); /* not a tz name */
  assert_int_equal(qun_tz_set("asia/shanghai"), QUN_ENOENT); /* names are case-sensitive */
  assert_int_equal(qun_tz_set("Asia"), QUN_ENOENT);         /* a directory */
  assert_int_equal(qun_tz_set("leapseconds"), QUN_ENOENT);  /* a text file in the database */
  assert_string_equal(qun_tz_name(), "America/New_York");
  assert_int_equal(qun_tz_offset(1768000000), -5 * 3600);
}

/* $TZDIR moves the database, for validation and for glibc alike. */
static void test_set_tzdir(void **state) {
  char dir[] = "/tmp/qun-tzdir-XXXXXX", sub[64], path[96];
  assert_non_null(mkdtemp(dir));
  snprintf(sub, sizeof sub, "%s/Test", dir);
  assert_int_equal(mkdir(sub, 0700), 0);
  snprintf(path, sizeof path, "%s/Zone", sub);
  FILE *in = fopen("/usr/share/zoneinfo/America/New_York", "rb"), *out = fopen(path, "wb");
  assert_non_null(in);
  assert_non_null(out);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0)
    assert_int_equal(fwrite(buf, 1, n, out), n);
  fclose(in);
  fclose(out);

  assert_int_equal(setenv("TZDIR", dir, 1), 0);
  assert_int_equal(qun_tz_set("Asia/Shanghai"), QUN_ENOENT); /* not in this database */
  assert_int_equal(qun_tz_set("Test/Zone"), 0);
  assert_int_equal(qun_tz_offset(1768000000), -5 * 3600);
  assert_int_equal(qun_tz_offset(1783000000), -4 * 3600); /* July */
  assert_int_equal(unsetenv("TZDIR"), 0);
  use_zone("Asia/Shanghai");

  unlink(path);
  rmdir(sub);
  rmdir(dir);
}

/* ---- local time, offsets ---- */

static void test_local(void **state) {
  struct tm tm;
  use_zone("Asia/Shanghai");
  qun_tz_local(1795867200, &tm); /* 2026-11-28T12:00:00Z */
  assert_int_equal(tm.tm_year, 126);
  assert_int_equal(tm.tm_mon, 10);
  assert_int_equal(tm.tm_mday, 28);
  assert_int_equal(tm.tm_hour, 20);
  assert_int_equal(tm.tm_min, 0);
  assert_int_equal(tm.tm_sec, 0);
  assert_int_equal(tm.tm_wday, 6); /* Saturday */
  assert_int_equal(tm.tm_yday, 331);

  qun_tz_local(1798732799, &tm); /* 2026-12-31T15:59:59Z = the last second of 2026 */
  assert_int_equal(tm.tm_year, 126);
  assert_int_equal(tm.tm_mon, 11);
  assert_int_equal(tm.tm_mday, 31);
  assert_int_equal(tm.tm_hour, 23);
  assert_int_equal(tm.tm_min, 59);
  assert_int_equal(tm.tm_sec, 59);
  qun_tz_local(1798732800, &tm);
  assert_int_equal(tm.tm_year, 127);
  assert_int_equal(tm.tm_mon, 0);
  assert_int_equal(tm.tm_mday, 1);
  assert_int_equal(tm.tm_hour, 0);

  use_zone("America/New_York");
  qun_tz_local(1793512799, &tm); /* 2026-11-01 01:59:59 EDT, first pass */
  assert_int_equal(tm.tm_hour, 1);
  assert_int_equal(tm.tm_min, 59);
  assert_int_equal(tm.tm_isdst, 1);
  qun_tz_local(1793512800, &tm); /* one second later: 01:00:00 EST */
  assert_int_equal(tm.tm_hour, 1);
  assert_int_equal(tm.tm_min, 0);
  assert_int_equal(tm.tm_isdst, 0);
  use_zone("Asia/Shanghai");
}

static void test_offset(void **state) {
  use_zone("America/New_York");
  assert_int_equal(qun_tz_offset(1772953199), -5 * 3600); /* 2026-03-08 01:59:59 EST */
  assert_int_equal(qun_tz_offset(1772953200), -4 * 3600); /* 03:00:00 EDT */
  assert_int_equal(qun_tz_offset(1793512799), -4 * 3600); /* 2026-11-01 01:59:59 EDT */
  assert_int_equal(qun_tz_offset(1793512800), -5 * 3600); /* 01:00:00 EST */
  use_zone("Asia/Kolkata");
  assert_int_equal(qun_tz_offset(1795867200), 5 * 3600 + 1800);
  use_zone("Australia/Lord_Howe"); /* half-hour DST */
  assert_int_equal(qun_tz_offset(1791041399), 10 * 3600 + 1800);
  assert_int_equal(qun_tz_offset(1791041400), 11 * 3600);
  use_zone("Asia/Shanghai");
}

/* ---- local → epoch ---- */

static void test_mktime_plain(void **state) {
  use_zone("Asia/Shanghai");
  assert_int_equal(local(2026, 11, 28, 20, 0, 0), 1795867200);
  assert_int_equal(local(2026, 11, 22, 10, 0, 0), 1795312800);
  assert_int_equal(local(2028, 2, 29, 0, 0, 0), 1835366400);
  assert_int_equal(local(1970, 1, 1, 8, 0, 0), 0);
  use_zone("UTC");
  assert_int_equal(local(2026, 11, 28, 12, 0, 0), 1795867200);
  use_zone("Asia/Shanghai");
}

static void test_mktime_normalises(void **state) {
  use_zone("Asia/Shanghai");
  int64_t feb1 = local(2026, 2, 1, 10, 0, 0);
  assert_int_equal(local(2026, 1, 32, 10, 0, 0), feb1);       /* day 32 */
  assert_int_equal(local(2026, 2, 0, 10, 0, 0), feb1 - 86400); /* day 0 = Jan 31 */
  assert_int_equal(local(2026, 1, 31, 34, 0, 0), feb1);        /* hour 34 */
  assert_int_equal(local(2026, 2, 1, 11, -60, 0), feb1);       /* minute -60 */
  assert_int_equal(local(2026, 2, 1, 9, 59, 60), feb1);        /* second 60 */
  assert_int_equal(local(2025, 13, 1, 0, 0, 0), local(2026, 1, 1, 0, 0, 0));
  assert_int_equal(local(2026, 2, 29, 0, 0, 0), local(2026, 3, 1, 0, 0, 0)); /* not leap */
  assert_int_equal(local(2028, 2, 30, 0, 0, 0), local(2028, 3, 1, 0, 0, 0)); /* leap */
  assert_int_equal(local(2026, 12, 31, 24, 0, 0), 1798732800); /* into the next year */

  /* tm_isdst is ignored, whatever its value. */
  struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 28, .tm_hour = 20, .tm_isdst = 1};
  assert_int_equal(qun_tz_mktime(&tm), 1795867200);
  tm.tm_isdst = 0;
  assert_int_equal(qun_tz_mktime(&tm), 1795867200);
  use_zone("America/New_York");
  struct tm jan = {.tm_year = 126, .tm_mon = 0, .tm_mday = 10, .tm_hour = 12, .tm_isdst = 1};
  assert_int_equal(qun_tz_mktime(&jan), 1768064400); /* 17:00Z, EST despite tm_isdst */
  struct tm jul = {.tm_year = 126, .tm_mon = 6, .tm_mday = 10, .tm_hour = 12, .tm_isdst = 0};
  assert_int_equal(qun_tz_mktime(&jul), 1783699200); /* 16:00Z, EDT despite tm_isdst */
  /* The argument is not written to. */
  assert_int_equal(jul.tm_isdst, 0);
  assert_int_equal(jul.tm_hour, 12);
  use_zone("Asia/Shanghai");
}

static void test_mktime_gap(void **state) {
  use_zone("America/New_York"); /* 2026-03-08 02:00 EST → 03:00 EDT at 07:00Z */
  assert_int_equal(local(2026, 3, 8, 1, 59, 59), 1772953199);
  assert_int_equal(local(2026, 3, 8, 2, 0, 0), 1772953200);
  assert_int_equal(local(2026, 3, 8, 2, 30, 0), 1772953200);
  assert_int_equal(local(2026, 3, 8, 2, 59, 59), 1772953200);
  assert_int_equal(local(2026, 3, 8, 3, 0, 0), 1772953200);
  assert_int_equal(local(2026, 3, 8, 3, 30, 0), 1772955000);
  assert_rfc3339(local(2026, 3, 8, 2, 30, 0), "2026-03-08T03:00:00-04:00");

  use_zone("Australia/Lord_Howe"); /* 02:00 → 02:30 */
  assert_int_equal(local(2026, 10, 4, 2, 15, 0), 1791041400);
  assert_rfc3339(1791041400, "2026-10-04T02:30:00+11:00");

  use_zone("America/Santiago"); /* midnight skipped: 00:00 -04 → 01:00 -03 */
  assert_int_equal(local(2026, 9, 6, 0, 0, 0), 1788667200);
  assert_int_equal(local(2026, 9, 6, 0, 30, 0), 1788667200);
  assert_int_equal(local(2026, 9, 5, 23, 59, 59), 1788667199);

  use_zone("Pacific/Apia"); /* 2011-12-30 never happened (−10 → +14) */
  assert_int_equal(local(2011, 12, 30, 0, 0, 0), 1325239200);
  assert_int_equal(local(2011, 12, 30, 12, 0, 0), 1325239200);
  assert_int_equal(local(2011, 12, 29, 23, 59, 0), 1325239140);
  assert_rfc3339(1325239200, "2011-12-31T00:00:00+14:00");
  use_zone("Asia/Shanghai");
}

static void test_mktime_fold(void **state) {
  use_zone("America/New_York"); /* 2026-11-01 02:00 EDT → 01:00 EST at 06:00Z */
  assert_int_equal(local(2026, 11, 1, 0, 59, 59), 1793509199);
  assert_int_equal(local(2026, 11, 1, 1, 0, 0), 1793509200);  /* EDT */
  assert_int_equal(local(2026, 11, 1, 1, 30, 0), 1793511000); /* EDT, 05:30Z */
  assert_int_equal(local(2026, 11, 1, 1, 59, 59), 1793512799);
  assert_int_equal(local(2026, 11, 1, 2, 0, 0), 1793516400);  /* EST */
  assert_rfc3339(local(2026, 11, 1, 1, 30, 0), "2026-11-01T01:30:00-04:00");

  use_zone("Australia/Lord_Howe"); /* 02:00 +11 → 01:30 +10:30 */
  assert_int_equal(local(2026, 4, 5, 1, 45, 0), 1775313900);
  assert_int_equal(local(2026, 4, 5, 2, 0, 0), 1775316600);
  use_zone("Asia/Shanghai");
}

/* Every wall time of a year maps to an instant whose wall time is itself
 * or, in a gap, the gap's end; and the mapping never goes backwards. */
static void test_mktime_round_trip(void **state) {
  use_zone("America/New_York");
  int64_t prev = 0;
  for (int64_t w = 1767225600; w < 1767225600 + 365 * 86400; w += 900) {
    time_t tt = (time_t)w;
    struct tm wall;
    gmtime_r(&tt, &wall); /* the wall time, as fields */
    int64_t t = local(wall.tm_year + 1900, wall.tm_mon + 1, wall.tm_mday, wall.tm_hour,
                      wall.tm_min, wall.tm_sec);
    assert_true(t >= prev);
    prev = t;
    int64_t back = t + qun_tz_offset(t);
    if (back != w) {
      /* in a gap: t is the transition, w lies between the two walls */
      assert_true(qun_tz_offset(t - 1) < qun_tz_offset(t));
      assert_true(w > t - 1 + qun_tz_offset(t - 1) && w < back);
    }
  }
  use_zone("Asia/Shanghai");
}

/* ---- RFC 3339 ---- */

static void test_rfc3339(void **state) {
  use_zone("Asia/Shanghai");
  assert_rfc3339(1795867200, "2026-11-28T20:00:00+08:00");
  assert_rfc3339(0, "1970-01-01T08:00:00+08:00");
  use_zone("UTC");
  assert_rfc3339(1795867200, "2026-11-28T12:00:00+00:00");
  use_zone("America/New_York");
  assert_rfc3339(1793511000, "2026-11-01T01:30:00-04:00");
  assert_rfc3339(1793514600, "2026-11-01T01:30:00-05:00");
  use_zone("Asia/Kolkata");
  assert_rfc3339(1795867200, "2026-11-28T17:30:00+05:30");
  use_zone("America/St_Johns");
  assert_rfc3339(1768000000, "2026-01-09T19:36:40-03:30");
  /* Local mean time (+08:05:43) has no RFC 3339 offset: the instant in UTC. */
  use_zone("Asia/Shanghai");
  assert_rfc3339(-2208988800, "1900-01-01T00:00:00Z");

  /* exactly 26 bytes is enough; less truncates, still terminated */
  char buf[26];
  qun_tz_rfc3339(1795867200, buf, sizeof buf);
  assert_string_equal(buf, "2026-11-28T20:00:00+08:00");
  char small[11];
  memset(small, 'x', sizeof small);
  qun_tz_rfc3339(1795867200, small, sizeof small);
  assert_string_equal(small, "2026-11-28");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_set_known_zones),
      cmocka_unit_test(test_set_rejects_malformed),
      cmocka_unit_test(test_set_rejects_unknown),
      cmocka_unit_test(test_set_tzdir),
      cmocka_unit_test(test_local),
      cmocka_unit_test(test_offset),
      cmocka_unit_test(test_mktime_plain),
      cmocka_unit_test(test_mktime_normalises),
      cmocka_unit_test(test_mktime_gap),
      cmocka_unit_test(test_mktime_fold),
      cmocka_unit_test(test_mktime_round_trip),
      cmocka_unit_test(test_rfc3339),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
