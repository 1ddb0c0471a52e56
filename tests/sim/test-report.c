/* test-report.c — report.html opened in headless Chromium: the key
 * numbers of summary.json appear, formatted, in their data-k elements;
 * the timeline SVG has one shape per timeline entry; the page's script
 * reached its end (data-ok="1" on <body>; a broken page is caught); the
 * data block survives "</script>" inside playbook text; and the page makes
 * no network request (nothing outside the data names a URL, Chromium's
 * net log shows no request from the page, the console shows no blocked
 * load). Chromium is a test dependency (scripts/deps.sh installs it):
 * without it this test fails, it does not skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/report.h"
#include "sim/summary.h"
#include "sim/timeline.h"
#include "scratch.h"

static char dir[64];
static char chromium[512];

/* ---- helpers ---- */

static const char *data_path(const char *name) {
  static char path[1024];
  const char *src = getenv("QUN_SRC");
  snprintf(path, sizeof path, "%s/tests/sim/data/%s", src ? src : ".", name);
  return path;
}

static const char *tmp_path(const char *name) {
  static char path[4][256];
  static int k;
  k = (k + 1) % 4;
  snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
  return path[k];
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  size_t got = fread(s, 1, (size_t)n, f);
  s[got] = 0;
  fclose(f);
  return s;
}

static json_t *summarize(const char *name, const char *facts_name, json_t **timeline) {
  struct qun_summary *s = qun_summary_new();
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
  json_t *facts = facts_name ? json_load_file(data_path(facts_name), 0, NULL) : NULL;
  json_t *sum = qun_summary_finish(s, facts, timeline);
  json_decref(facts);
  return sum;
}

static int64_t num(const json_t *o, const char *path) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  const json_t *v = o;
  for (char *p = strtok(buf, "."); p && v; p = strtok(NULL, "."))
    v = json_object_get(v, p);
  if (!json_is_integer(v))
    fail_msg("%s is not an integer in the summary", path);
  return json_integer_value(v);
}

/* The page's formats: 1234567 → "1,234,567"; fen 570 → "5.70"; bp 6667 → "66.67". */
static const char *fmt(char kind, int64_t n) {
  static char out[8][64];
  static int k;
  k = (k + 1) % 8;
  char digits[32], *o = out[k];
  int64_t a = n < 0 ? -n : n;
  if (kind == 'f' || kind == 'b') {
    snprintf(o, 64, "%s%s.%02lld", n < 0 ? "-" : "", kind == 'f' ? fmt('i', a / 100) : "",
             (long long)(a % 100));
    if (kind == 'b')
      snprintf(o, 64, "%s%lld.%02lld", n < 0 ? "-" : "", (long long)(a / 100), (long long)(a % 100));
    return o;
  }
  snprintf(digits, sizeof digits, "%lld", (long long)a);
  size_t len = strlen(digits), j = 0;
  if (n < 0)
    o[j++] = '-';
  for (size_t i = 0; i < len; i++) {
    if (i && (len - i) % 3 == 0)
      o[j++] = ',';
    o[j++] = digits[i];
  }
  o[j] = 0;
  return o;
}

/* The text of the element with data-k="key" data-variant="v". */
static const char *shown(const char *dom, const char *key, int v) {
  static char out[128];
  char needle[160];
  snprintf(needle, sizeof needle, "data-k=\"%s\" data-variant=\"%d\">", key, v);
  const char *p = strstr(dom, needle);
  if (!p)
    fail_msg("no element with %s in the rendered page", needle);
  p += strlen(needle);
  size_t n = strcspn(p, "<");
  snprintf(out, sizeof out, "%.*s", (int)(n < sizeof out ? n : sizeof out - 1), p);
  return out;
}

static void expect_shown(const char *dom, const json_t *sum, const char *key, char kind, int v) {
  const char *want = fmt(kind, num(sum, key));
  const char *got = shown(dom, key, v);
  if (strcmp(got, want) != 0)
    fail_msg("%s (variant %d): the page shows \"%s\", summary.json says \"%s\"", key, v, got, want);
}

/* The timeline <svg> of variant v: how many shapes carry data-mark="kind". */
static int marks(const char *dom, int v, const char *kind) {
  char tag[64], mark[64];
  snprintf(tag, sizeof tag, "data-variant=\"%d\" class=\"timeline\"", v);
  snprintf(mark, sizeof mark, "data-mark=\"%s\"", kind);
  const char *p = strstr(dom, tag);
  if (!p)
    fail_msg("no timeline for variant %d in the rendered page", v);
  const char *end = strstr(p, "</svg>");
  int n = 0;
  for (const char *q = strstr(p, mark); q && q < end; q = strstr(q + 1, mark))
    n++;
  return n;
}

static int entries(const json_t *tl, const char *kind, int volume) {
  size_t i;
  json_t *e;
  int n = 0;
  json_array_foreach(tl, i, e) {
    if (strcmp(json_string_value(json_object_get(e, "kind")), kind) == 0 &&
        (json_object_get(e, "count") != NULL) == volume)
      n++;
  }
  return n;
}

/* Runs Chromium on page; DOM into dom, its stderr (console included) into
 * log, its net log into net. Returns the DOM text. */
static char *render(const char *page, const char *tag) {
  char dom[256], log[256], net[256], profile[256], cmd[4096];
  snprintf(dom, sizeof dom, "%s/%s.dom", dir, tag);
  snprintf(log, sizeof log, "%s/%s.log", dir, tag);
  snprintf(net, sizeof net, "%s/%s.net.json", dir, tag);
  snprintf(profile, sizeof profile, "%s/%s.profile", dir, tag);
  /* A proxy that refuses (port 9, discard, closed): if anything slipped
   * through it could not leave the machine; the net log shows it tried. */
  snprintf(cmd, sizeof cmd,
           "timeout 120 '%s' --headless --no-sandbox --disable-gpu --disable-background-networking "
           "--disable-component-update --disable-sync --no-first-run --user-data-dir='%s' "
           "--proxy-server=127.0.0.1:9 --enable-logging=stderr --v=0 --log-net-log='%s' "
           "--dump-dom 'file://%s' >'%s' 2>'%s'",
           chromium, profile, net, page, dom, log);
  int rc = system(cmd);
  if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
    char *err = slurp(log);
    fail_msg("chromium failed (status %d) on %s:\n%s", rc, page, err ? err : "");
  }
  char *text = slurp(dom);
  if (!text || !strstr(text, "</html>"))
    fail_msg("chromium wrote no DOM for %s", page);
  return text;
}

/* Requests the page made (not Chromium's own), from the net log: a
 * URL_REQUEST_START_JOB whose network isolation key is the file:// page. */
static int page_requests(const char *tag, char *first, size_t n) {
  json_error_t e;
  json_t *log = json_load_file(tmp_path(tag), 0, &e);
  if (!log)
    fail_msg("net log %s: %s", tmp_path(tag), e.text);
  json_t *type = json_object_get(json_object_get(json_object_get(log, "constants"), "logEventTypes"),
                                 "URL_REQUEST_START_JOB");
  if (!json_is_integer(type))
    fail_msg("net log %s names no URL_REQUEST_START_JOB", tmp_path(tag));
  size_t i;
  json_t *ev;
  int count = 0;
  json_array_foreach(json_object_get(log, "events"), i, ev) {
    if (!json_equal(json_object_get(ev, "type"), type))
      continue;
    json_t *p = json_object_get(ev, "params");
    const char *url = json_string_value(json_object_get(p, "url"));
    const char *nik = json_string_value(json_object_get(p, "network_isolation_key"));
    if (url && strncmp(url, "file:", 5) != 0 && nik && strstr(nik, "file://")) {
      if (!count++)
        snprintf(first, n, "%s", url);
    }
  }
  json_decref(log);
  return count;
}

static void expect_no_network(const char *tag) {
  char first[512] = "", name[64];
  snprintf(name, sizeof name, "%s.net.json", tag);
  int n = page_requests(name, first, sizeof first);
  if (n)
    fail_msg("the page made %d network request(s), the first to %s", n, first);
  snprintf(name, sizeof name, "%s.log", tag);
  char *log = slurp(tmp_path(name));
  assert_non_null(log);
  if (strstr(log, "Content Security Policy"))
    fail_msg("the page tried to load something (blocked by its policy):\n%s", log);
  if (strstr(log, "Uncaught"))
    fail_msg("a script error in the page:\n%s", log);
  free(log);
}

/* Static checks on the file: one data block that parses back to exactly
 * what went in, and nothing outside it that names a URL or loads a file. */
static void check_file(const char *page, const json_t *const *sums, size_t n) {
  char *html = slurp(page);
  assert_non_null(html);
  const char *open = "<script type=\"application/json\" id=\"qun-data\">";
  char *start = strstr(html, open);
  assert_non_null(start);
  assert_null(strstr(start + 1, open));
  char *data = start + strlen(open);
  char *end = strstr(data, "</script>");
  assert_non_null(end);
  json_error_t e;
  json_t *d = json_loadb(data, (size_t)(end - data), 0, &e);
  if (!d)
    fail_msg("the data block does not parse: %s at %d", e.text, e.position);
  for (size_t i = 0; i < n; i++)
    assert_true(json_equal(json_object_get(json_array_get(json_object_get(d, "variants"), i), "summary"),
                           sums[i]));
  json_decref(d);
  for (char *p = data; p < end; p++)
    assert_false(*p == '<');
  /* outside the data */
  memmove(start, end, strlen(end) + 1);
  static const char *const svgns = "http://www.w3.org/2000/svg";
  for (char *p; (p = strstr(html, svgns));)
    memset(p, '_', strlen(svgns));
  static const char *const banned[] = {"http:", "https:", "src=", "href", "url(", "@import", "fetch(",
                                       "XMLHttpRequest", "WebSocket", "EventSource", "import(",
                                       "sendBeacon", "<link", "<iframe", "<img", "srcset"};
  for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
    if (strstr(html, banned[i]))
      fail_msg("report.html has \"%s\" outside its data: %.80s", banned[i], strstr(html, banned[i]));
  assert_non_null(strstr(html, "default-src 'none'"));
  free(html);
}

/* ---- tests ---- */

static void test_one_variant(void **state) {
  (void)state;
  json_t *tl;
  json_t *sum = summarize("basic.jsonl", "basic.facts.json", &tl);
  const char *page = tmp_path("one.html");
  struct qun_report_variant v = {"A", sum, tl};
  char err[256];
  assert_int_equal(qun_report_write(page, &v, 1, err, sizeof err), 0);
  check_file(page, (const json_t *const *)&sum, 1);

  char *dom = render(page, "one");
  assert_non_null(strstr(dom, "<body data-ok=\"1\">"));
  expect_no_network("one");
  expect_shown(dom, sum, "sends.total", 'i', 0);
  expect_shown(dom, sum, "conversions.buyers", 'i', 0);
  expect_shown(dom, sum, "conversions.rate_bp", 'b', 0);
  expect_shown(dom, sum, "redpackets.claimed_fen", 'f', 0);
  expect_shown(dom, sum, "lateness.p99_ms", 'i', 0);
  expect_shown(dom, sum, "lateness.max_ms", 'i', 0);
  expect_shown(dom, sum, "errors.total", 'i', 0);
  expect_shown(dom, sum, "dropped.total", 'i', 0);
  expect_shown(dom, sum, "funnel.reached", 'i', 0);
  expect_shown(dom, sum, "funnel.clicked", 'i', 0);
  expect_shown(dom, sum, "funnel.paid", 'i', 0);
  expect_shown(dom, sum, "funnel.bought", 'i', 0);
  expect_shown(dom, sum, "load.p99", 'i', 0);
  expect_shown(dom, sum, "load.max", 'i', 0);
  /* the same numbers, pinned, so a wrong summary cannot pass with a wrong page */
  assert_string_equal(shown(dom, "sends.total", 0), "15");
  assert_string_equal(shown(dom, "redpackets.claimed_fen", 0), "57.00");
  assert_string_equal(shown(dom, "conversions.rate_bp", 0), "66.67");
  assert_string_equal(shown(dom, "lateness.p99_ms", 0), "34,200,000");
  assert_string_equal(shown(dom, "redpackets.ledger_ok", 0), "平 OK");

  /* one shape per timeline entry */
  assert_int_equal(json_array_size(tl), 19);
  assert_int_equal(marks(dom, 0, "send"), entries(tl, "send", 0));
  assert_int_equal(marks(dom, 0, "volume"), entries(tl, "send", 1));
  assert_int_equal(marks(dom, 0, "purchase"), entries(tl, "event", 1));
  assert_int_equal(marks(dom, 0, "countdown"), entries(tl, "countdown", 0));
  assert_int_equal(marks(dom, 0, "redpacket"), entries(tl, "redpacket", 0));
  assert_int_equal(marks(dom, 0, "window"), entries(tl, "window", 0));
  assert_int_equal(marks(dom, 0, "send") + marks(dom, 0, "volume") + marks(dom, 0, "purchase") +
                       marks(dom, 0, "countdown") + marks(dom, 0, "redpacket") + marks(dom, 0, "window"),
                   19);
  /* warnings are listed, the one with "<script>" in it as text */
  assert_non_null(strstr(dom, "cap 3) &lt;script&gt;</li>"));
  assert_non_null(strstr(dom, "x.lua:12: boom"));
  free(dom);
  json_decref(tl);
  json_decref(sum);
}

/* A generated transcript near the timeline's bound, for variant B. */
static json_t *big(json_t **tl) {
  struct qun_summary *s = qun_summary_new();
  char line[512];
  for (int m = 0; m < 400; m++) {
    snprintf(line, sizeof line,
             "{\"t\":\"2026-11-23T00:00:00+08:00\",\"ev\":\"event\",\"type\":\"member.joined\","
             "\"member\":\"m%d\",\"group\":\"g%d\",\"data\":null}",
             m, m % 40);
    qun_summary_line(s, line, strlen(line));
  }
  for (int i = 0; i < 20000; i++) {
    int d = i % 7, h = 8 + i % 14;
    snprintf(line, sizeof line,
             "{\"t\":\"2026-11-%02dT%02d:%02d:00+08:00\",\"ev\":\"send\",\"channel\":\"%s\",\"to\":\"%s%d\","
             "\"msg\":{\"text\":\"第 %d 条 <b>\"},\"job\":\"%s\",\"due\":\"2026-11-%02dT%02d:00:00+08:00\","
             "\"late_ms\":%d}",
             23 + d, h, i % 60, i % 8 ? "hook" : "wx", i % 8 ? "member:m" : "group:g", i % 8 ? i % 400 : i % 40,
             i, i % 97 == 0 ? "countdown_x" : "daily", 23 + d, h, i % 5000);
    qun_summary_line(s, line, strlen(line));
    if (i % 50 == 0) {
      snprintf(line, sizeof line,
               "{\"t\":\"2026-11-%02dT%02d:30:00+08:00\",\"ev\":\"event\",\"type\":\"purchase\",\"member\":"
               "\"m%d\",\"group\":\"g%d\",\"data\":{}}",
               23 + d, h, i % 400, i % 40);
      qun_summary_line(s, line, strlen(line));
    }
  }
  json_t *facts = json_pack("{s:{s:s,s:s,s:s},s:{s:s,s:s,s:i,s:i},s:{s:i,s:i},s:{s:i,s:i}}", "playbook",
                            "name", "daily-sop", "version", "2.0.0", "sha256", "ab12cd34ef56ab12",
                            "sim", "start", "2026-11-23T00:00:00+08:00", "end",
                            "2026-11-30T00:00:00+08:00", "days", 7, "seed", 2, "audience", "members",
                            400, "groups", 40, "funnel", "reached", 400, "read", 310);
  json_t *sum = qun_summary_finish(s, facts, tl);
  json_decref(facts);
  return sum;
}

static void test_two_variants_and_runs(void **state) {
  (void)state;
  json_t *tla, *tlb;
  json_t *a = summarize("basic.jsonl", "basic.facts.json", &tla);
  json_t *b = big(&tlb);
  /* variant A over three runs: the same summary with other buyer counts */
  json_t *runs[3];
  for (int i = 0; i < 3; i++) {
    runs[i] = json_deep_copy(a);
    json_object_set_new(json_object_get(runs[i], "conversions"), "buyers", json_integer(5 - 2 * i));
    json_object_set_new(json_object_get(runs[i], "sim"), "seed", json_integer(i + 1));
  }
  json_t *agg = qun_summary_aggregate(runs, 3);
  for (int i = 0; i < 3; i++)
    json_decref(runs[i]);
  json_decref(a);
  const char *page = tmp_path("two.html");
  struct qun_report_variant v[2] = {{"A", agg, tla}, {"B · 日常 SOP", b, tlb}};
  char err[256];
  assert_int_equal(qun_report_write(page, v, 2, err, sizeof err), 0);
  const json_t *sums[2] = {agg, b};
  check_file(page, sums, 2);
  char *dom = render(page, "two");
  assert_non_null(strstr(dom, "<body data-ok=\"1\">"));
  expect_no_network("two");
  for (int i = 0; i < 2; i++) {
    const json_t *s = sums[i];
    expect_shown(dom, s, "sends.total", 'i', i);
    expect_shown(dom, s, "conversions.buyers", 'i', i);
    expect_shown(dom, s, "redpackets.claimed_fen", 'f', i);
    expect_shown(dom, s, "lateness.p99_ms", 'i', i);
    expect_shown(dom, s, "errors.total", 'i', i);
  }
  assert_string_equal(shown(dom, "sends.total", 1), "20,000");
  /* p5/p50/p95 of 1, 3, 5 buyers */
  assert_string_equal(shown(dom, "runs.conversions.p5", 0), "1");
  assert_string_equal(shown(dom, "runs.conversions.p50", 0), "3");
  assert_string_equal(shown(dom, "runs.conversions.p95", 0), "5");
  assert_non_null(strstr(dom, "class=\"compare\""));
  assert_non_null(strstr(dom, "B · 日常 SOP"));
  /* B's timeline: every entry drawn */
  if (json_array_size(tlb) < 1000 || json_array_size(tlb) > QUN_TIMELINE_MAX)
    fail_msg("B's timeline has %zu entries", json_array_size(tlb));
  int total = 0;
  static const char *const kinds[] = {"send", "volume", "purchase", "countdown", "redpacket", "window"};
  for (size_t k = 0; k < 6; k++)
    total += marks(dom, 1, kinds[k]);
  assert_int_equal(total, (int)json_array_size(tlb));
  assert_int_equal(marks(dom, 1, "countdown"), entries(tlb, "countdown", 0));
  assert_int_equal(marks(dom, 0, "send"), entries(tla, "send", 0));
  free(dom);
  json_decref(agg);
  json_decref(b);
  json_decref(tla);
  json_decref(tlb);
}

/* No facts, no timeline, nothing but red packets: every section still
 * draws (with dashes and "None"), and the numbers are there. */
static void test_bare(void **state) {
  (void)state;
  json_t *sum = summarize("ledger.jsonl", NULL, NULL);
  const char *page = tmp_path("bare.html");
  struct qun_report_variant v = {NULL, sum, NULL};
  char err[256];
  assert_int_equal(qun_report_write(page, &v, 1, err, sizeof err), 0);
  char *dom = render(page, "bare");
  assert_non_null(strstr(dom, "<body data-ok=\"1\">"));
  expect_no_network("bare");
  assert_string_equal(shown(dom, "sends.total", 0), "0");
  assert_string_equal(shown(dom, "conversions.rate_bp", 0), "—");
  assert_string_equal(shown(dom, "lateness.p99_ms", 0), "—");
  assert_string_equal(shown(dom, "redpackets.claimed_fen", 0), "3.00");
  assert_string_equal(shown(dom, "redpackets.ledger_ok", 0), "不平 MISMATCH");
  assert_non_null(strstr(dom, "rp3: claimed twice by m1"));
  free(dom);
  json_decref(sum);
}

/* The checks catch what they are for: a page whose script stops early has
 * no data-ok, and a page that loads from the network shows in the net log. */
static void test_checks_bite(void **state) {
  (void)state;
  json_t *tl;
  json_t *sum = summarize("basic.jsonl", "basic.facts.json", &tl);
  const char *page = tmp_path("broken.html");
  struct qun_report_variant v = {"A", sum, tl};
  char err[256];
  assert_int_equal(qun_report_write(page, &v, 1, err, sizeof err), 0);
  char *html = slurp(page);
  char *p = strstr(html, "{\"generator\"");
  assert_non_null(p);
  memcpy(p, "{\"generatox\"", 12); /* harmless */
  p = strstr(html, "\"variants\":[");
  assert_non_null(p);
  memcpy(p, "\"variantz\":[", 12); /* no variants: the script throws */
  FILE *f = fopen(page, "w");
  fputs(html, f);
  fclose(f);
  free(html);
  char *dom = render(page, "broken");
  assert_null(strstr(dom, "data-ok=\"1\""));
  const char *body = strstr(dom, "<body data-error=\"");
  if (!body || !strstr(body, "no variant in the data") || strstr(body, "no variant in the data") > strchr(body, '>'))
    fail_msg("the broken page: %.300s", strstr(dom, "<body") ? strstr(dom, "<body") : dom);
  free(dom);

  page = tmp_path("fetches.html");
  f = fopen(page, "w");
  fputs("<!DOCTYPE html><html><body><img src=\"http://198.51.100.7/pixel.png\">"
        "<script>document.body.setAttribute('data-ok','1')</script></body></html>\n", f);
  fclose(f);
  dom = render(page, "fetches");
  char first[512] = "";
  assert_int_equal(page_requests("fetches.net.json", first, sizeof first), 1);
  assert_string_equal(first, "http://198.51.100.7/pixel.png");
  free(dom);
  json_decref(tl);
  json_decref(sum);
}

static void test_write_errors(void **state) {
  (void)state;
  char err[256];
  json_t *sum = json_object();
  struct qun_report_variant v = {"A", sum, NULL};
  assert_int_equal(qun_report_write(tmp_path("none.html"), &v, 0, err, sizeof err), -1);
  assert_non_null(strstr(err, "no variant"));
  assert_int_equal(qun_report_write("/nonexistent-dir/report.html", &v, 1, err, sizeof err), -1);
  assert_string_equal(err, "/nonexistent-dir/report.html: cannot write: No such file or directory");
  struct qun_report_variant bad = {"A", NULL, NULL};
  assert_int_equal(qun_report_write(tmp_path("bad.html"), &bad, 1, err, sizeof err), -1);
  assert_int_equal(access(tmp_path("bad.html"), F_OK), -1);
  json_decref(sum);
}

static int find_chromium(void) {
  const char *env = getenv("QUN_CHROMIUM");
  if (env && *env) {
    snprintf(chromium, sizeof chromium, "%s", env);
    return access(chromium, X_OK) == 0 ? 0 : -1;
  }
  static const char *const names[] = {"chromium", "chromium-browser", "google-chrome"};
  const char *path = getenv("PATH");
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path ? path : "/usr/bin:/bin");
    for (char *d = strtok(buf, ":"); d; d = strtok(NULL, ":")) {
      snprintf(chromium, sizeof chromium, "%s/%s", d, names[i]);
      if (access(chromium, X_OK) == 0)
        return 0;
    }
  }
  return -1;
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/qun-report-XXXXXX");
  if (!mkdtemp(dir))
    return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  if (getenv("QUN_KEEP")) { /* to look at the pages and logs */
    fprintf(stderr, "kept %s\n", dir);
    return 0;
  }
  return scratch_remove(dir);
}

int main(void) {
  if (find_chromium() < 0) {
    fprintf(stderr, "FAIL: no chromium (headless Chromium renders report.html in this test); "
                    "scripts/deps.sh installs Debian's chromium, or set QUN_CHROMIUM\n");
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_variant),
      cmocka_unit_test(test_two_variants_and_runs),
      cmocka_unit_test(test_bare),
      cmocka_unit_test(test_checks_bite),
      cmocka_unit_test(test_write_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
