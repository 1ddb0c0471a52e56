/* test-summary.c — summary.json from hand-written transcripts: every line
 * kind with exact numbers and the top-level key order, exact p99 on crafted
 * distributions, tier replay, the red-packet ledger check, aggregate
 * percentiles, bad lines counted and never fatal, and the timeline kept
 * under its bound on large generated transcripts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/summary.h"
#include "sim/timeline.h"

static const char *data_path(const char *name) {
  static char path[1024];
  const char *src = getenv("QUN_SRC");
  snprintf(path, sizeof path, "%s/tests/sim/data/%s", src ? src : ".", name);
  return path;
}

static void feed_file(struct qun_summary *s, const char *name) {
  FILE *f = fopen(data_path(name), "r");
  if (!f)
    fail_msg("cannot open %s", data_path(name));
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) >= 0)
    qun_summary_line(s, line, (size_t)n);
  free(line);
  fclose(f);
}

static json_t *load_json(const char *name) {
  json_error_t e;
  json_t *j = json_load_file(data_path(name), 0, &e);
  if (!j)
    fail_msg("%s:%d: %s", data_path(name), e.line, e.text);
  return j;
}

static void feed(struct qun_summary *s, const char *line) {
  qun_summary_line(s, line, strlen(line));
}

/* The value at a dotted path ("sends.by_channel.wx"). */
static json_t *at(const json_t *o, const char *path) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  json_t *v = (json_t *)o;
  for (char *p = strtok(buf, "."); p && v; p = strtok(NULL, "."))
    v = json_object_get(v, p);
  return v;
}

static void expect_int(const json_t *o, const char *path, long long want) {
  json_t *v = at(o, path);
  if (!json_is_integer(v))
    fail_msg("%s: not an integer", path);
  if (json_integer_value(v) != want)
    fail_msg("%s: %lld, want %lld", path, (long long)json_integer_value(v), want);
}

static void expect_null(const json_t *o, const char *path) {
  json_t *v = at(o, path);
  if (!json_is_null(v))
    fail_msg("%s: not null", path);
}

/* o's compact dump must be exactly want. */
static void expect_dump(const json_t *o, const char *path, const char *want) {
  json_t *v = at(o, path);
  if (!v)
    fail_msg("%s: missing", path);
  char *got = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  if (strcmp(got, want) != 0)
    fail_msg("%s:\n  got  %s\n  want %s", path, got, want);
  free(got);
}

static json_t *basic(json_t **timeline) {
  struct qun_summary *s = qun_summary_new();
  assert_non_null(s);
  feed_file(s, "basic.jsonl");
  json_t *facts = load_json("basic.facts.json");
  json_t *sum = qun_summary_finish(s, facts, timeline);
  json_decref(facts);
  assert_non_null(sum);
  return sum;
}

/* ---- every line kind ---- */

static void test_basic(void **state) {
  (void)state;
  json_t *sum = basic(NULL);
  static const char *const keys[] = {
      "format",    "playbook",  "sim",         "audience", "lines",      "sends",    "targets",
      "deferred",  "dropped",   "lateness",    "events",   "tags",       "tiers",    "conversions",
      "funnel",    "redpackets", "countdown",  "logs",     "errors",     "skipped",  "load",
      "warnings",  "timeline",  "bad_lines"};
  size_t i = 0;
  const char *key;
  json_t *v;
  json_object_foreach(sum, key, v) {
    assert_true(i < sizeof keys / sizeof keys[0]);
    assert_string_equal(key, keys[i]);
    i++;
  }
  assert_int_equal(i, sizeof keys / sizeof keys[0]);

  expect_int(sum, "format", 1);
  expect_dump(sum, "playbook.name", "\"weekend-flash-sale\"");
  expect_int(sum, "sim.seed", 1);
  expect_int(sum, "audience.members", 3);
  expect_dump(sum, "lines",
              "{\"total\":55,\"first\":\"2026-11-25T20:00:00+08:00\",\"last\":\"2026-11-29T20:00:00+08:00\","
              "\"by_ev\":{\"deferred\":1,\"dropped\":2,\"error\":3,\"event\":8,\"future\":1,\"log\":2,"
              "\"redpacket\":7,\"send\":15,\"skipped\":1,\"tag\":4,\"tier\":5}}");
  expect_int(sum, "bad_lines", 6);
  expect_dump(sum, "sends",
              "{\"total\":15,\"by_channel\":{\"ding\":1,\"hook\":4,\"pay\":1,\"wx\":9},"
              "\"by_day\":{\"2026-11-25\":2,\"2026-11-26\":6,\"2026-11-28\":7},"
              "\"by_channel_day\":{\"ding\":{\"2026-11-26\":1},\"hook\":{\"2026-11-26\":3,\"2026-11-28\":1},"
              "\"pay\":{\"2026-11-28\":1},\"wx\":{\"2026-11-25\":2,\"2026-11-26\":2,\"2026-11-28\":5}},"
              "\"by_kind\":{\"image\":2,\"link\":1,\"markdown\":1,\"news\":1,\"payout\":1,\"redpacket\":1,"
              "\"text\":8},\"mentions\":1}");
  expect_dump(sum, "targets", "{\"group\":10,\"member\":4,\"other\":1,\"groups\":2,\"members\":3}");
  expect_dump(sum, "deferred", "{\"total\":1,\"by_reason\":{\"quiet_hours\":1}}");
  expect_dump(sum, "dropped",
              "{\"total\":2,\"by_reason\":{\"failed\":1,\"member_cap\":1},\"failed\":[{\"t\":"
              "\"2026-11-26T09:05:00+08:00\",\"to\":\"group:sh-2\",\"job\":\"notice\",\"error\":"
              "\"HTTP 500 from the platform\"}]}");
  expect_dump(sum, "lateness",
              "{\"sends\":15,\"late\":3,\"max_ms\":34200000,\"p50_ms\":0,\"p95_ms\":34200000,"
              "\"p99_ms\":34200000}");
  expect_dump(sum, "events",
              "{\"total\":8,\"by_type\":{\"link.click\":2,\"member.joined\":2,\"pay.click\":1,"
              "\"purchase\":3}}");
  expect_dump(sum, "tags", "{\"added\":{\"VIP\":1,\"新人\":2},\"removed\":{\"新人\":1}}");
  expect_dump(sum, "tiers", "{\"changes\":5,\"members\":2,\"counts\":{\"B\":1,\"S\":1}}");
  expect_dump(sum, "conversions", "{\"audience\":3,\"buyers\":2,\"purchases\":3,\"rate_bp\":6667}");
  expect_dump(sum, "funnel", "{\"reached\":3,\"read\":3,\"clicked\":1,\"paid\":1,\"bought\":2}");
  expect_dump(sum, "redpackets",
              "{\"packets\":2,\"total_fen\":9888,\"claimed_fen\":5700,\"refunded_fen\":4188,"
              "\"claims\":3,\"share\":{\"min_fen\":700,\"max_fen\":3000,\"mean_fen\":1900},"
              "\"ledger_ok\":true,\"problems\":[]}");
  expect_dump(sum, "countdown", "{\"marks\":2,\"sends\":5}");
  expect_dump(sum, "logs", "{\"total\":2}");
  expect_dump(sum, "errors",
              "{\"total\":3,\"by_job\":{\"on:purchase\":1,\"remind\":2},\"first\":["
              "{\"t\":\"2026-11-28T20:05:00+08:00\",\"job\":\"remind\",\"message\":\"x.lua:12: boom\"},"
              "{\"t\":\"2026-11-28T20:06:00+08:00\",\"job\":\"remind\",\"message\":\"x.lua:12: boom\"},"
              "{\"t\":\"2026-11-28T20:07:00+08:00\",\"job\":\"on:purchase\",\"message\":"
              "\"y.lua:3: attempt to index a nil value\"}]}");
  expect_dump(sum, "skipped", "{\"total\":1,\"by_job\":{\"tick\":1}}");
  expect_dump(sum, "load",
              "{\"member_days\":15,\"histogram\":{\"0\":6,\"1\":5,\"2\":3,\"10\":1},\"p50\":1,"
              "\"p95\":10,\"p99\":10,\"max\":10}");
  assert_int_equal(json_array_size(at(sum, "warnings")), 2);
  expect_dump(sum, "timeline", "{\"entries\":19,\"lanes\":2,\"bucket_ms\":3600000,\"truncated\":false}");
  json_decref(sum);
}

/* Lines given as objects add up to the same summary as their text. */
static void test_objects(void **state) {
  (void)state;
  struct qun_summary *s = qun_summary_new();
  FILE *f = fopen(data_path("basic.jsonl"), "r");
  assert_non_null(f);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) >= 0) {
    if (n <= 1)
      continue; /* the blank line: no line either way */
    json_t *l = json_loadb(line, (size_t)n, 0, NULL);
    qun_summary_object(s, l);
    json_decref(l);
  }
  free(line);
  fclose(f);
  json_t *facts = load_json("basic.facts.json");
  json_t *a = qun_summary_finish(s, facts, NULL), *b = basic(NULL);
  json_decref(facts);
  char *da = json_dumps(a, JSON_COMPACT), *db = json_dumps(b, JSON_COMPACT);
  assert_string_equal(da, db);
  free(da);
  free(db);
  json_decref(a);
  json_decref(b);
}

/* Same input, same bytes. */
static void test_stable(void **state) {
  (void)state;
  json_t *a = basic(NULL), *b = basic(NULL);
  char *da = json_dumps(a, JSON_COMPACT), *db = json_dumps(b, JSON_COMPACT);
  assert_string_equal(da, db);
  free(da);
  free(db);
  json_decref(a);
  json_decref(b);
}

static int count_kind(const json_t *tl, const char *kind, int with_count) {
  size_t i;
  json_t *e;
  int n = 0;
  json_array_foreach(tl, i, e) {
    if (strcmp(json_string_value(json_object_get(e, "kind")), kind) == 0 &&
        (json_object_get(e, "count") != NULL) == with_count)
      n++;
  }
  return n;
}

static void test_basic_timeline(void **state) {
  (void)state;
  json_t *tl;
  json_t *sum = basic(&tl);
  assert_int_equal(json_array_size(tl), 19);
  assert_int_equal(count_kind(tl, "window", 0), 1);
  assert_int_equal(count_kind(tl, "send", 0), 5);      /* group sends one by one */
  assert_int_equal(count_kind(tl, "redpacket", 0), 2); /* rp1 sent to sh-1, rp2 never sent */
  assert_int_equal(count_kind(tl, "countdown", 0), 5); /* per occurrence and lane */
  assert_int_equal(count_kind(tl, "send", 1), 4);      /* member sends per lane and hour */
  assert_int_equal(count_kind(tl, "event", 1), 2);     /* purchases per lane and hour */
  size_t i;
  json_t *e;
  int64_t last = INT64_MIN;
  json_array_foreach(tl, i, e) {
    int64_t t = json_integer_value(json_object_get(e, "t"));
    assert_true(t >= last);
    last = t;
  }
  /* The first entry: the notice to sh-1 at 2026-11-25 20:00 +08:00. */
  expect_dump(json_array_get(tl, 0), "t", "1795608000000");
  expect_dump(json_array_get(tl, 0), "kind", "\"send\"");
  expect_dump(json_array_get(tl, 0), "group", "\"sh-1\"");
  expect_dump(json_array_get(tl, 0), "label", "\"周六晚8点开抢,还有 3 天!\"");
  expect_dump(json_array_get(tl, 0), "to", "\"group:sh-1\"");
  /* The window, then the countdown marks of 21:00: the log's, sh-1's, sh-2's. */
  int found = 0;
  json_array_foreach(tl, i, e) {
    if (strcmp(json_string_value(json_object_get(e, "kind")), "window") == 0) {
      expect_dump(e, "end", "1795874400000");
      expect_dump(e, "label", "\"限时抢购 flash sale\"");
      found++;
    }
    if (json_object_get(e, "count") && json_is_null(json_object_get(e, "group")) &&
        strcmp(json_string_value(json_object_get(e, "kind")), "send") == 0) {
      /* m3 has no known group: the no-group lane, 08:00-09:00 on the 26th */
      expect_dump(e, "t", "1795651200000");
      expect_dump(e, "count", "1");
      expect_dump(e, "end", "1795654800000");
      found++;
    }
  }
  assert_int_equal(found, 2);
  json_decref(tl);
  json_decref(sum);
}

/* ---- lateness: exact nearest rank ---- */

static json_t *lateness_of(const int64_t *v, size_t n) {
  struct qun_summary *s = qun_summary_new();
  char line[512];
  for (size_t i = 0; i < n; i++) {
    snprintf(line, sizeof line,
             "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"send\",\"channel\":\"wx\",\"to\":\"group:g1\","
             "\"msg\":{\"text\":\"x\"},\"job\":\"j\",\"due\":\"2026-11-28T20:00:00+08:00\",\"late_ms\":%lld}",
             (long long)v[i]);
    feed(s, line);
  }
  json_t *sum = qun_summary_finish(s, NULL, NULL);
  json_t *l = json_incref(json_object_get(sum, "lateness"));
  json_decref(sum);
  return l;
}

static void test_p99(void **state) {
  (void)state;
  int64_t v[2000];
  /* 1..1000 shuffled: p50 500, p95 950, p99 990 */
  for (int i = 0; i < 1000; i++)
    v[i] = (i * 7919) % 1000 + 1;
  json_t *l = lateness_of(v, 1000);
  expect_dump(l, "", "{\"sends\":1000,\"late\":1000,\"max_ms\":1000,\"p50_ms\":500,\"p95_ms\":950,"
                     "\"p99_ms\":990}");
  json_decref(l);
  /* 100 sends, one slow outlier at rank 99 and a slower one at 100: an
   * interpolating p99 would say 5040; nearest rank says 5000. */
  for (int i = 0; i < 98; i++)
    v[i] = 0;
  v[98] = 9000, v[99] = 5000;
  l = lateness_of(v, 100);
  expect_dump(l, "", "{\"sends\":100,\"late\":2,\"max_ms\":9000,\"p50_ms\":0,\"p95_ms\":0,\"p99_ms\":5000}");
  json_decref(l);
  /* 101 sends: rank ⌈99.99⌉ = 100 falls on the first of the two slow ones. */
  for (int i = 0; i < 99; i++)
    v[i] = 10;
  v[99] = 7000, v[100] = 7001;
  l = lateness_of(v, 101);
  expect_dump(l, "", "{\"sends\":101,\"late\":101,\"max_ms\":7001,\"p50_ms\":10,\"p95_ms\":10,"
                     "\"p99_ms\":7000}");
  json_decref(l);
  /* 2000 sends with 1 999 distinct values, negatives (early) included. */
  for (int i = 0; i < 2000; i++)
    v[i] = 1000 - i % 1999;
  l = lateness_of(v, 2000);
  /* sorted: -998 … 1000 with 1000 twice; rank 1000 → 1, rank 1900 → 901, rank 1980 → 981 */
  expect_dump(l, "", "{\"sends\":2000,\"late\":1001,\"max_ms\":1000,\"p50_ms\":1,\"p95_ms\":901,"
                     "\"p99_ms\":981}");
  json_decref(l);
  /* One send; none. */
  v[0] = 42;
  l = lateness_of(v, 1);
  expect_dump(l, "", "{\"sends\":1,\"late\":1,\"max_ms\":42,\"p50_ms\":42,\"p95_ms\":42,\"p99_ms\":42}");
  json_decref(l);
  l = lateness_of(v, 0);
  expect_dump(l, "", "{\"sends\":0,\"late\":0,\"max_ms\":null,\"p50_ms\":null,\"p95_ms\":null,"
                     "\"p99_ms\":null}");
  json_decref(l);
}

/* ---- tiers: the last "to" of each member ---- */

static void test_tiers(void **state) {
  (void)state;
  struct qun_summary *s = qun_summary_new();
  static const char *const moves[][3] = {
      {"a", NULL, "B"},  {"b", NULL, "B"}, {"c", NULL, "A"}, {"a", "B", "A"}, {"b", "B", "S"},
      {"a", "A", "A+"},  {"c", "A", NULL}, {"d", NULL, "B"}, {"c", NULL, "S"}, {"d", "B", NULL},
      {"e", NULL, "A+"},
  };
  for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
    char line[300], from[16], to[16];
    snprintf(from, sizeof from, moves[i][1] ? "\"%s\"" : "null", moves[i][1]);
    snprintf(to, sizeof to, moves[i][2] ? "\"%s\"" : "null", moves[i][2]);
    snprintf(line, sizeof line,
             "{\"t\":\"2026-11-28T20:%02zu:00+08:00\",\"ev\":\"tier\",\"member\":\"%s\",\"from\":%s,\"to\":%s}",
             i, moves[i][0], from, to);
    feed(s, line);
  }
  json_t *sum = qun_summary_finish(s, NULL, NULL);
  /* a A+, b S, c S, d none, e A+ */
  expect_dump(sum, "tiers", "{\"changes\":11,\"members\":4,\"counts\":{\"A+\":2,\"S\":2}}");
  expect_int(sum, "bad_lines", 0);
  json_decref(sum);
}

/* ---- red-packet ledger ---- */

static void test_ledger(void **state) {
  (void)state;
  struct qun_summary *s = qun_summary_new();
  feed_file(s, "overdraft.jsonl");
  json_t *sum = qun_summary_finish(s, NULL, NULL);
  expect_dump(sum, "redpackets",
              "{\"packets\":2,\"total_fen\":1500,\"claimed_fen\":1000,\"refunded_fen\":101,"
              "\"claims\":3,\"share\":{\"min_fen\":100,\"max_fen\":600,\"mean_fen\":333},"
              "\"ledger_ok\":false,\"problems\":[\"rp1: claimed 900 + refunded 101 fen > total 1000 fen\"]}");
  json_decref(sum);

  s = qun_summary_new();
  feed_file(s, "ledger.jsonl");
  sum = qun_summary_finish(s, NULL, NULL);
  expect_dump(sum, "redpackets.ledger_ok", "false");
  expect_dump(sum, "redpackets.problems",
              "[\"ghost: a claim of 100 fen before the packet was created\","
              "\"rp3: claimed twice by m1\","
              "\"rp3: a share of 0 fen (every share is at least 1 fen)\","
              "\"rp3: created twice (1000 fen, then 1000 fen)\"]");
  expect_int(sum, "redpackets.packets", 1);
  expect_int(sum, "redpackets.total_fen", 1000);
  expect_int(sum, "redpackets.claimed_fen", 300);
  json_decref(sum);

  /* Exactly the total is fine. */
  s = qun_summary_new();
  feed(s, "{\"t\":\"2026-11-28T19:00:00+08:00\",\"ev\":\"redpacket\",\"op\":\"new\",\"packet\":\"p\",\"member\":null,\"fen\":2}");
  feed(s, "{\"t\":\"2026-11-28T19:00:00+08:00\",\"ev\":\"redpacket\",\"op\":\"claim\",\"packet\":\"p\",\"member\":\"a\",\"fen\":1}");
  feed(s, "{\"t\":\"2026-11-28T19:00:00+08:00\",\"ev\":\"redpacket\",\"op\":\"claim\",\"packet\":\"p\",\"member\":\"b\",\"fen\":1}");
  sum = qun_summary_finish(s, NULL, NULL);
  expect_dump(sum, "redpackets.ledger_ok", "true");
  json_decref(sum);
}

/* ---- several runs ---- */

static json_t *run_summary(int seed, long long buyers, long long spend, long long sends) {
  json_t *j = json_pack("{s:{s:i},s:{s:I},s:{s:I},s:{s:I}}", "sim", "seed", seed, "conversions",
                        "buyers", (json_int_t)buyers, "redpackets", "claimed_fen",
                        (json_int_t)spend, "sends", "total", (json_int_t)sends);
  assert_non_null(j);
  return j;
}

static void test_aggregate(void **state) {
  (void)state;
  json_t *runs[20];
  /* buyers 10, 3, 7, 1, 9, 2, 8, 5, 6, 4 over seeds 1..10 */
  static const long long buyers[] = {10, 3, 7, 1, 9, 2, 8, 5, 6, 4};
  for (int i = 0; i < 10; i++)
    runs[i] = run_summary(i + 1, buyers[i], 100 * buyers[i] + 1, 1000 - buyers[i]);
  json_t *agg = qun_summary_aggregate(runs, 10);
  expect_int(agg, "conversions.buyers", 10); /* the first run's summary */
  expect_dump(agg, "runs.n", "10");
  expect_dump(agg, "runs.seeds", "[1,2,3,4,5,6,7,8,9,10]");
  /* nearest rank over 10: p5 → rank 1, p50 → 5, p95 → 10 */
  expect_dump(agg, "runs.conversions", "{\"p5\":1,\"p50\":5,\"p95\":10}");
  expect_dump(agg, "runs.spend_fen", "{\"p5\":101,\"p50\":501,\"p95\":1001}");
  expect_dump(agg, "runs.sends", "{\"p5\":990,\"p50\":994,\"p95\":999}");
  assert_int_equal(json_array_size(at(agg, "runs.per_run")), 10);
  expect_dump(json_array_get(at(agg, "runs.per_run"), 3), "",
              "{\"seed\":4,\"buyers\":1,\"spend_fen\":101,\"sends\":999}");
  json_decref(agg);
  for (int i = 0; i < 10; i++)
    json_decref(runs[i]);

  /* 20 runs 0..19: p5 rank 1 → 0, p50 rank 10 → 9, p95 rank 19 → 18 */
  for (int i = 0; i < 20; i++)
    runs[i] = run_summary(i, 19 - i, i, i);
  agg = qun_summary_aggregate(runs, 20);
  expect_dump(agg, "runs.conversions", "{\"p5\":0,\"p50\":9,\"p95\":18}");
  json_decref(agg);
  for (int i = 0; i < 20; i++)
    json_decref(runs[i]);

  /* One run; a run without the number is left out. */
  runs[0] = run_summary(7, 3, 0, 0);
  agg = qun_summary_aggregate(runs, 1);
  expect_dump(agg, "runs.conversions", "{\"p5\":3,\"p50\":3,\"p95\":3}");
  json_decref(agg);
  runs[1] = json_pack("{s:{s:i}}", "sim", "seed", 8);
  agg = qun_summary_aggregate(runs, 2);
  expect_dump(agg, "runs.conversions", "{\"p5\":3,\"p50\":3,\"p95\":3}");
  expect_dump(agg, "runs.per_run", "[{\"seed\":7,\"buyers\":3,\"spend_fen\":0,\"sends\":0},"
                                   "{\"seed\":8,\"buyers\":null,\"spend_fen\":null,\"sends\":null}]");
  json_decref(agg);
  json_decref(runs[0]);
  json_decref(runs[1]);
  assert_null(qun_summary_aggregate(runs, 0));
}

/* ---- bad lines ---- */

static void test_bad_lines(void **state) {
  (void)state;
  struct qun_summary *s = qun_summary_new();
  static const char *const bad[] = {
      "{",
      "null",
      "\"send\"",
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":42}",
      "{\"t\":\"2026-11-28 20:00\",\"ev\":\"log\",\"job\":\"j\",\"message\":\"m\"}",  /* no offset */
      "{\"t\":\"2026-02-30T20:00:00+08:00\",\"ev\":\"log\",\"job\":\"j\",\"message\":\"m\"}", /* no such day */
      "{\"t\":\"2026-11-28T24:00:00+08:00\",\"ev\":\"log\",\"job\":\"j\",\"message\":\"m\"}",
      "{\"t\":\"2026-11-28T20:00:00+08:00x\",\"ev\":\"log\",\"job\":\"j\",\"message\":\"m\"}",
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"send\",\"channel\":\"wx\",\"to\":\"group:g\",\"msg\":\"hi\"}",
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"send\",\"channel\":\"wx\",\"to\":\"group:g\",\"msg\":{},\"late_ms\":\"5\"}",
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"redpacket\",\"op\":\"new\",\"packet\":\"p\",\"fen\":1.5}",
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"redpacket\",\"op\":\"steal\",\"packet\":\"p\",\"fen\":1}",
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"event\",\"type\":\"purchase\",\"member\":7}",
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"tier\",\"member\":\"m\",\"to\":1}",
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"deferred\",\"to\":\"member:m\"}",
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"error\",\"message\":\"no job\"}",
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"skipped\"}",
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"log\",\"job\":\"j\",\"message\":\"\xff\xfe\"}", /* not UTF-8 */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    feed(s, bad[i]);
  /* A NUL inside, a truncated line, whitespace only (not a line), a huge one. */
  qun_summary_line(s, "{\"t\":\"x\0\"}", 10);
  qun_summary_line(s, "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"log\"", 20);
  feed(s, "  \t\r\n");
  size_t n = 1 << 20;
  char *huge = malloc(n + 1);
  memset(huge, '[', n);
  huge[n] = 0;
  qun_summary_line(s, huge, n);
  free(huge);
  /* Good ones still count, with fractions, Z, lower case t and a leap second. */
  feed(s, "{\"t\":\"2026-11-28T20:00:00.250+08:00\",\"ev\":\"log\",\"job\":\"j\",\"due\":null,\"message\":\"m\"}");
  feed(s, "{\"t\":\"2026-11-28t12:00:00Z\",\"ev\":\"log\",\"job\":\"j\",\"message\":null}");
  feed(s, "{\"t\":\"2016-12-31T23:59:60Z\",\"ev\":\"skipped\",\"job\":\"j\"}");
  json_t *sum = qun_summary_finish(s, NULL, NULL);
  expect_int(sum, "bad_lines", (long long)(sizeof bad / sizeof bad[0]) + 3);
  expect_int(sum, "lines.total", (long long)(sizeof bad / sizeof bad[0]) + 6);
  expect_int(sum, "logs.total", 2);
  expect_int(sum, "skipped.total", 1);
  expect_dump(sum, "lines.first", "\"2016-12-31T23:59:60Z\"");
  expect_dump(sum, "lines.last", "\"2026-11-28T20:00:00.250+08:00\"");
  expect_int(sum, "sends.total", 0);
  expect_int(sum, "redpackets.packets", 0);
  expect_null(sum, "conversions.audience");
  expect_null(sum, "conversions.rate_bp");
  expect_null(sum, "funnel.reached");
  expect_null(sum, "load");
  expect_null(sum, "playbook");
  expect_dump(sum, "warnings", "[]");
  json_decref(sum);
}

/* Nothing at all, no facts: a complete object of zeros and nulls. */
static void test_empty(void **state) {
  (void)state;
  json_t *tl;
  json_t *sum = qun_summary_finish(qun_summary_new(), NULL, &tl);
  expect_int(sum, "sends.total", 0);
  expect_null(sum, "lines.first");
  expect_null(sum, "redpackets.share.mean_fen");
  expect_dump(sum, "redpackets.ledger_ok", "true");
  expect_dump(sum, "timeline", "{\"entries\":0,\"lanes\":0,\"bucket_ms\":3600000,\"truncated\":false}");
  assert_int_equal(json_array_size(tl), 0);
  json_decref(tl);
  json_decref(sum);
  assert_null(qun_summary_finish(NULL, NULL, &tl));
  assert_null(tl);
  qun_summary_free(qun_summary_new()); /* abandoned midway */
}

/* ---- the timeline stays bounded ---- */

static int64_t counted(const json_t *tl, const char *kind) {
  size_t i;
  json_t *e;
  int64_t n = 0;
  json_array_foreach(tl, i, e) if (strcmp(json_string_value(json_object_get(e, "kind")), kind) == 0)
      n += json_integer_value(json_object_get(e, "count"));
  return n;
}

static void stamp(char *buf, size_t n, int64_t secs) { /* +08:00, from 2026-11-23 00:00 local */
  int64_t d = secs / 86400, r = secs % 86400;
  snprintf(buf, n, "2026-%02d-%02dT%02d:%02d:%02d+08:00", d < 8 ? 11 : 12,
           (int)(d < 8 ? 23 + d : d - 7), (int)(r / 3600), (int)(r / 60 % 60), (int)(r % 60));
}

static void test_timeline_bounded(void **state) {
  (void)state;
  struct qun_summary *s = qun_summary_new();
  char line[512], t[40];
  /* 6 000 members in 600 groups, then 200 000 member sends over 7 days. */
  for (int m = 0; m < 6000; m++) {
    snprintf(line, sizeof line,
             "{\"t\":\"2026-11-23T00:00:00+08:00\",\"ev\":\"event\",\"type\":\"member.joined\","
             "\"member\":\"m%d\",\"group\":\"g%d\",\"data\":null}",
             m, m % 600);
    feed(s, line);
  }
  for (int i = 0; i < 200000; i++) {
    stamp(t, sizeof t, (int64_t)i * 7 * 86400 / 200000);
    snprintf(line, sizeof line,
             "{\"t\":\"%s\",\"ev\":\"send\",\"channel\":\"hook\",\"to\":\"member:m%d\",\"msg\":{\"text\":"
             "\"hi\"},\"job\":\"remind\",\"due\":\"%s\",\"late_ms\":%d}",
             t, (i * 7) % 6000, t, i % 1000);
    feed(s, line);
  }
  json_t *tl;
  json_t *sum = qun_summary_finish(s, NULL, &tl);
  expect_int(sum, "sends.total", 200000);
  expect_int(sum, "lateness.p99_ms", 989);
  assert_true(json_array_size(tl) <= QUN_TIMELINE_MAX);
  assert_true(json_array_size(tl) > 0);
  assert_int_equal(counted(tl, "send"), 200000); /* every send is in some bucket */
  expect_int(sum, "timeline.lanes", 600);
  expect_dump(sum, "timeline.truncated", "false");
  assert_true(json_integer_value(at(sum, "timeline.bucket_ms")) > 3600000);
  json_decref(tl);
  json_decref(sum);

  /* 5 000 group sends: past QUN_TIMELINE_SENDS they are drawn as volumes. */
  s = qun_summary_new();
  for (int i = 0; i < 5000; i++) {
    stamp(t, sizeof t, (int64_t)i * 120);
    snprintf(line, sizeof line,
             "{\"t\":\"%s\",\"ev\":\"send\",\"channel\":\"wx\",\"to\":\"group:g%d\",\"msg\":{\"text\":"
             "\"hi\"},\"job\":\"tick\",\"due\":\"%s\",\"late_ms\":0}",
             t, i % 10, t);
    feed(s, line);
  }
  sum = qun_summary_finish(s, NULL, &tl);
  assert_true(json_array_size(tl) <= QUN_TIMELINE_MAX);
  assert_int_equal(count_kind(tl, "send", 0), 0);
  assert_int_equal(counted(tl, "send"), 5000);
  json_decref(tl);
  json_decref(sum);

  /* A year over 2 000 groups: even weekly volumes do not fit; the busiest
   * lanes do, and the summary says so. */
  s = qun_summary_new();
  for (int m = 0; m < 2000; m++) {
    snprintf(line, sizeof line,
             "{\"t\":\"2026-01-01T00:00:00+08:00\",\"ev\":\"event\",\"type\":\"member.joined\","
             "\"member\":\"m%d\",\"group\":\"g%04d\",\"data\":null}",
             m, m);
    feed(s, line);
  }
  for (int d = 0; d < 365; d += 3)
    for (int m = 0; m < 2000; m++) {
      snprintf(line, sizeof line,
               "{\"t\":\"2026-%02d-%02dT10:00:00+08:00\",\"ev\":\"send\",\"channel\":\"hook\",\"to\":"
               "\"member:m%d\",\"msg\":{\"text\":\"hi\"},\"job\":\"daily\",\"due\":null,\"late_ms\":0}",
               d / 28 + 1, d % 28 + 1, m);
      if (d / 28 + 1 <= 12)
        feed(s, line);
    }
  sum = qun_summary_finish(s, NULL, &tl);
  assert_true(json_array_size(tl) <= QUN_TIMELINE_MAX);
  assert_true(json_array_size(tl) > QUN_TIMELINE_MAX / 2);
  expect_dump(sum, "timeline.truncated", "true");
  expect_int(sum, "timeline.bucket_ms", 168 * 3600000LL);
  json_decref(tl);
  json_decref(sum);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic),       cmocka_unit_test(test_stable),
      cmocka_unit_test(test_objects),
      cmocka_unit_test(test_basic_timeline), cmocka_unit_test(test_p99),
      cmocka_unit_test(test_tiers),       cmocka_unit_test(test_ledger),
      cmocka_unit_test(test_aggregate),   cmocka_unit_test(test_bad_lines),
      cmocka_unit_test(test_empty),       cmocka_unit_test(test_timeline_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
