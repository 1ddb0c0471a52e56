/* test-template.c — rendering, escapes, unknown variables, the names a
 * template uses, and random templates against a reference renderer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/template.h"

static int vars(void *ud, const char *name, size_t n, const char **val, size_t *len) {
  (void)ud;
  static const char *const table[][2] = {{"name", "张三"}, {"d", "3"}, {"url", "https://x.example/a?b=1"},
                                         {"empty", ""}, {"left", "2小时"}};
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strlen(table[i][0]) == n && memcmp(table[i][0], name, n) == 0) {
      *val = table[i][1];
      *len = strlen(table[i][1]);
      return 1;
    }
  return 0;
}

static void render_is(const char *tpl, const char *want) {
  char *out, err[128];
  if (qun_template_render(tpl, vars, NULL, &out, err, sizeof err) != 0)
    fail_msg("\"%s\": %s", tpl, err);
  assert_string_equal(out, want);
  free(out);
}

static void test_render(void **s) {
  (void)s;
  render_is("", "");
  render_is("早安", "早安");
  render_is("{name},周六晚8点开抢,还有 {d} 天!", "张三,周六晚8点开抢,还有 3 天!");
  render_is("签到 👉 {url}", "签到 👉 https://x.example/a?b=1");
  render_is("[{empty}]", "[]");
  render_is("{{name}} is written {{name}}", "{name} is written {name}");
  render_is("json {\"a\": 1} and { } and {} and {1x}", "json {\"a\": 1} and { } and {} and {1x}");
  render_is("}{", "}{");
  render_is("{name}{name}", "张三张三");
  render_is("优惠还剩 {left},抓紧!", "优惠还剩 2小时,抓紧!");
}

static void test_unknown(void **s) {
  (void)s;
  char *out = (char *)1, err[128];
  assert_int_equal(qun_template_render("hi {nmae}!", vars, NULL, &out, err, sizeof err), QUN_ENOENT);
  assert_string_equal(err, "no variable 'nmae'");
  assert_null(out);
}

static void collect(void *ud, const char *name, size_t len) {
  char *acc = ud;
  strncat(acc, name, len);
  strcat(acc, ",");
}

static void test_names(void **s) {
  (void)s;
  char acc[256] = "";
  assert_int_equal(qun_template_names("{name} {{x}} {d} {} {url}{name}", collect, acc), 4);
  assert_string_equal(acc, "name,d,url,name,");
}

/* Reference: a slow renderer written differently (character by character). */
static void reference(const char *tpl, char *out) {
  size_t o = 0;
  for (size_t i = 0; tpl[i];) {
    if ((tpl[i] == '{' && tpl[i + 1] == '{') || (tpl[i] == '}' && tpl[i + 1] == '}')) {
      out[o++] = tpl[i];
      i += 2;
      continue;
    }
    if (tpl[i] == '{' && strncmp(tpl + i, "{d}", 3) == 0) {
      out[o++] = '3';
      i += 3;
      continue;
    }
    out[o++] = tpl[i++];
  }
  out[o] = '\0';
}

static void test_random(void **s) {
  (void)s;
  /* No bare letters: every "{name}" the parts can form is "{d}". */
  static const char *const parts[] = {"{", "}", "{d}", "-", " ", "{{", "}}", "{ d}", "中", "{1}"};
  uint64_t x = 12345;
  for (int n = 0; n < 20000; n++) {
    char tpl[128] = "", want[256];
    int k = (int)(x % 12);
    for (int i = 0; i < k; i++) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      strcat(tpl, parts[(x >> 33) % 10]);
    }
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    reference(tpl, want);
    char *out, err[64];
    assert_int_equal(qun_template_render(tpl, vars, NULL, &out, err, sizeof err), 0);
    if (strcmp(out, want) != 0)
      fail_msg("\"%s\": got \"%s\", want \"%s\"", tpl, out, want);
    free(out);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_render),
      cmocka_unit_test(test_unknown),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_random),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
