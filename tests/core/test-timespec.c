/* test-timespec.c — src/core/timespec.c: durations, money, times and
 * recurring specs. Expected epochs come from python zoneinfo / `date -d`,
 * never from the code under test; the property tests check qun_spec_next
 * against a brute-force reading of the spec's bit sets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/timespec.h"
#include "core/tz.h"

static void use_zone(const char *name) {
  assert_int_equal(qun_tz_set(name), 0);
}

struct str_case {
  const char *s;
  int rc;
};

/* ---- durations ---- */

static void test_duration_parse(void **state) {
  static const struct {
    const char *s;
    int64_t secs;
  } ok[] = {
      {"1d12h", 129600}, {"90m", 5400},       {"1h30m", 5400},       {"45s", 45},
      {"0s", 0},         {"2h", 7200},        {"1d", 86400},         {"1d1h1m1s", 90061},
      {"0d0h0m5s", 5},   {"007m", 420},       {"1d30s", 86430},      {"86400s", 86400},
      {"36600d", 3162240000}, /* a century of 366-day years: the limit */
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    int64_t v = -1;
    if (qun_duration_parse(ok[i].s, &v) != 0 || v != ok[i].secs)
      fail_msg("\"%s\" read as %lld", ok[i].s, (long long)v);
  }
}

static void test_duration_rejects(void **state) {
  static const struct str_case bad[] = {
      {"", QUN_EINVAL},      {"30m2h", QUN_EINVAL}, {"2h2h", QUN_EINVAL},  {"1s1d", QUN_EINVAL},
      {"5", QUN_EINVAL},     {"h", QUN_EINVAL},     {"-5m", QUN_EINVAL},   {"+5m", QUN_EINVAL},
      {"5 m", QUN_EINVAL},   {" 5m", QUN_EINVAL},   {"5m ", QUN_EINVAL},   {"1.5h", QUN_EINVAL},
      {"5M", QUN_EINVAL},    {"5min", QUN_EINVAL},  {"1d 2h", QUN_EINVAL}, {"1w", QUN_EINVAL},
      {"m5", QUN_EINVAL},    {"5mx", QUN_EINVAL},   {"1h30", QUN_EINVAL},  {"１h", QUN_EINVAL},
      {"36601d", QUN_ERANGE}, {"36600d1s", QUN_ERANGE}, {"3162240001s", QUN_ERANGE},
      {"99999999999999999999999999s", QUN_ERANGE},
      {"99999999999999999999999999s5", QUN_EINVAL}, /* syntax wins over range */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t v = 12345;
    int rc = qun_duration_parse(bad[i].s, &v);
    if (rc != bad[i].rc)
      fail_msg("\"%s\": got %d, want %d", bad[i].s, rc, bad[i].rc);
    assert_int_equal(v, 12345); /* untouched on failure */
  }
  int64_t v;
  assert_int_equal(qun_duration_parse(NULL, &v), QUN_EINVAL);
}

static void test_duration_format(void **state) {
  static const struct {
    int64_t secs;
    const char *s;
  } cases[] = {
      {129600, "1d12h"}, {5400, "1h30m"},     {0, "0s"},      {45, "45s"},
      {90061, "1d1h1m1s"}, {86400, "1d"},     {3600, "1h"},   {60, "1m"},
      {3601, "1h1s"},    {86401, "1d1s"},     {-5400, "-1h30m"},
      {INT64_MIN, "-106751991167300d15h30m8s"},
  };
  char buf[32];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qun_duration_format(cases[i].secs, buf, sizeof buf);
    assert_string_equal(buf, cases[i].s);
  }
  char small[4];
  qun_duration_format(90061, small, sizeof small);
  assert_string_equal(small, "1d1");
}

static uint64_t rng_state;
static uint64_t rnd(void) { /* xorshift64*, fixed seed per test */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1DULL;
}
static int64_t rnd_in(int64_t lo, int64_t hi) { /* inclusive */
  return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static void test_duration_round_trip(void **state) {
  rng_state = 0x9E3779B97F4A7C15ULL;
  char buf[32];
  for (int i = 0; i < 20000; i++) {
    int64_t want;
    switch (i % 4) {
    case 0: want = rnd_in(0, 120); break;
    case 1: want = rnd_in(0, 86400 * 3); break;
    case 2: want = rnd_in(0, 3162240000); break;
    default: want = rnd_in(0, 40) * 86400 + rnd_in(0, 1) * 3600 + rnd_in(0, 1) * 60; break;
    }
    int64_t got = -1;
    qun_duration_format(want, buf, sizeof buf);
    if (qun_duration_parse(buf, &got) != 0 || got != want)
      fail_msg("%lld → \"%s\" → %lld", (long long)want, buf, (long long)got);
  }
}

static void test_duration_format_zh(void **state) {
  static const struct {
    int64_t secs;
    const char *s;
  } cases[] = {
      /* the header's examples */
      {3 * 3600, "3小时"}, {5400, "1小时30分"}, {600, "10分钟"}, {90061, "1天1小时1分"}, {45, "45秒"},
      /* seconds only under a minute; minutes rounded down */
      {0, "0秒"}, {59, "59秒"}, {60, "1分钟"}, {119, "1分钟"}, {3599, "59分钟"},
      {86400, "1天"}, {86460, "1天1分"}, {90000, "1天1小时"}, {3 * 86400 + 7200, "3天2小时"},
      {-5, "0秒"},
  };
  char buf[64];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qun_duration_format_zh(cases[i].secs, buf, sizeof buf);
    assert_string_equal(buf, cases[i].s);
  }
}

/* ---- money ---- */

static void test_money_parse(void **state) {
  static const struct {
    const char *s;
    int64_t fen;
  } ok[] = {
      {"88.88", 8888}, {"0.05", 5},   {"88", 8800},        {"88.8", 8880},
      {"0", 0},        {"0.00", 0},   {"007.50", 750},     {"1.01", 101},
      {"10000000000", 1000000000000}, {"10000000000.00", 1000000000000},
      {"9999999999.99", 999999999999},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    int64_t v = -1;
    if (qun_money_parse(ok[i].s, &v) != 0 || v != ok[i].fen)
      fail_msg("\"%s\" read as %lld", ok[i].s, (long long)v);
  }
}

static void test_money_rejects(void **state) {
  static const struct str_case bad[] = {
      {"", QUN_EINVAL},      {"-1", QUN_EINVAL},    {"+1", QUN_EINVAL},   {"1e3", QUN_EINVAL},
      {"1.234", QUN_EINVAL}, {".5", QUN_EINVAL},    {"5.", QUN_EINVAL},   {"1,000", QUN_EINVAL},
      {" 1", QUN_EINVAL},    {"1 ", QUN_EINVAL},    {"1..2", QUN_EINVAL}, {"1.2.3", QUN_EINVAL},
      {"¥1", QUN_EINVAL},    {"1元", QUN_EINVAL},   {"0x10", QUN_EINVAL}, {"abc", QUN_EINVAL},
      {"1.-5", QUN_EINVAL},  {".", QUN_EINVAL},     {"inf", QUN_EINVAL},  {"nan", QUN_EINVAL},
      {"10000000000.01", QUN_ERANGE}, {"10000000001", QUN_ERANGE},
      {"99999999999999999999999999", QUN_ERANGE}, {"99999999999999999999999999.99", QUN_ERANGE},
      {"99999999999999999999999999.999", QUN_EINVAL}, /* syntax wins */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t v = 12345;
    int rc = qun_money_parse(bad[i].s, &v);
    if (rc != bad[i].rc)
      fail_msg("\"%s\": got %d, want %d", bad[i].s, rc, bad[i].rc);
    assert_int_equal(v, 12345);
  }
  int64_t v;
  assert_int_equal(qun_money_parse(NULL, &v), QUN_EINVAL);
}

static void test_money_format(void **state) {
  static const struct {
    int64_t fen;
    const char *s;
  } cases[] = {
      {8888, "88.88"}, {5, "0.05"}, {0, "0.00"}, {8800, "88.00"}, {8880, "88.80"}, {-5, "-0.05"},
      {-8888, "-88.88"}, {1000000000000, "10000000000.00"}, {INT64_MIN, "-92233720368547758.08"},
  };
  char buf[24];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qun_money_format(cases[i].fen, buf, sizeof buf);
    assert_string_equal(buf, cases[i].s);
  }
  rng_state = 42;
  for (int i = 0; i < 20000; i++) {
    int64_t want = i < 10000 ? rnd_in(0, 100000) : rnd_in(0, 1000000000000), got = -1;
    qun_money_format(want, buf, sizeof buf);
    if (qun_money_parse(buf, &got) != 0 || got != want)
      fail_msg("%lld → \"%s\" → %lld", (long long)want, buf, (long long)got);
  }
}

/* ---- times ---- */

static void expect_time(const char *s, int64_t now, int64_t want) {
  int64_t t = -1;
  int rc = qun_time_parse(s, now, &t);
  if (rc != 0 || t != want)
    fail_msg("\"%s\" (now %lld): rc %d, %lld, want %lld", s, (long long)now, rc, (long long)t,
             (long long)want);
}

static void test_time_absolute(void **state) {
  use_zone("Asia/Shanghai");
  int64_t now = 1795312800; /* irrelevant for absolute times */
  expect_time("2026-11-28 20:00", now, 1795867200);
  expect_time("2026-11-28 20:00:05", now, 1795867205);
  expect_time("2026-11-28 9:05", now, 1795867200 - 11 * 3600 + 300);
  expect_time("2026-11-28T20:00:00+08:00", now, 1795867200);
  expect_time("2026-11-28T12:00:00Z", now, 1795867200);
  expect_time("2026-11-28t12:00:00z", now, 1795867200);
  expect_time("2026-11-28T07:00:00-05:00", now, 1795867200);
  expect_time("2026-11-28T17:30:00+05:30", now, 1795867200);
  expect_time("2026-11-28T12:00:00-00:00", now, 1795867200);
  expect_time("2028-02-29 00:00", now, 1835366400);
  expect_time("2026-12-31 23:59:59", now, 1798732799);
  expect_time("1970-01-01 08:00", now, 0);
  use_zone("America/New_York");
  expect_time("2026-11-28T20:00:00+08:00", now, 1795867200); /* the offset wins */
  expect_time("2026-11-28 07:00", now, 1795867200);
  expect_time("2026-03-08 02:30", now, 1772953200); /* gap: 03:00 EDT */
  expect_time("2026-11-01 01:30", now, 1793511000); /* fold: the EDT one */
  use_zone("Asia/Shanghai");
}

static void test_time_relative(void **state) {
  use_zone("Asia/Shanghai");
  int64_t sun10 = 1795312800; /* Sunday 2026-11-22 10:00 */
  expect_time("sat 20:00", sun10, 1795867200);
  expect_time("SAT 20:00", sun10, 1795867200);
  expect_time("Saturday 20:00", sun10, 1795867200);
  expect_time("saturday 20:00:00", sun10, 1795867200);
  expect_time("sun 10:00", sun10, sun10); /* at or after: now itself */
  expect_time("sun 10:00:01", sun10, sun10 + 1);
  expect_time("sun 09:59", sun10, 1795917540); /* a week on */
  expect_time("mon 00:00", sun10, 1795363200);
  expect_time("20:00", sun10, 1795348800);
  expect_time("10:00", sun10, sun10);
  expect_time("09:00", sun10, 1795395600); /* tomorrow */
  expect_time("9:00", sun10, 1795395600);
  expect_time("sun 9:59", sun10 - 61, sun10 - 60);
  /* across the year: Thursday 2026-12-31 23:30 */
  int64_t eve = 1798731000;
  expect_time("00:00", eve, 1798732800);
  expect_time("thu 23:59", eve, 1798732740);
  expect_time("fri 00:00", eve, 1798732800);
  expect_time("thursday 23:00", eve, 1798731000 - 1800 + 7 * 86400);

  use_zone("America/New_York");
  expect_time("02:30", 1772946000, 1772953200);     /* from 00:00 EST: the gap's end */
  expect_time("sun 02:30", 1772946000, 1772953200);
  expect_time("01:30", 1793505600, 1793511000);     /* from 00:00 EDT: the first 01:30 */
  expect_time("01:30", 1793515500, 1793601000);     /* from 01:45 EST: the first 01:30 is gone */
  use_zone("Asia/Shanghai");
}

static void test_time_rejects(void **state) {
  static const struct str_case bad[] = {
      {"", QUN_EINVAL},
      {"2026-11-28", QUN_EINVAL},
      {"2026-11-28 20", QUN_EINVAL},
      {"2026-11-28 20:00 ", QUN_EINVAL},
      {" 2026-11-28 20:00", QUN_EINVAL},
      {"2026-11-28  20:00", QUN_EINVAL},
      {"2026-11-28 20:00:00Z", QUN_EINVAL},
      {"2026-11-28T20:00", QUN_EINVAL},
      {"2026-11-28T20:00:00", QUN_EINVAL},
      {"2026-11-28T20:00:00.5Z", QUN_EINVAL},
      {"2026-11-28T20:00:00+0800", QUN_EINVAL},
      {"2026-11-28T20:00:00+8:00", QUN_EINVAL},
      {"2026-11-28T20:00:00+08:00x", QUN_EINVAL},
      {"2026-11-28T8:00:00Z", QUN_EINVAL},
      {"26-11-28 20:00", QUN_EINVAL},
      {"2026-1-28 20:00", QUN_EINVAL},
      {"2026/11/28 20:00", QUN_EINVAL},
      {"2026-11-28 20:0", QUN_EINVAL},
      {"2026-11-28 20:00:5", QUN_EINVAL},
      {"2026-11-28 200:00", QUN_EINVAL},
      {"2026-11-28x20:00", QUN_EINVAL},
      {"20261128 20:00", QUN_EINVAL},
      {"2026-02-30 10:00x", QUN_EINVAL}, /* syntax wins over range */
      {"2026-02-30 10:00", QUN_ERANGE},
      {"2026-02-29 10:00", QUN_ERANGE}, /* 2026 is not a leap year */
      {"2026-13-01 10:00", QUN_ERANGE},
      {"2026-00-10 10:00", QUN_ERANGE},
      {"2026-11-00 10:00", QUN_ERANGE},
      {"2026-04-31 10:00", QUN_ERANGE},
      {"2026-11-28 24:00", QUN_ERANGE},
      {"2026-11-28 23:60", QUN_ERANGE},
      {"2026-11-28 23:59:60", QUN_ERANGE},
      {"1969-12-31 23:59", QUN_ERANGE},
      {"1970-01-01T00:00:00+08:00", QUN_ERANGE}, /* before the epoch */
      {"2026-11-28T20:00:00+24:00", QUN_ERANGE},
      {"2026-11-28T20:00:00+08:60", QUN_ERANGE},
      {"sat 25:00", QUN_ERANGE},
      {"24:00", QUN_ERANGE},
      {"20:60", QUN_ERANGE},
      {"20:00:60", QUN_ERANGE},
      {"saturdays 20:00", QUN_EINVAL},
      {"sa 20:00", QUN_EINVAL},
      {"sat20:00", QUN_EINVAL},
      {"sat  20:00", QUN_EINVAL},
      {"sat 20", QUN_EINVAL},
      {"sat 20:00 ", QUN_EINVAL},
      {"sat", QUN_EINVAL},
      {"星期六 20:00", QUN_EINVAL},
      {"mon-fri 09:00", QUN_EINVAL}, /* a spec, not a time */
      {"sat,sun 09:00", QUN_EINVAL},
      {"tomorrow 10:00", QUN_EINVAL},
      {"123:00", QUN_EINVAL},
      {"20:00:00:00", QUN_EINVAL},
      {"20h", QUN_EINVAL},
      {"sat 25:00x", QUN_EINVAL},
  };
  use_zone("Asia/Shanghai");
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t t = 12345;
    int rc = qun_time_parse(bad[i].s, 1795312800, &t);
    if (rc != bad[i].rc)
      fail_msg("\"%s\": got %d, want %d", bad[i].s, rc, bad[i].rc);
    assert_int_equal(t, 12345);
  }
  int64_t t;
  assert_int_equal(qun_time_parse(NULL, 0, &t), QUN_EINVAL);
}

/* RFC 3339 out of tz.c reads back to the same instant. */
static void test_time_rfc3339_round_trip(void **state) {
  static const char *const zones[] = {"Asia/Shanghai", "America/New_York", "Asia/Kolkata", "UTC"};
  rng_state = 7;
  char buf[40];
  for (size_t z = 0; z < 4; z++) {
    use_zone(zones[z]);
    for (int i = 0; i < 2000; i++) {
      int64_t want = rnd_in(0, 4102444800), got = -1; /* up to 2100 */
      qun_tz_rfc3339(want, buf, sizeof buf);
      if (qun_time_parse(buf, 0, &got) != 0 || got != want)
        fail_msg("%lld → \"%s\" → %lld", (long long)want, buf, (long long)got);
    }
  }
  use_zone("Asia/Shanghai");
}

/* ---- specs: parsing ---- */

static struct qun_spec parse_ok(const char *s) {
  struct qun_spec sp;
  int rc = qun_spec_parse(s, &sp);
  if (rc != 0)
    fail_msg("\"%s\": %d", s, rc);
  return sp;
}

#define ALL_MDAYS 0xfffffffeu
#define ALL_MONTHS 0x1ffe
#define BIT(n) ((uint64_t)1 << (n))

static void test_spec_parse_daily(void **state) {
  struct qun_spec sp = parse_ok("09:00");
  assert_int_equal(sp.kind, QUN_SPEC_DAILY);
  assert_int_equal(sp.minutes, BIT(0));
  assert_int_equal(sp.hours, BIT(9));
  assert_int_equal(sp.mdays, ALL_MDAYS);
  assert_int_equal(sp.months, ALL_MONTHS);
  assert_int_equal(sp.wdays, 0x7f);
  assert_int_equal(sp.second, 0);

  sp = parse_ok("09:00:30");
  assert_int_equal(sp.second, 30);
  assert_int_equal(sp.minutes, BIT(0));
  sp = parse_ok("23:59:59");
  assert_int_equal(sp.hours, BIT(23));
  assert_int_equal(sp.minutes, BIT(59));
  assert_int_equal(sp.second, 59);

  static const struct {
    const char *s;
    uint8_t wdays;
  } days[] = {
      {"mon-fri 09:00", 0x3e}, {"sat,sun 10:30", 0x41}, {"sat 20:00", 0x40},
      {"sun 20:00", 0x01},     {"fri-mon 08:00", 0x63}, {"sat-sun 08:00", 0x41},
      {"Mon-Fri 09:00", 0x3e}, {"monday-friday 09:00", 0x3e}, {"mon,wed-fri 9:00", 0x3a},
      {"SUNDAY,saturday 7:05", 0x41}, {"mon-mon 08:00", 0x02}, {"tue-mon 08:00", 0x7f},
  };
  for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
    sp = parse_ok(days[i].s);
    assert_int_equal(sp.kind, QUN_SPEC_DAILY);
    if (sp.wdays != days[i].wdays)
      fail_msg("\"%s\": wdays %#x, want %#x", days[i].s, sp.wdays, days[i].wdays);
  }
  sp = parse_ok("sat,sun 10:30");
  assert_int_equal(sp.hours, BIT(10));
  assert_int_equal(sp.minutes, BIT(30));
}

static void test_spec_parse_every(void **state) {
  static const struct {
    const char *s;
    int64_t every;
  } cases[] = {{"every 30m", 1800}, {"every 5s", 5}, {"every 1h30m", 5400},
               {"every 1d", 86400}, {"Every 2h", 7200}, {"every 1s", 1}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct qun_spec sp = parse_ok(cases[i].s);
    assert_int_equal(sp.kind, QUN_SPEC_EVERY);
    assert_int_equal(sp.every, cases[i].every);
  }
}

static void test_spec_parse_cron(void **state) {
  struct qun_spec sp = parse_ok("0 9 * * 1-5");
  assert_int_equal(sp.kind, QUN_SPEC_CRON);
  assert_int_equal(sp.minutes, BIT(0));
  assert_int_equal(sp.hours, BIT(9));
  assert_int_equal(sp.mdays, ALL_MDAYS);
  assert_int_equal(sp.months, ALL_MONTHS);
  assert_int_equal(sp.wdays, 0x3e);
  assert_true(sp.mday_any);
  assert_false(sp.wday_any);

  sp = parse_ok("*/15 * * * *");
  assert_int_equal(sp.minutes, BIT(0) | BIT(15) | BIT(30) | BIT(45));
  assert_int_equal(sp.hours, 0xffffff);
  assert_int_equal(sp.wdays, 0x7f);
  assert_true(sp.mday_any && sp.wday_any);
  sp = parse_ok("1-10/2 * * * *");
  assert_int_equal(sp.minutes, BIT(1) | BIT(3) | BIT(5) | BIT(7) | BIT(9));
  sp = parse_ok("* * * * *");
  assert_int_equal(sp.minutes, (BIT(60) - 1));
  sp = parse_ok("0,30 8-10,20 1,15 * *");
  assert_int_equal(sp.minutes, BIT(0) | BIT(30));
  assert_int_equal(sp.hours, BIT(8) | BIT(9) | BIT(10) | BIT(20));
  assert_int_equal(sp.mdays, BIT(1) | BIT(15));
  assert_false(sp.mday_any);
  assert_true(sp.wday_any);
  sp = parse_ok("0 0 * jan-mar,DEC *");
  assert_int_equal(sp.months, BIT(1) | BIT(2) | BIT(3) | BIT(12));
  sp = parse_ok("0 0 * 2-12/5 *");
  assert_int_equal(sp.months, BIT(2) | BIT(7) | BIT(12));
  sp = parse_ok("0 0 31 * *");
  assert_int_equal(sp.mdays, BIT(31));

  static const struct {
    const char *s;
    uint8_t wdays;
  } dow[] = {
      {"0 0 * * sun", 0x01}, {"0 0 * * 7", 0x01},   {"0 0 * * 0", 0x01},   {"0 0 * * 5-7", 0x61},
      {"0 0 * * mon-sun", 0x7f}, {"0 0 * * SAT,sun", 0x41}, {"0 0 * * */2", 0x55},
      {"0 0 * * 1-7/2", 0x2b}, /* 1,3,5,7 */ {"0 0 * * fri-sat", 0x60}, {"0 0 * * 0-6", 0x7f},
  };
  for (size_t i = 0; i < sizeof dow / sizeof dow[0]; i++) {
    sp = parse_ok(dow[i].s);
    if (sp.wdays != dow[i].wdays)
      fail_msg("\"%s\": wdays %#x, want %#x", dow[i].s, sp.wdays, dow[i].wdays);
  }
  /* Vixie: a field starting with "*" counts as "*", steps and all. */
  sp = parse_ok("0 12 */2 * mon");
  assert_true(sp.mday_any);
  assert_false(sp.wday_any);
  assert_int_equal(sp.mdays, 0xaaaaaaaau); /* 1, 3, ..., 31 */
  sp = parse_ok("0 12 1-31 * mon");
  assert_false(sp.mday_any);
  /* blanks between fields, as in a crontab */
  sp = parse_ok("0  9\t*  * 1-5");
  assert_int_equal(sp.hours, BIT(9));
  assert_int_equal(sp.wdays, 0x3e);
}

static void test_spec_rejects(void **state) {
  static const struct str_case bad[] = {
      {"", QUN_EINVAL},
      {"9", QUN_EINVAL},
      {"every", QUN_EINVAL},
      {"every ", QUN_EINVAL},
      {"every 30", QUN_EINVAL},
      {"every -5m", QUN_EINVAL},
      {"every30m", QUN_EINVAL},
      {"every 30m ", QUN_EINVAL},
      {"every  30m", QUN_EINVAL},
      {"every 30m2h", QUN_EINVAL},
      {"everyday 09:00", QUN_EINVAL},
      {"09:00 ", QUN_EINVAL},
      {" 09:00", QUN_EINVAL},
      {"09:0", QUN_EINVAL},
      {"09:00:0", QUN_EINVAL},
      {"mon-fri09:00", QUN_EINVAL},
      {"mon-fri  09:00", QUN_EINVAL},
      {"xyz 09:00", QUN_EINVAL},
      {"mon- 09:00", QUN_EINVAL},
      {"mon,,fri 09:00", QUN_EINVAL},
      {"mon, fri 09:00", QUN_EINVAL},
      {"mon-fri-sat 09:00", QUN_EINVAL},
      {"weekdays 09:00", QUN_EINVAL},
      {"mon-fri 25:00x", QUN_EINVAL},
      {"0 9 * *", QUN_EINVAL},
      {"0 9 * * * *", QUN_EINVAL},
      {"0 9 * * 1-5 ", QUN_EINVAL},
      {" 0 9 * * *", QUN_EINVAL},
      {"5/15 * * * *", QUN_EINVAL},
      {"*/ * * * *", QUN_EINVAL},
      {"1- * * * *", QUN_EINVAL},
      {"a * * * *", QUN_EINVAL},
      {"0 9 * * 5-1", QUN_EINVAL},
      {"0 9 * feb-jan *", QUN_EINVAL},
      {"0 9 * * monday", QUN_EINVAL},
      {"0 9 * january *", QUN_EINVAL},
      {"0 9 * * 1,", QUN_EINVAL},
      {"0 9 * * ,1", QUN_EINVAL},
      {"0 9 ** * *", QUN_EINVAL},
      {"0 9 * * 1-5-7", QUN_EINVAL},
      {"0 9 L * *", QUN_EINVAL},
      {"0 9 ? * *", QUN_EINVAL},
      {"0 9 * * mon#2", QUN_EINVAL},
      {"@daily", QUN_EINVAL},
      {"-1 * * * *", QUN_EINVAL},
      {"60 * * * * x", QUN_EINVAL}, /* syntax wins over range */
      {"24:00", QUN_ERANGE},
      {"09:60", QUN_ERANGE},
      {"09:00:60", QUN_ERANGE},
      {"sat 25:00", QUN_ERANGE},
      {"mon-fri 24:00", QUN_ERANGE},
      {"every 0s", QUN_ERANGE},
      {"every 0d0h0m0s", QUN_ERANGE},
      {"every 36601d", QUN_ERANGE},
      {"60 * * * *", QUN_ERANGE},
      {"* 24 * * *", QUN_ERANGE},
      {"* * 0 * *", QUN_ERANGE},
      {"* * 32 * *", QUN_ERANGE},
      {"* * * 13 *", QUN_ERANGE},
      {"* * * 0 *", QUN_ERANGE},
      {"* * * * 8", QUN_ERANGE},
      {"*/0 * * * *", QUN_ERANGE},
      {"*/60 * * * *", QUN_ERANGE},
      {"0-60 * * * *", QUN_ERANGE},
      {"0 0 1-32/2 * *", QUN_ERANGE},
      {"99999999999999999999 * * * *", QUN_ERANGE},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct qun_spec sp;
    memset(&sp, 0xab, sizeof sp);
    int rc = qun_spec_parse(bad[i].s, &sp);
    if (rc != bad[i].rc)
      fail_msg("\"%s\": got %d, want %d", bad[i].s, rc, bad[i].rc);
    assert_int_equal(sp.every, (int64_t)0xabababababababab); /* untouched on failure */
  }
  struct qun_spec sp;
  assert_int_equal(qun_spec_parse(NULL, &sp), QUN_EINVAL);
}

/* ---- specs: next occurrence, exact values ---- */

static void expect_next(const char *spec, int64_t anchor, int64_t after, int64_t want) {
  struct qun_spec sp = parse_ok(spec);
  int64_t got = qun_spec_next(&sp, anchor, after);
  if (got != want) {
    char g[40] = "-1", w[40] = "-1";
    if (got >= 0)
      qun_tz_rfc3339(got, g, sizeof g);
    if (want >= 0)
      qun_tz_rfc3339(want, w, sizeof w);
    fail_msg("\"%s\" after %lld: %lld (%s), want %lld (%s)", spec, (long long)after,
             (long long)got, g, (long long)want, w);
  }
}

/* A chain of occurrences: want[0] after `after`, want[1] after want[0]... */
static void expect_chain(const char *spec, int64_t after, const int64_t *want, size_t n) {
  for (size_t i = 0; i < n; i++) {
    expect_next(spec, 0, after, want[i]);
    after = want[i];
  }
}

static void test_next_daily(void **state) {
  use_zone("Asia/Shanghai");
  int64_t sun10 = 1795312800; /* Sunday 2026-11-22 10:00 */
  expect_next("09:00", 0, sun10, 1795395600);
  expect_next("09:00", 0, 1795309199, 1795309200); /* 08:59:59 → 09:00 today */
  expect_next("09:00", 0, 1795309200, 1795395600); /* strictly after */
  expect_next("09:00:30", 0, 1795309200, 1795309230);
  expect_next("09:00:30", 0, 1795309230, 1795395630);
  expect_next("10:00", 0, sun10 - 1, sun10);
  expect_next("10:01", 0, sun10, sun10 + 60);
  /* Friday 09:00 → Monday 09:00 */
  expect_next("mon-fri 09:00", 0, 1795741200, 1796000400);
  expect_next("mon-fri 09:00", 0, 1795741199, 1795741200);
  expect_next("sat,sun 10:30", 0, 1795833000, 1795919400); /* Sat → Sun */
  expect_next("sat 20:00", 0, sun10, 1795867200);
  expect_next("sat 20:00", 0, 1795867200, 1795867200 + 7 * 86400);
  /* year end */
  expect_next("23:59", 0, 1798732740, 1798819140);
  expect_next("00:00", 0, 1798732740, 1798732800);
  expect_next("fri 00:00", 0, 1798731000, 1798732800);
}

static void test_next_cron(void **state) {
  use_zone("Asia/Shanghai");
  int64_t sun10 = 1795312800;
  expect_next("0 0 * * *", 0, 1798732740, 1798732800);       /* Dec 31 23:59 → Jan 1 */
  expect_next("0 0 1 1 *", 0, 1767196800, 1798732800);       /* a year on */
  expect_next("59 23 31 12 *", 0, 1767196800, 1798732740);
  expect_next("0,30 * * * *", 0, sun10, sun10 + 1800);
  expect_next("*/15 9-10 * * *", 0, 1795315800, 1795395600); /* 10:50 → 09:00 tomorrow */
  expect_next("*/15 9-10 * * *", 0, 1795315499, 1795315500); /* 10:44:59 → 10:45 */
  expect_next("* * * * *", 0, sun10, sun10 + 60);
  expect_next("* * * * *", 0, sun10 + 1, sun10 + 60);
  expect_next("0 9 * * 1-5", 0, 1795741200, 1796000400);    /* Fri → Mon */
  /* month ends */
  expect_next("0 0 31 * *", 0, 1769788800, 1774886400);     /* Jan 31 → Mar 31 */
  expect_next("0 0 31 * *", 0, 1774886400, 1780156800);     /* → May 31 */
  expect_next("59 23 30 * *", 0, 1769788800, 1774886340);   /* Jan 31 → Mar 30 23:59 */
  expect_next("0 0 1 * *", 0, 1769832000, 1769875200);      /* Jan 31 12:00 → Feb 1 */
  /* leap years */
  expect_next("0 0 29 2 *", 0, 1772294400, 1835366400);     /* 2026-03-01 → 2028-02-29 */
  expect_next("0 0 29 2 *", 0, 1835366400, 1961596800);     /* → 2032-02-29 */
  expect_next("0 0 29 feb *", 0, 1772294400, 1835366400);
  expect_next("0 0 29 2 *", 0, 3981369600, -1);             /* 2096 → 2104: past 5 years */
  expect_next("0 0 30 2 *", 0, 1772294400, -1);
  expect_next("0 0 31 4,6,9,11 *", 0, 1772294400, -1);
  /* Vixie: both restricted → either; one "*" → both */
  static const int64_t fri_or_13[] = {1793894400, 1794499200, 1795104000, 1795708800,
                                      1796313600, 1796918400, 1797091200, 1797523200};
  expect_chain("0 0 13 * 5", 1793462400 /* 2026-11-01 00:00 */, fri_or_13, 8);
  static const int64_t first_week_or_mon[] = {1796054400, 1796140800, 1796227200, 1796313600,
                                              1796400000, 1796486400, 1796572800, 1797177600,
                                              1797782400, 1798387200};
  expect_chain("0 0 1-7 * mon", 1795968000 /* 2026-11-30 00:00 */, first_week_or_mon, 10);
  static const int64_t star_and_mon[] = {1778428800, 1780243200, 1788105600, 1789920000};
  expect_chain("0 0 */10 * 1", 1767196800 /* 2026-01-01 00:00 */, star_and_mon, 4);
}

static void test_next_every(void **state) {
  use_zone("Asia/Shanghai");
  int64_t anchor = 1795313233; /* 2026-11-22 10:07:13 */
  expect_next("every 30m", anchor, anchor, anchor + 1800);
  expect_next("every 30m", anchor, anchor + 1799, anchor + 1800);
  expect_next("every 30m", anchor, anchor + 1800, anchor + 3600);
  expect_next("every 30m", anchor, anchor + 100000, anchor + 100800);
  expect_next("every 30m", anchor, anchor - 1, anchor);     /* never before the anchor */
  expect_next("every 30m", anchor, anchor - 5000, anchor);
  expect_next("every 5s", anchor, anchor + 12, anchor + 15);
  expect_next("every 1h30m", anchor, anchor + 5400 * 3 - 1, anchor + 5400 * 3);
  expect_next("every 1s", 0, INT64_MAX - 1, INT64_MAX);
  expect_next("every 1d", 0, INT64_MAX - 1, -1);           /* no room left */
  /* elapsed time, not wall time: across New York's spring gap */
  use_zone("America/New_York");
  expect_next("every 1h", 1772946000, 1772949600, 1772953200); /* 01:00 EST → 03:00 EDT */
  use_zone("Asia/Shanghai");
}

static void test_next_dst(void **state) {
  use_zone("America/New_York");
  /* daily at a skipped time: fires at the gap's end, once */
  expect_next("02:30", 0, 1772870400, 1772953200);          /* Sat 03:00 → Sun 03:00 EDT */
  expect_next("02:30", 0, 1772953200, 1773037800);          /* → Mon 02:30 EDT */
  expect_next("sun 02:30", 0, 1772870400, 1772953200);
  expect_next("02:00", 0, 1772870400, 1772953200);
  expect_next("03:00", 0, 1772870400, 1772953200);
  expect_next("03:00", 0, 1772953200, 1772953200 + 86400);
  /* daily at a repeated time: fires once, at the first */
  expect_next("01:30", 0, 1793505600, 1793511000);          /* 00:00 EDT → 01:30 EDT */
  expect_next("01:30", 0, 1793511000, 1793601000);          /* → Mon 01:30 EST */
  expect_next("01:30", 0, 1793514600, 1793601000);          /* from 01:30 EST itself */
  /* hourly cron over the gap: 02:30 is folded into 03:00 */
  static const int64_t gap[] = {1772947800, 1772951400, 1772953200, 1772955000};
  expect_chain("30 * * * *", 1772946000, gap, 4);
  /* ... and over the fold: 01:30 once */
  static const int64_t fold[] = {1793507400, 1793511000, 1793518200};
  expect_chain("30 * * * *", 1793505600, fold, 3);
  /* every 20 minutes over the gap: 02:00, 02:20, 02:40 all are 03:00 */
  static const int64_t gap20[] = {1772952000, 1772953200, 1772954400};
  expect_chain("*/20 * * * *", 1772950800, gap20, 3);

  use_zone("America/Santiago"); /* 2026-09-06 00:00 does not exist */
  expect_next("00:30", 0, 1788663600, 1788667200); /* from Sep 5 23:00 */
  expect_next("0 0 6 9 *", 0, 1788580800, 1788667200);
  use_zone("Pacific/Apia"); /* 2011-12-30 does not exist */
  expect_next("12:00", 0, 1325239140, 1325239200);
  expect_next("0 12 30 12 *", 0, 1325239140, 1325239200);
  use_zone("Asia/Shanghai");
}

static void test_next_bad_spec(void **state) {
  use_zone("Asia/Shanghai");
  struct qun_spec sp = parse_ok("0 9 * * *");
  sp.minutes = 0;
  assert_int_equal(qun_spec_next(&sp, 0, 1795312800), -1);
  sp = parse_ok("0 9 * * *");
  sp.hours = 0;
  assert_int_equal(qun_spec_next(&sp, 0, 1795312800), -1);
  sp = parse_ok("0 9 * * *");
  sp.months = 0;
  assert_int_equal(qun_spec_next(&sp, 0, 1795312800), -1);
  sp = parse_ok("every 5s");
  sp.every = 0;
  assert_int_equal(qun_spec_next(&sp, 0, 1795312800), -1);
  sp = parse_ok("09:00");
  sp.second = 60;
  assert_int_equal(qun_spec_next(&sp, 0, 1795312800), -1);
}

/* ---- specs: properties over random specs ---- */

static char *put(char *p, const char *s) {
  size_t n = strlen(s);
  memcpy(p, s, n + 1);
  return p + n;
}

/* One random cron field item over lo..hi, with names sometimes. */
static char *cron_item(char *p, int lo, int hi, const char *const *names) {
  char tmp[32];
  int a = (int)rnd_in(lo, hi), b = (int)rnd_in(a, hi);
  const char *na = names && rnd() % 3 == 0 ? names[a - lo] : NULL;
  const char *nb = names && rnd() % 3 == 0 ? names[b - lo] : NULL;
  switch (rnd() % 6) {
  case 0: return put(p, "*");
  case 1: snprintf(tmp, sizeof tmp, "*/%d", (int)rnd_in(1, hi > 12 ? 20 : hi)); return put(p, tmp);
  case 2:
  case 3:
    if (na)
      return put(p, na);
    snprintf(tmp, sizeof tmp, "%d", a);
    return put(p, tmp);
  case 4:
    if (na && nb)
      snprintf(tmp, sizeof tmp, "%s-%s", na, nb);
    else
      snprintf(tmp, sizeof tmp, "%d-%d", a, b);
    return put(p, tmp);
  default:
    snprintf(tmp, sizeof tmp, "%d-%d/%d", a, b, (int)rnd_in(1, 7));
    return put(p, tmp);
  }
}

static char *cron_list(char *p, int lo, int hi, const char *const *names) {
  int n = rnd() % 4 == 0 ? (int)rnd_in(2, 3) : 1;
  for (int i = 0; i < n; i++) {
    if (i)
      p = put(p, ",");
    p = cron_item(p, lo, hi, names);
  }
  return p;
}

static void random_spec(char *buf) {
  static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
  static const char *const wdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  static const char *const full[] = {"sunday", "Monday", "TUE", "wednesday", "thu", "Fri", "sat"};
  char *p = buf;
  unsigned kind = rnd() % 20;
  if (kind < 3) { /* every */
    static const char units[] = "dhms";
    p = put(p, "every ");
    int any = 0;
    for (int u = 0; u < 4; u++)
      if (rnd() % 2 || (u == 3 && !any)) {
        p += sprintf(p, "%d%c", (int)rnd_in(1, u == 0 ? 3 : 90), units[u]);
        any = 1;
      }
  } else if (kind < 9) { /* daily */
    if (rnd() % 2) {
      int n = (int)rnd_in(1, 2);
      for (int i = 0; i < n; i++) {
        if (i)
          p = put(p, ",");
        p = put(p, full[rnd() % 7]);
        if (rnd() % 2) {
          p = put(p, "-");
          p = put(p, full[rnd() % 7]);
        }
      }
      p = put(p, " ");
    }
    p += sprintf(p, "%02d:%02d", (int)rnd_in(0, 23), (int)rnd_in(0, 59));
    if (rnd() % 4 == 0)
      p += sprintf(p, ":%02d", (int)rnd_in(0, 59));
  } else { /* cron; sometimes with rare days (29-31, February) */
    p = cron_list(p, 0, 59, NULL);
    p = put(p, " ");
    p = cron_list(p, 0, 23, NULL);
    p = put(p, " ");
    if (rnd() % 8 == 0)
      p += sprintf(p, "%d", (int)rnd_in(28, 31));
    else
      p = cron_list(p, 1, 31, NULL);
    p = put(p, " ");
    if (rnd() % 8 == 0)
      p = put(p, rnd() % 2 ? "2" : "feb");
    else
      p = cron_list(p, 1, 12, months);
    p = put(p, " ");
    p = cron_list(p, 0, 7, wdays);
  }
}

/* The spec read independently of qun_spec_next: local fields against the
 * bit sets, with the Vixie day rule. */
static int day_ok(const struct qun_spec *sp, int mon, int mday, int wday) {
  if (!(sp->months & BIT(mon)))
    return 0;
  int md = !!(sp->mdays & BIT(mday)), wd = !!(sp->wdays & BIT(wday));
  return (sp->mday_any || sp->wday_any) ? md && wd : md || wd;
}

static int clock_ok(const struct qun_spec *sp, int h, int m, int s) {
  return (sp->hours & BIT(h)) && (sp->minutes & BIT(m)) &&
         s == (sp->kind == QUN_SPEC_DAILY ? sp->second : 0);
}

static int matches(const struct qun_spec *sp, const struct tm *tm) {
  return day_ok(sp, tm->tm_mon + 1, tm->tm_mday, tm->tm_wday) &&
         clock_ok(sp, tm->tm_hour, tm->tm_min, tm->tm_sec);
}

/* Shanghai has been UTC+8 without DST since 1991: local fields by plain
 * arithmetic, independent of tz.c. */
#define SH_OFF 28800
static void sh_local(int64_t t, struct tm *tm) {
  time_t w = (time_t)(t + SH_OFF);
  gmtime_r(&w, tm);
}

/* The calendar, stepped by hand (gmtime_r per day is the slow part). */
static void next_day(struct tm *tm) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y = tm->tm_year + 1900, leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  tm->tm_wday = (tm->tm_wday + 1) % 7;
  if (++tm->tm_mday > dm[tm->tm_mon] + (tm->tm_mon == 1 && leap)) {
    tm->tm_mday = 1;
    if (++tm->tm_mon == 12) {
      tm->tm_mon = 0;
      tm->tm_year++;
    }
  }
}

/* Is there a match with local second-of-day in (from, to) on this day? */
static int match_within_day(const struct qun_spec *sp, const struct tm *day, int from, int to) {
  if (!day_ok(sp, day->tm_mon + 1, day->tm_mday, day->tm_wday))
    return 0;
  int sec = sp->kind == QUN_SPEC_DAILY ? sp->second : 0;
  for (int h = 0; h < 24; h++)
    for (int m = 0; m < 60; m++) {
      int x = h * 3600 + m * 60 + sec;
      if (x > from && x < to && clock_ok(sp, h, m, sec))
        return 1;
    }
  return 0;
}

static void check_calendar(const char *text, const struct qun_spec *sp, int64_t after, int64_t r) {
  struct tm a, tm;
  sh_local(after, &a);
  int64_t day0 = (after + SH_OFF) / 86400, day_r;
  int tod_a = (int)((after + SH_OFF) % 86400);
  if (r < 0) {
    /* nothing within 5 years: not one matching day, save maybe the rest of today */
    tm = a;
    for (int64_t d = day0 + 1; d <= day0 + 5 * 365; d++) {
      next_day(&tm);
      if (day_ok(sp, tm.tm_mon + 1, tm.tm_mday, tm.tm_wday))
        fail_msg("\"%s\" after %lld: -1, but day %lld matches", text, (long long)after,
                 (long long)d);
    }
    return;
  }
  if (r <= after)
    fail_msg("\"%s\" after %lld: %lld is not later", text, (long long)after, (long long)r);
  sh_local(r, &tm);
  if (!matches(sp, &tm))
    fail_msg("\"%s\" after %lld: %lld does not match", text, (long long)after, (long long)r);
  struct qun_spec copy = *sp;
  if (qun_spec_next(&copy, 0, r - 1) != r)
    fail_msg("\"%s\": next(%lld - 1) is not %lld", text, (long long)r, (long long)r);
  /* Nothing matches in between: the rest of after's day, every day
   * strictly between, and r's day up to r. */
  day_r = (r + SH_OFF) / 86400;
  int tod_r = (int)((r + SH_OFF) % 86400);
  if (day_r == day0) {
    if (match_within_day(sp, &a, tod_a, tod_r))
      fail_msg("\"%s\" after %lld: skipped a match before %lld", text, (long long)after, (long long)r);
    return;
  }
  if (match_within_day(sp, &a, tod_a, 86400))
    fail_msg("\"%s\" after %lld: skipped a match that day", text, (long long)after);
  tm = a;
  for (int64_t d = day0 + 1; d < day_r; d++) {
    next_day(&tm);
    if (day_ok(sp, tm.tm_mon + 1, tm.tm_mday, tm.tm_wday))
      fail_msg("\"%s\" after %lld: skipped day %lld", text, (long long)after, (long long)d);
  }
  sh_local(r, &tm);
  if (match_within_day(sp, &tm, -1, tod_r))
    fail_msg("\"%s\" after %lld: skipped a match on %lld's day", text, (long long)after, (long long)r);
}

static void test_next_property_shanghai(void **state) {
  use_zone("Asia/Shanghai");
  rng_state = 0xC0FFEE1234567ULL;
  char text[128];
  int never = 0;
  for (int i = 0; i < 10000; i++) {
    random_spec(text);
    struct qun_spec sp;
    int rc = qun_spec_parse(text, &sp);
    if (rc != 0)
      fail_msg("random spec \"%s\": %d", text, rc);
    for (int j = 0; j < 2; j++) {
      /* 2020..2035, often on a minute or day boundary */
      int64_t after = rnd_in(1577808000, 2051193600);
      if (rnd() % 3 == 0)
        after -= after % 60;
      if (rnd() % 5 == 0)
        after -= (after + SH_OFF) % 86400;
      if (sp.kind == QUN_SPEC_EVERY) {
        int64_t anchor = after - rnd_in(-86400, 86400 * 30);
        int64_t r = qun_spec_next(&sp, anchor, after);
        assert_true(r > after);
        assert_true(r >= anchor);
        assert_int_equal((r - anchor) % sp.every, 0);
        assert_true(r == anchor || r - sp.every <= after);
        continue;
      }
      int64_t r = qun_spec_next(&sp, 0, after);
      never += r < 0;
      check_calendar(text, &sp, after, r);
    }
  }
  /* the generator does make impossible specs ("* * 30 feb *") */
  assert_true(never > 0);
}

/* New York, around its DST changes: every result is later than `after`,
 * matches the spec in local time or is the end of a gap that swallowed a
 * match, and no first-pass matching minute or swallowed match lies between
 * `after` and it. */
static int gap_swallows_match(const struct qun_spec *sp, int64_t t) {
  /* t starts a gap when the offset grows there; its skipped walls are
   * [wall(t - 1) + 1, wall(t)) */
  int o0 = qun_tz_offset(t - 1), o1 = qun_tz_offset(t);
  if (o1 <= o0)
    return 0;
  for (int64_t w = t - 1 + o0 + 1; w < t + o1; w++) {
    time_t tw = (time_t)w;
    struct tm tm;
    gmtime_r(&tw, &tm);
    if (matches(sp, &tm))
      return 1;
  }
  return 0;
}

static void test_next_property_new_york(void **state) {
  use_zone("America/New_York");
  static const int64_t changes[] = {1772953200, 1793512800, 1805007600, 1825567200,
                                    1836457200, 1857016800, 1867906800, 1888466400};
  rng_state = 0xDEADBEEF;
  char text[128];
  for (int i = 0; i < 1500; i++) {
    random_spec(text);
    struct qun_spec sp;
    assert_int_equal(qun_spec_parse(text, &sp), 0);
    if (sp.kind == QUN_SPEC_EVERY)
      continue;
    if (rnd() % 2) /* crowd the hours around the change */
      sp.hours &= (uint32_t)(BIT(0) | BIT(1) | BIT(2) | BIT(3));
    if (!sp.hours)
      sp.hours = (uint32_t)BIT(rnd_in(1, 2));
    int64_t after = changes[rnd() % 8] + rnd_in(-2 * 86400, 3600);
    int64_t r = qun_spec_next(&sp, 0, after);
    if (r < 0)
      continue; /* impossible days: covered in Shanghai */
    if (r <= after)
      fail_msg("\"%s\" after %lld: %lld", text, (long long)after, (long long)r);
    struct tm tm;
    qun_tz_local(r, &tm);
    if (!matches(&sp, &tm) && !gap_swallows_match(&sp, r))
      fail_msg("\"%s\" after %lld: %lld neither matches nor ends a gap", text, (long long)after,
               (long long)r);
    if (qun_spec_next(&sp, 0, r - 1) != r)
      fail_msg("\"%s\": next(%lld - 1) differs", text, (long long)r);
    /* every minute in between (up to 3 days) */
    int sec = sp.kind == QUN_SPEC_DAILY ? sp.second : 0;
    int64_t end = r < after + 3 * 86400 ? r : after + 3 * 86400;
    for (int64_t s = after - after % 60 + sec; s < end; s += 60) {
      if (s <= after)
        continue;
      qun_tz_local(s, &tm);
      /* New York's folds repeat one hour: s is on the second pass when
       * its wall time was also the wall time an hour earlier */
      int first_pass = qun_tz_offset(s - 3600) - (int)tm.tm_gmtoff != 3600;
      if ((matches(&sp, &tm) && first_pass) || (s - sec > after && gap_swallows_match(&sp, s - sec)))
        fail_msg("\"%s\" after %lld: %lld matches before %lld", text, (long long)after,
                 (long long)s, (long long)r);
    }
  }
  use_zone("Asia/Shanghai");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_duration_parse),
      cmocka_unit_test(test_duration_rejects),
      cmocka_unit_test(test_duration_format),
      cmocka_unit_test(test_duration_round_trip),
      cmocka_unit_test(test_duration_format_zh),
      cmocka_unit_test(test_money_parse),
      cmocka_unit_test(test_money_rejects),
      cmocka_unit_test(test_money_format),
      cmocka_unit_test(test_time_absolute),
      cmocka_unit_test(test_time_relative),
      cmocka_unit_test(test_time_rejects),
      cmocka_unit_test(test_time_rfc3339_round_trip),
      cmocka_unit_test(test_spec_parse_daily),
      cmocka_unit_test(test_spec_parse_every),
      cmocka_unit_test(test_spec_parse_cron),
      cmocka_unit_test(test_spec_rejects),
      cmocka_unit_test(test_next_daily),
      cmocka_unit_test(test_next_cron),
      cmocka_unit_test(test_next_every),
      cmocka_unit_test(test_next_dst),
      cmocka_unit_test(test_next_bad_spec),
      cmocka_unit_test(test_next_property_shanghai),
      cmocka_unit_test(test_next_property_new_york),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
