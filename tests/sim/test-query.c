/* test-query.c — the filters of a playbook test's queries: the time
 * window is half-open, "contains" reads a send's words (text, markdown,
 * link and news titles and descriptions) and not its URLs, and every
 * string of any other line; "to" is exact or a prefix; top-level fields
 * match by type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/timespec.h"
#include "core/tz.h"
#include "sim/query.h"

static json_t *line(const char *text) {
  json_error_t e;
  json_t *j = json_loads(text, 0, &e);
  if (!j)
    fail_msg("%s: %s", text, e.text);
  return j;
}

static int64_t at(const char *s) {
  int64_t t;
  assert_int_equal(qun_time_parse(s, 0, &t), 0);
  return t;
}

static int matches(const struct qun_query *q, const char *text) {
  json_t *j = line(text);
  int64_t t = 0;
  qun_query_time(j, &t);
  int m = qun_query_match(q, j, t);
  json_decref(j);
  return m;
}

#define SEND_AT(t) "{\"t\":\"" t "\",\"ev\":\"send\",\"to\":\"group:sh-1\",\"msg\":{\"text\":\"hi\"}}"

static void test_time(void **state) {
  (void)state;
  int64_t t = -1;
  json_t *j = line(SEND_AT("2026-11-25T20:00:00+08:00"));
  assert_int_equal(qun_query_time(j, &t), 0);
  assert_int_equal(t, at("2026-11-25 20:00"));
  json_decref(j);
  j = line("{\"ev\":\"send\"}");
  assert_int_equal(qun_query_time(j, &t), -1);
  json_decref(j);
  j = line("{\"t\":\"Wednesday\"}");
  assert_int_equal(qun_query_time(j, &t), -1);
  json_decref(j);
}

static void test_between_is_half_open(void **state) {
  (void)state;
  struct qun_query q = {.has_from = 1, .from = at("2026-11-25 00:00"), .has_until = 1,
                        .until = at("2026-11-26 00:00")};
  assert_true(matches(&q, SEND_AT("2026-11-25T00:00:00+08:00")));   /* from: in */
  assert_true(matches(&q, SEND_AT("2026-11-25T23:59:59+08:00")));
  assert_false(matches(&q, SEND_AT("2026-11-26T00:00:00+08:00")));  /* to: out */
  assert_false(matches(&q, SEND_AT("2026-11-24T23:59:59+08:00")));
  /* Another offset, the same instant. */
  assert_true(matches(&q, SEND_AT("2026-11-24T16:00:00Z")));
  assert_false(matches(&q, SEND_AT("2026-11-25T16:00:00Z")));
  /* One bound only. */
  struct qun_query from = {.has_from = 1, .from = at("2026-11-25 00:00")};
  assert_true(matches(&from, SEND_AT("2030-01-01T00:00:00+08:00")));
  assert_false(matches(&from, SEND_AT("2026-11-24T23:59:59+08:00")));
  struct qun_query until = {.has_until = 1, .until = at("2026-11-25 00:00")};
  assert_true(matches(&until, SEND_AT("2026-11-24T23:59:59+08:00")));
  assert_false(matches(&until, SEND_AT("2026-11-25T00:00:00+08:00")));
}

static void test_contains_reads_words_not_urls(void **state) {
  (void)state;
  static const char *const md =
      "{\"t\":\"2026-11-27T19:00:00+08:00\",\"ev\":\"send\",\"to\":\"group:sh-1\","
      "\"msg\":{\"markdown\":\"**红包雨** 一小时后开始\",\"mention\":[\"m1\"]},\"job\":\"rain\"}";
  static const char *const link =
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"send\",\"to\":\"group:sh-1\",\"msg\":{\"link\":"
      "{\"title\":\"限时抢购开始\",\"description\":\"只有两小时\",\"url\":\"https://shop.example/sale\"}}}";
  static const char *const news =
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"send\",\"to\":\"group:sh-1\",\"msg\":{\"news\":["
      "{\"title\":\"A 款\",\"url\":\"https://a.example/\"},{\"title\":\"B 款\",\"description\":\"第二件半价\","
      "\"url\":\"https://b.example/\",\"picture\":\"https://b.example/b.png\"}]}}";
  static const char *const image =
      "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"send\",\"to\":\"group:sh-1\","
      "\"msg\":{\"image\":{\"path\":\"/srv/poster.png\"}},\"job\":\"poster\"}";
  struct qun_query q = {.contains = "红包雨"};
  assert_true(matches(&q, md));
  q.contains = "**红包";
  assert_true(matches(&q, md));     /* the markdown as written */
  q.contains = "m1";
  assert_false(matches(&q, md));    /* not the mentions */
  q.contains = "rain";
  assert_false(matches(&q, md));    /* not the job: only what the message says */
  q.contains = "抢购开始";
  assert_true(matches(&q, link));   /* a link card's title */
  q.contains = "两小时";
  assert_true(matches(&q, link));   /* and description */
  q.contains = "shop.example";
  assert_false(matches(&q, link));  /* not its URL */
  q.contains = "B 款";
  assert_true(matches(&q, news));   /* every news card */
  q.contains = "半价";
  assert_true(matches(&q, news));
  q.contains = "b.png";
  assert_false(matches(&q, news));
  q.contains = "poster";
  assert_false(matches(&q, image)); /* an image says nothing */
  q.contains = "";
  assert_true(matches(&q, md));
  assert_false(matches(&q, image));
}

static void test_contains_on_other_lines(void **state) {
  (void)state;
  static const char *const err =
      "{\"t\":\"2026-11-23T09:01:00+08:00\",\"ev\":\"error\",\"job\":\"two\",\"message\":\"x.lua:10: send: boom\"}";
  static const char *const ev =
      "{\"t\":\"2026-11-23T07:42:44+08:00\",\"ev\":\"event\",\"type\":\"consult\",\"member\":\"m0169\","
      "\"group\":\"sh-1\",\"data\":{\"text\":\"这个还有货吗?\",\"n\":[1,\"深处\"]}}";
  static const char *const req =
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"channel\":\"wx\",\"type\":\"wecom\",\"method\":\"POST\","
      "\"url\":\"https://x/send?key=***\",\"headers\":[\"Content-Type: application/json\"],"
      "\"body\":\"{\\\"msgtype\\\":\\\"text\\\"}\"}";
  struct qun_query q = {.contains = "boom"};
  assert_true(matches(&q, err));
  q.contains = "two";
  assert_true(matches(&q, err));   /* any string of the line */
  q.contains = "error";
  assert_false(matches(&q, err));  /* but not its kind */
  q.contains = "2026";
  assert_false(matches(&q, err));  /* nor its time */
  q.contains = "还有货";
  assert_true(matches(&q, ev));    /* event data, at any depth */
  q.contains = "深处";
  assert_true(matches(&q, ev));
  q.contains = "msgtype";
  assert_true(matches(&q, req));   /* a request's body */
  q.contains = "Content-Type";
  assert_true(matches(&q, req));
}

static void test_to_and_fields(void **state) {
  (void)state;
  static const char *const member =
      "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"send\",\"to\":\"member:m1\",\"channel\":\"hook\","
      "\"msg\":{\"text\":\"hi\"},\"late_ms\":0,\"ok\":true,\"ratio\":0.5}";
  struct qun_query q = {.to = "member:m1"};
  assert_true(matches(&q, member));
  q.to = "member:m";
  assert_false(matches(&q, member)); /* exact */
  q.to = "member:";
  assert_true(matches(&q, member));  /* a prefix when it ends in ':' */
  q.to = "group:";
  assert_false(matches(&q, member));
  q.to = "group:sh-1";
  assert_true(matches(&q, SEND_AT("2026-11-23T09:00:00+08:00")));
  assert_false(matches(&q, "{\"t\":\"2026-11-23T09:00:00+08:00\",\"ev\":\"log\"}")); /* no "to" */

  struct qun_query f = {.nfields = 2,
                        .fields = {{.key = "ev", .type = JSON_STRING, .s = "send"},
                                   {.key = "channel", .type = JSON_STRING, .s = "hook"}}};
  assert_true(matches(&f, member));
  f.fields[1].s = "wx";
  assert_false(matches(&f, member));
  f.fields[1] = (struct qun_query_field){.key = "late_ms", .type = JSON_INTEGER, .i = 0};
  assert_true(matches(&f, member));
  f.fields[1].i = 1;
  assert_false(matches(&f, member));
  f.fields[1] = (struct qun_query_field){.key = "ok", .type = JSON_TRUE, .i = 1};
  assert_true(matches(&f, member));
  f.fields[1].i = 0;
  assert_false(matches(&f, member));
  f.fields[1] = (struct qun_query_field){.key = "ratio", .type = JSON_REAL, .n = 0.5};
  assert_true(matches(&f, member));
  f.fields[1] = (struct qun_query_field){.key = "late_ms", .type = JSON_STRING, .s = "0"};
  assert_false(matches(&f, member)); /* a string is not a number */
  f.fields[1] = (struct qun_query_field){.key = "nosuch", .type = JSON_STRING, .s = "x"};
  assert_false(matches(&f, member));
}

static int setup(void **state) {
  (void)state;
  return qun_tz_set("Asia/Shanghai");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_time),
      cmocka_unit_test(test_between_is_half_open),
      cmocka_unit_test(test_contains_reads_words_not_urls),
      cmocka_unit_test(test_contains_on_other_lines),
      cmocka_unit_test(test_to_and_fields),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
