/* test-transcript.c — the `event` line written directly is byte for byte
 * the line built from JSON objects, for every kind of string (quotes,
 * backslashes, control characters, UTF-8, text that is not UTF-8), NULL
 * fields and data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/transcript.h"
#include "core/tz.h"

/* What the event line was before it had a path of its own. */
static char *general(int64_t t_ms, const char *type, const char *member, const char *group,
                     const char *data) {
  json_t *f = json_object();
  json_object_set_new(f, "type", json_string(type));
  json_object_set_new(f, "member", member ? json_string(member) : json_null());
  json_object_set_new(f, "group", group ? json_string(group) : json_null());
  json_t *d = data ? json_loads(data, JSON_DECODE_ANY, NULL) : NULL;
  json_object_set_new(f, "data", d ? d : json_null());
  return qun_transcript_line(t_ms, "event", f);
}

static void same(int64_t t_ms, const char *type, const char *member, const char *group,
                 const char *data) {
  char *want = general(t_ms, type, member, group, data);
  char *got = qun_transcript_event_line(t_ms, type, member, group, data);
  assert_non_null(want);
  assert_non_null(got);
  assert_string_equal(got, want);
  free(want);
  free(got);
}

static void test_event_line(void **state) {
  (void)state;
  assert_int_equal(qun_tz_set("Asia/Shanghai"), 0);
  char *line = qun_transcript_event_line(1795867200000, "checkin", "m1", NULL, NULL);
  assert_string_equal(line, "{\"t\":\"2026-11-28T20:00:00+08:00\",\"ev\":\"event\",\"type\":\"checkin\","
                            "\"member\":\"m1\",\"group\":null,\"data\":null}");
  free(line);
  static const char *const strs[] = {
      "m1", "", "a\"b", "back\\slash", "tab\there", "nl\ncr\r", "\b\f", "\x01\x1f\x7f", "a/b",
      "上海1群", "emoji 😀", "é", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
      "\xe2\x82", "ok\xff", "</script>",
  };
  size_t n = sizeof strs / sizeof strs[0];
  for (size_t i = 0; i < n; i++) {
    same(-1500, strs[i], "m", "g", NULL);
    same(1795867200123, "t", strs[i], NULL, NULL);
    same(1795867200123, "t", NULL, strs[i], NULL);
  }
  static const char *const datas[] = {
      NULL, "{}", "{\"text\":\"早安\",\"n\":1,\"x\":1.5,\"list\":[1,\"two\",null,true]}",
      "{\"b\":2,\"a\":1}", "{ \"spaced\" : [ 1 , 2 ] }", "{\"u\":\"\\u00e9\\u0001\"}", "[1,2]",
      "3", "not json", "{\"nul\":\"\\u0000\"}",
  };
  for (size_t i = 0; i < sizeof datas / sizeof datas[0]; i++)
    same(1795867200000, "purchase", "m9", "g1", datas[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_event_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
