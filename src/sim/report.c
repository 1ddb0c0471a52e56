/* report.c — see report.h. The page is fixed text (report_page.c) around
 * one JSON block: {"generator", "variants": [{"label", "summary",
 * "timeline"}]}. Inside a <script> element only "</" could end it early, so
 * every '<' in the JSON is written as \u003c (JSON allows '<' only inside
 * strings, where the escape means the same). A Content-Security-Policy
 * with default-src 'none' keeps the page from fetching anything even if
 * it tried. Written to PATH.tmp, then renamed: a reader never sees half
 * a page. */
#include "sim/report.h"
#include "sim/report_page.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef QUN_VERSION
#define QUN_VERSION "dev"
#endif

static const char head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"zh-CN\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
    "<meta name=\"generator\" content=\"qun " QUN_VERSION "\">\n"
    "<title>qun 演练报告 · Dry-run report</title>\n"
    "<style>\n";

static const char middle[] =
    "</style>\n"
    "</head>\n"
    "<body>\n"
    "<main id=\"app\">\n"
    "<div id=\"fatal\" role=\"alert\"></div>\n"
    "<noscript>本报告需要启用 JavaScript 才能显示。 This report needs JavaScript to draw.</noscript>\n"
    "</main>\n"
    "<script type=\"application/json\" id=\"qun-data\">";

static const char data_end[] = "</script>\n<script>\n";
static const char tail[] = "</script>\n</body>\n</html>\n";

/* The JSON with every '<' escaped. */
static int put_json(FILE *f, const char *s) {
  for (const char *p = s; *p; p++) {
    const char *lt = strchr(p, '<');
    size_t n = lt ? (size_t)(lt - p) : strlen(p);
    if (n && fwrite(p, 1, n, f) != n)
      return -1;
    if (!lt)
      break;
    if (fputs("\\u003c", f) < 0)
      return -1;
    p = lt;
  }
  return 0;
}

static json_t *page_data(const struct qun_report_variant *v, size_t n) {
  json_t *variants = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *o = json_object();
    char label[32];
    snprintf(label, sizeof label, "%c", (int)('A' + i % 26));
    json_object_set_new(o, "label", json_string(v[i].label ? v[i].label : label));
    /* borrowed for the dump: the reference is given back below */
    json_object_set(o, "summary", (json_t *)v[i].summary);
    json_object_set_new(o, "timeline", v[i].timeline ? json_incref((json_t *)v[i].timeline) : json_array());
    json_array_append_new(variants, o);
  }
  json_t *d = json_object();
  json_object_set_new(d, "generator", json_string("qun " QUN_VERSION));
  json_object_set_new(d, "variants", variants);
  return d;
}

int qun_report_write(const char *path, const struct qun_report_variant *v, size_t n, char *err,
                     size_t errlen) {
  if (!v || !n) {
    snprintf(err, errlen, "%s: nothing to report (no variant)", path);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    if (!json_is_object(v[i].summary) || (v[i].timeline && !json_is_array(v[i].timeline))) {
      snprintf(err, errlen, "%s: variant %zu has no summary object or a timeline that is not an array",
               path, i + 1);
      return -1;
    }
  json_t *d = page_data(v, n);
  char *text = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(d);
  if (!text) {
    snprintf(err, errlen, "%s: cannot encode the report data (out of memory or invalid UTF-8)", path);
    return -1;
  }
  size_t plen = strlen(path);
  char *tmp = malloc(plen + 5);
  if (!tmp) {
    free(text);
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmp", 5);
  FILE *f = fopen(tmp, "w");
  if (!f) {
    snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
    free(tmp);
    free(text);
    return -1;
  }
  int bad = fputs(head, f) < 0 || fputs(qun_report_css, f) < 0 || fputs(middle, f) < 0 ||
            put_json(f, text) < 0 || fputs(data_end, f) < 0 || fputs(qun_report_js, f) < 0 ||
            fputs(tail, f) < 0;
  int saved = errno;
  if (fclose(f) != 0 && !bad) {
    bad = 1;
    saved = errno;
  }
  free(text);
  if (!bad && rename(tmp, path) != 0) {
    bad = 1;
    saved = errno;
  }
  if (bad) {
    snprintf(err, errlen, "%s: cannot write: %s", path, strerror(saved));
    remove(tmp);
  }
  free(tmp);
  return bad ? -1 : 0;
}
