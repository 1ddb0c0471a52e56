/* test-timespec-edges.c — a second, independent look at timespec: exact
 * values at the edges (year ends, leap days, the Vixie OR rule, DST), every
 * rejection, and a randomized check of next-occurrence against a
 * brute-force scan of the minutes in between. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/timespec.h"
#include "core/tz.h"

/* Local time in the run's zone, "2026-11-28 20:00" style, for assertions. */
static int64_t at(const char *s) {
  int64_t t;
  assert_int_equal(qun_time_parse(s, 0, &t), 0);
  return t;
}

static const char *rfc(int64_t t) {
  static char buf[40];
  qun_tz_rfc3339(t, buf, sizeof buf);
  return buf;
}

static int setup_shanghai(void **s) {
  (void)s;
  return qun_tz_set("Asia/Shanghai");
}

static void test_duration(void **s) {
  (void)s;
  int64_t v;
  char buf[64];
  static const struct { const char *in; int64_t secs; const char *canon, *zh; } ok[] = {
      {"0s", 0, "0s", "0秒"},        {"45s", 45, "45s", "45秒"},
      {"90m", 5400, "1h30m", "1小时30分"}, {"2h", 7200, "2h", "2小时"},
      {"10m", 600, "10m", "10分钟"},  {"1d12h", 129600, "1d12h", "1天12小时"},
      {"1d1h1m1s", 90061, "1d1h1m1s", "1天1小时1分"}, {"3h", 10800, "3h", "3小时"},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    assert_int_equal(qun_duration_parse(ok[i].in, &v), 0);
    assert_int_equal(v, ok[i].secs);
    qun_duration_format(v, buf, sizeof buf);
    assert_string_equal(buf, ok[i].canon);
    qun_duration_format_zh(v, buf, sizeof buf);
    assert_string_equal(buf, ok[i].zh);
  }
  static const char *const bad[] = {"", "2", "h", "2x", "30m2h", "2h2h", " 2h", "2h ", "-2h",
                                    "2.5h", "2H", "1d 2h", "9999999999h"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_true(qun_duration_parse(bad[i], &v) < 0);
  assert_int_equal(qun_duration_parse("999999999d", &v), QUN_ERANGE);
}

static void test_money(void **s) {
  (void)s;
  int64_t fen;
  char buf[32];
  static const struct { const char *in; int64_t fen; const char *out; } ok[] = {
      {"88.88", 8888, "88.88"}, {"0.05", 5, "0.05"}, {"88", 8800, "88.00"},
      {"88.8", 8880, "88.80"}, {"0", 0, "0.00"}, {"200.00", 20000, "200.00"},
      {"10000000000.00", 1000000000000LL, "10000000000.00"},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    assert_int_equal(qun_money_parse(ok[i].in, &fen), 0);
    assert_int_equal(fen, ok[i].fen);
    qun_money_format(fen, buf, sizeof buf);
    assert_string_equal(buf, ok[i].out);
  }
  static const char *const bad[] = {"", "-1", "+1", "1e3", "1.234", ".5", "5.", "1,5", " 1", "1 ",
                                    "0x10", "abc", "1.2.3"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(qun_money_parse(bad[i], &fen), QUN_EINVAL);
  assert_int_equal(qun_money_parse("10000000000.01", &fen), QUN_ERANGE);
  assert_int_equal(qun_money_parse("99999999999999", &fen), QUN_ERANGE);
}

static void test_time_parse(void **s) {
  (void)s;
  int64_t t, now = at("2026-11-22 10:00"); /* a Sunday */
  assert_int_equal(now, 1795312800);
  assert_int_equal(qun_time_parse("sat 20:00", now, &t), 0);
  assert_int_equal(t, 1795867200);
  assert_string_equal(rfc(t), "2026-11-28T20:00:00+08:00");
  assert_int_equal(qun_time_parse("Saturday 20:00", now, &t), 0);
  assert_int_equal(t, 1795867200);
  assert_int_equal(qun_time_parse("sun 10:00", now, &t), 0); /* at or after now */
  assert_int_equal(t, now);
  assert_int_equal(qun_time_parse("sun 09:59", now, &t), 0);
  assert_string_equal(rfc(t), "2026-11-29T09:59:00+08:00");
  assert_int_equal(qun_time_parse("20:00", now, &t), 0);
  assert_string_equal(rfc(t), "2026-11-22T20:00:00+08:00");
  assert_int_equal(qun_time_parse("9:30", now, &t), 0);
  assert_string_equal(rfc(t), "2026-11-23T09:30:00+08:00");
  assert_int_equal(qun_time_parse("2026-11-28 20:00:05", now, &t), 0);
  assert_int_equal(t, 1795867205);
  assert_int_equal(qun_time_parse("2026-11-28T12:00:00Z", now, &t), 0);
  assert_int_equal(t, 1795867200);
  assert_int_equal(qun_time_parse("2026-11-28T07:00:00-05:00", now, &t), 0);
  assert_int_equal(t, 1795867200);
  assert_int_equal(qun_time_parse("2028-02-29 00:00", now, &t), 0);
  static const char *const bad[] = {"sat 25:00", "sat 20:60", "24:00", "funday 10:00", "sat20:00",
                                    "2026-02-30 10:00", "2026-13-01 10:00", "2027-02-29 00:00",
                                    "2026-11-28", "2026-11-28 20:00 ", "2026-11-28T20:00:00+8:00",
                                    "", "sat", "20", "20:0", "tomorrow"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (qun_time_parse(bad[i], now, &t) >= 0)
      fail_msg("\"%s\" was accepted", bad[i]);
}

static int64_t next_of(const char *spec, const char *after) {
  struct qun_spec sp;
  if (qun_spec_parse(spec, &sp) < 0)
    fail_msg("spec \"%s\" rejected", spec);
  return qun_spec_next(&sp, 0, at(after));
}

static void test_spec_next(void **s) {
  (void)s;
  static const struct { const char *spec, *after, *want; } cases[] = {
      {"09:00", "2026-11-22 08:59", "2026-11-22T09:00:00+08:00"},
      {"09:00", "2026-11-22 09:00", "2026-11-23T09:00:00+08:00"},
      {"09:00:30", "2026-11-22 09:00", "2026-11-22T09:00:30+08:00"},
      {"mon-fri 09:00", "2026-11-27 09:00", "2026-11-30T09:00:00+08:00"}, /* Fri → Mon */
      {"sat,sun 10:30", "2026-11-23 00:00", "2026-11-28T10:30:00+08:00"},
      {"sat 20:00", "2026-11-28 20:00", "2026-12-05T20:00:00+08:00"},
      {"fri-mon 08:00", "2026-11-24 12:00", "2026-11-27T08:00:00+08:00"},
      {"23:59", "2026-12-31 23:59", "2027-01-01T23:59:00+08:00"},
      {"0 0 * * *", "2026-12-31 23:59", "2027-01-01T00:00:00+08:00"},
      {"0 0 29 2 *", "2026-03-01 00:00", "2028-02-29T00:00:00+08:00"},
      {"0 0 31 * *", "2026-11-01 00:00", "2026-12-31T00:00:00+08:00"},
      {"*/15 9-10 * * *", "2026-11-22 10:45", "2026-11-23T09:00:00+08:00"},
      {"5-59/20 * * * *", "2026-11-22 10:46", "2026-11-22T11:05:00+08:00"},
      {"0 9 * * 1-5", "2026-11-27 09:00", "2026-11-30T09:00:00+08:00"},
      {"0 9 * * 7", "2026-11-23 00:00", "2026-11-29T09:00:00+08:00"}, /* 7 = Sunday */
      {"0 9 * jan,jul sun", "2026-11-22 00:00", "2027-01-03T09:00:00+08:00"},
      {"0 0 13 * fri", "2026-11-22 00:00", "2026-11-27T00:00:00+08:00"}, /* OR rule: Friday first */
      {"0 0 1 * fri", "2026-11-27 00:00", "2026-12-01T00:00:00+08:00"}, /* OR rule: the 1st */
      {"30 2 1 1 *", "2026-06-01 00:00", "2027-01-01T02:30:00+08:00"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *got = rfc(next_of(cases[i].spec, cases[i].after));
    if (strcmp(got, cases[i].want) != 0)
      fail_msg("%s after %s: got %s, want %s", cases[i].spec, cases[i].after, got, cases[i].want);
  }
  assert_int_equal(next_of("0 0 30 2 *", "2026-01-01 00:00"), -1);
  assert_int_equal(next_of("0 0 31 4 *", "2026-01-01 00:00"), -1);
}

static void test_spec_every(void **s) {
  (void)s;
  struct qun_spec sp;
  assert_int_equal(qun_spec_parse("every 30m", &sp), 0);
  assert_int_equal(sp.kind, QUN_SPEC_EVERY);
  assert_int_equal(sp.every, 1800);
  assert_int_equal(qun_spec_next(&sp, 0, 1795312800), 1795314600);
  assert_int_equal(qun_spec_next(&sp, 100, 100), 1900);
  assert_int_equal(qun_spec_next(&sp, 100, 99), 100);
  assert_int_equal(qun_spec_parse("every 5s", &sp), 0);
  assert_int_equal(qun_spec_next(&sp, 0, 12), 15);
  assert_int_equal(qun_spec_parse("every 1h30m", &sp), 0);
  assert_int_equal(sp.every, 5400);
  /* A week of "every 30m" is 336 occurrences. */
  assert_int_equal(qun_spec_parse("every 30m", &sp), 0);
  int n = 0;
  for (int64_t t = qun_spec_next(&sp, 0, 1795312800 - 1); t < 1795312800 + 7 * 86400;
       t = qun_spec_next(&sp, 0, t))
    n++;
  assert_int_equal(n, 336);
}

static void test_spec_rejects(void **s) {
  (void)s;
  struct qun_spec sp;
  static const char *const bad[] = {
      "", "9", "25:00", "09:60", "mon-fri", "mon-fri 9", "funday 09:00", "every", "every 0s",
      "every -5m", "every 5", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *",
      "* * 32 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *",
      "1,,2 * * * *", "* * * foo *", "09:00 daily"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (qun_spec_parse(bad[i], &sp) >= 0)
      fail_msg("spec \"%s\" was accepted", bad[i]);
}

static void test_spec_dst(void **s) {
  (void)s;
  assert_int_equal(qun_tz_set("America/New_York"), 0);
  /* 02:30 does not exist on 2026-03-08: it fires at 03:00 EDT, once. */
  int64_t t = next_of("02:30", "2026-03-07 03:00");
  assert_string_equal(rfc(t), "2026-03-08T03:00:00-04:00");
  struct qun_spec sp;
  assert_int_equal(qun_spec_parse("02:30", &sp), 0);
  assert_string_equal(rfc(qun_spec_next(&sp, 0, t)), "2026-03-09T02:30:00-04:00");
  /* 01:30 happens twice on 2026-11-01: it fires once, at the first. */
  t = next_of("01:30", "2026-10-31 12:00");
  assert_string_equal(rfc(t), "2026-11-01T01:30:00-04:00");
  assert_int_equal(qun_spec_parse("01:30", &sp), 0);
  assert_string_equal(rfc(qun_spec_next(&sp, 0, t)), "2026-11-02T01:30:00-05:00");
  /* Hourly across the fold: 01:00 EDT, then 02:00 EST (01:00 EST is the repeat). */
  assert_int_equal(qun_spec_parse("0 * * * *", &sp), 0);
  t = next_of("0 * * * *", "2026-11-01 00:30");
  assert_string_equal(rfc(t), "2026-11-01T01:00:00-04:00");
  assert_string_equal(rfc(qun_spec_next(&sp, 0, t)), "2026-11-01T02:00:00-05:00");
  assert_int_equal(qun_tz_set("Asia/Shanghai"), 0);
}

/* ---- property test ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) { /* xorshift64*: fixed seed, reproducible */
  rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
  return rng * 2685821657736338717ULL;
}

static void random_field(char *buf, size_t n, int lo, int hi) {
  switch (rnd() % 5) {
  case 0: snprintf(buf, n, "*"); break;
  case 1: snprintf(buf, n, "*/%d", 1 + (int)(rnd() % 7)); break;
  case 2: snprintf(buf, n, "%d", lo + (int)(rnd() % (uint64_t)(hi - lo + 1))); break;
  case 3: {
    int a = lo + (int)(rnd() % (uint64_t)(hi - lo + 1)), b = a + (int)(rnd() % (uint64_t)(hi - a + 1));
    snprintf(buf, n, "%d-%d", a, b);
    break;
  }
  default: {
    int a = lo + (int)(rnd() % (uint64_t)(hi - lo + 1)), b = lo + (int)(rnd() % (uint64_t)(hi - lo + 1));
    snprintf(buf, n, "%d,%d", a, b);
  }
  }
}

static int matches(const struct qun_spec *sp, int64_t t) {
  struct tm tm;
  qun_tz_local(t, &tm);
  if (tm.tm_sec != sp->second || !(sp->minutes >> tm.tm_min & 1) || !(sp->hours >> tm.tm_hour & 1) ||
      !(sp->months >> (tm.tm_mon + 1) & 1))
    return 0;
  int md = sp->mdays >> tm.tm_mday & 1, wd = sp->wdays >> tm.tm_wday & 1;
  /* Vixie cron: a day field starting with '*' makes the two an AND. */
  if (sp->mday_any || sp->wday_any) return md && wd;
  return md || wd;
}

static void test_spec_random(void **s) {
  (void)s;
  int brute = 0;
  for (int i = 0; i < 10000; i++) {
    char f[5][32], line[200];
    random_field(f[0], 32, 0, 59);
    random_field(f[1], 32, 0, 23);
    random_field(f[2], 32, 1, 28);
    random_field(f[3], 32, 1, 12);
    random_field(f[4], 32, 0, 6);
    snprintf(line, sizeof line, "%s %s %s %s %s", f[0], f[1], f[2], f[3], f[4]);
    struct qun_spec sp;
    if (qun_spec_parse(line, &sp) < 0)
      fail_msg("generated spec \"%s\" rejected", line);
    int64_t after = 1767225600 + (int64_t)(rnd() % (3ULL * 365 * 86400));
    int64_t next = qun_spec_next(&sp, 0, after);
    if (next < 0) /* e.g. Mondays that are the 1st/8th/... of February: rare */
      continue;
    if (next <= after || !matches(&sp, next))
      fail_msg("%s after %s: %s does not match", line, rfc(after), rfc(next));
    if (next - after <= 2 * 86400) { /* no match was skipped */
      brute++;
      for (int64_t m = after - after % 60 + 60; m < next; m += 60)
        if (matches(&sp, m))
          fail_msg("%s after %lld: skipped %lld for %lld", line, (long long)after, (long long)m, (long long)next);
    }
  }
  assert_true(brute > 1000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_duration),
      cmocka_unit_test(test_money),
      cmocka_unit_test(test_time_parse),
      cmocka_unit_test(test_spec_next),
      cmocka_unit_test(test_spec_every),
      cmocka_unit_test(test_spec_rejects),
      cmocka_unit_test(test_spec_dst),
      cmocka_unit_test(test_spec_random),
  };
  return cmocka_run_group_tests(tests, setup_shanghai, NULL);
}
