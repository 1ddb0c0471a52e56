/* test-markdown.c — the markdown walker: what each construct becomes (as
 * a bracketed trace), openers without closers stay text, spans always
 * balance (checked on random inputs), and hostile inputs take linear time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deliver/markdown.h"

/* The trace: lines as {H}, {Q}, {I}, {P}, {pre}; spans as [b]…[/b]. */
struct trace {
  struct qun_md_buf b;
  int stack[64], depth, bad, in_code, in_link;
};

static void t_line(void *ud, enum qun_md_line kind, enum qun_md_line prev) {
  struct trace *t = ud;
  static const char *const names[] = {"{end}", "{P}", "{H}", "{Q}", "{I}", "{pre}"};
  (void)prev;
  if (t->depth)
    t->bad = 1; /* a span left open across lines */
  qun_md_buf_adds(&t->b, names[kind]);
}

static void t_text(void *ud, const char *s, size_t n) { qun_md_buf_add(&((struct trace *)ud)->b, s, n); }

static void t_span(void *ud, enum qun_md_span span, int open, const char *url, size_t urllen) {
  struct trace *t = ud;
  static const char *const names[] = {"b", "i", "s", "code", "a"};
  char tag[32];
  if (open) {
    if (t->in_code || (span == QUN_MD_LINK && t->in_link) || t->depth == 64)
      t->bad = 1;
    t->stack[t->depth++ % 64] = span;
    t->in_code += span == QUN_MD_CODE;
    t->in_link += span == QUN_MD_LINK;
    snprintf(tag, sizeof tag, "[%s", names[span]);
    qun_md_buf_adds(&t->b, tag);
    if (url) {
      qun_md_buf_adds(&t->b, "=");
      qun_md_buf_add(&t->b, url, urllen);
    }
    qun_md_buf_adds(&t->b, "]");
  } else {
    if (!t->depth || t->stack[(t->depth - 1) % 64] != (int)span)
      t->bad = 1;
    else
      t->depth--;
    t->in_code -= span == QUN_MD_CODE;
    t->in_link -= span == QUN_MD_LINK;
    snprintf(tag, sizeof tag, "[/%s]", names[span]);
    qun_md_buf_adds(&t->b, tag);
  }
}

static const struct qun_md_sink sink = {t_line, t_text, t_span};

static char *walk(const char *md, int *bad) {
  struct trace t = {0};
  qun_md_walk(md, strlen(md), &sink, &t);
  if (bad)
    *bad = t.bad || t.depth;
  return qun_md_buf_take(&t.b);
}

static void check(const char *md, const char *want) {
  int bad;
  char *got = walk(md, &bad);
  assert_string_equal(got, want);
  assert_false(bad);
  free(got);
}

static void test_lines(void **state) {
  (void)state;
  check("", "{end}");
  check("hello", "{P}hello{end}");
  check("a\nb\r\n\nc\n", "{P}a{P}b{P}{P}c{end}");
  check("# 标题\n###### six\n####### seven\n#tag", "{H}标题{H}six{P}####### seven{P}#tag{end}");
  check("> quote\n>tight\n  > indented", "{Q}quote{Q}tight{Q}indented{end}");
  check("- one\n* two\n+ three\n-not\n1. four", "{I}one{I}two{I}three{P}-not{P}1. four{end}");
  check("```lua\nlocal x = **1**\n  # not a heading\n```\nafter", "{pre}local x = **1**{pre}  # not a heading{P}after{end}");
  check("```inline ` code```", "{pre}inline ` code{end}");
  check("```\nnever closed", "{pre}never closed{end}");
}

static void test_spans(void **state) {
  (void)state;
  check("**b** __b__ *i* _i_ ~~s~~ `c`", "{P}[b]b[/b] [b]b[/b] [i]i[/i] [i]i[/i] [s]s[/s] [code]c[/code]{end}");
  check("*a **b** c*", "{P}[i]a [b]b[/b] c[/i]{end}");
  check("**a *b* c**", "{P}[b]a [i]b[/i] c[/b]{end}");
  check("[链接](https://x.example/?a=1&b=2)", "{P}[a=https://x.example/?a=1&b=2]链接[/a]{end}");
  check("[**b** `c`](u)", "{P}[a=u][b]b[/b] [code]c[/code][/a]{end}");
  check("![alt *x*](https://img/a.png) ![](https://img/b.png)",
        "{P}[a=https://img/a.png]alt *x*[/a] [a=https://img/b.png]https://img/b.png[/a]{end}");
  check("`**not bold**`", "{P}[code]**not bold**[/code]{end}");
  check("<font color=\"info\">绿</font> <FONT>x</FONT> <b>kept</b>", "{P}绿 x <b>kept</b>{end}");
  check("\\*not italic\\* \\_ \\\\ \\a", "{P}*not italic* _ \\ \\a{end}");
}

static void test_not_markup(void **state) {
  (void)state;
  check("a * b ** c _d ~e ~~f", "{P}a * b ** c _d ~e ~~f{end}");
  check("snake_case_name and 中文_斜_中文", "{P}snake_case_name and 中文_斜_中文{end}");
  check("2 * 3 * 4", "{P}2 * 3 * 4{end}");
  check("** spaced ** and * spaced *", "{P}** spaced ** and * spaced *{end}");
  check("[no url]() [a] (b) [x](has space) [[x](u)", "{P}[no url]() [a] (b) [x](has space) [[a=u]x[/a]{end}");
  check("``", "{P}``{end}");
  check("unclosed `code and **bold", "{P}unclosed `code and **bold{end}");
  check("***", "{P}***{end}");
  check("**bold\nnext**", "{P}**bold{P}next**{end}");
  check("_*[]()~`>#+-=|{}.!", "{P}_*[]()~`>#+-=|{}.!{end}");
}

static void test_deep_nesting(void **state) {
  (void)state;
  char md[256] = "";
  for (int i = 0; i < 20; i++)
    strcat(md, i % 2 ? "_" : "*");
  strcat(md, "x");
  for (int i = 19; i >= 0; i--)
    strcat(md, i % 2 ? "_" : "*");
  int bad;
  char *got = walk(md, &bad);
  assert_false(bad);
  assert_non_null(strstr(got, "[i]"));
  free(got);
}

/* The walk reads len bytes and no more (ASan checks): each input is
 * copied to a buffer of exactly its length, no NUL after it. */
static void test_reads_only_len(void **state) {
  (void)state;
  static const char *const inputs[] = {"a *", "a **", "x_", "~", "~~", "`", "[", "[a]", "[a](", "![", "<font",
                                       "</fon", "\\", "#", "> ", "- ", "```", "*a*", "**a**", "_a_"};
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    size_t n = strlen(inputs[i]);
    char *md = malloc(n);
    memcpy(md, inputs[i], n);
    struct trace t = {0};
    qun_md_walk(md, n, &sink, &t);
    assert_false(t.bad || t.depth);
    free(qun_md_buf_take(&t.b));
    free(md);
  }
}

/* Random strings of markup characters: every span balances, none crosses a
 * line, code holds no span and links do not nest. */
static void test_random_balanced(void **state) {
  (void)state;
  static const char alphabet[] = "**__~~``[]()!<>#->\\\n  ab中_";
  unsigned seed = 12345;
  for (int n = 0; n < 20000; n++) {
    char md[64];
    int len = (int)(seed % 60);
    for (int i = 0; i < len; i++) {
      seed = seed * 1103515245u + 12345u;
      md[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
    }
    md[len] = '\0';
    /* keep UTF-8 valid: the alphabet's 中 is 3 bytes; drop stray pieces */
    for (int i = 0; i < len; i++)
      if ((unsigned char)md[i] >= 0x80)
        md[i] = 'z';
    int bad;
    char *got = walk(md, &bad);
    if (bad)
      fail_msg("unbalanced for \"%s\": %s", md, got);
    free(got);
  }
}

/* Unmatched openers on one long line: linear, not quadratic. */
static void test_hostile_is_fast(void **state) {
  (void)state;
  static const char *const units[] = {"*a ",  "_a ",  "~~a ", "**a ", "[a ", "`",      "[a](",
                                      "[a](b ", "![", "<font ", "a*",  "*a **b ", "[", "](", "\\*"};
  size_t n = 200000;
  char *md = malloc(n + 8);
  for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
    size_t k = strlen(units[u]), len = 0;
    while (len + k <= n) {
      memcpy(md + len, units[u], k);
      len += k;
    }
    md[len] = '\0';
    clock_t t0 = clock();
    int bad;
    char *got = walk(md, &bad);
    double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_false(bad);
    if (s > 1.0)
      fail_msg("\"%s\" × %zu took %.2f s", units[u], n / k, s);
    free(got);
  }
  free(md);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lines),           cmocka_unit_test(test_spans),
      cmocka_unit_test(test_not_markup),      cmocka_unit_test(test_deep_nesting),
      cmocka_unit_test(test_random_balanced), cmocka_unit_test(test_hostile_is_fast),
      cmocka_unit_test(test_reads_only_len),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
