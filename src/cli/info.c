/* info.c — `qun info FILE [--json]`: a playbook's header and params, the
 * playbook's --help. Runs the file only up to its playbook{} header. */
#define _XOPEN_SOURCE 700 /* wcwidth */
#include "cli/cli.h"
#include "host/playbook.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Columns on a terminal: CJK characters take two. */
static int display_width(const char *s) {
  mbstate_t st;
  memset(&st, 0, sizeof st);
  int w = 0;
  size_t left = strlen(s);
  while (left) {
    wchar_t wc;
    size_t n = mbrtowc(&wc, s, left, &st);
    if (n == (size_t)-1 || n == (size_t)-2) { /* not UTF-8: count bytes */
      memset(&st, 0, sizeof st);
      n = 1;
      w++;
    } else {
      int cw = wcwidth(wc);
      w += cw > 0 ? cw : 0;
    }
    s += n;
    left -= n;
  }
  return w;
}

static void pad(const char *s, int width) {
  fputs(s, stdout);
  for (int w = display_width(s); w < width; w++)
    fputc(' ', stdout);
}

static void type_text(const struct qun_param *p, char *buf, size_t n) {
  enum qun_ptype t = p->type == QUN_P_LIST ? p->of : p->type;
  size_t len = (size_t)snprintf(buf, n, "%s%s", p->type == QUN_P_LIST ? "list of " : "",
                                qun_ptype_name(t));
  for (size_t i = 0; i < p->nvalues && len < n; i++)
    len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? "|" : " ", p->values[i]);
}

static const char *default_text(const struct qun_param *p) {
  return p->def ? p->def : p->required ? "(required)" : "(none)";
}

static void print_table(const struct qun_playbook *pb) {
  printf("name     %s\nversion  %s\n", pb->name, pb->version);
  if (pb->title)
    printf("title    %s\n", pb->title);
  if (pb->summary)
    printf("summary  %s\n", pb->summary);
  printf("file     %s\n", pb->path);
  if (!pb->nparams) {
    printf("\nparams   none\n");
    return;
  }
  int wn = 4, wt = 4, wd = 7;
  char type[512];
  for (size_t i = 0; i < pb->nparams; i++) {
    const struct qun_param *p = &pb->params[i];
    type_text(p, type, sizeof type);
    int w;
    if ((w = display_width(p->name)) > wn) wn = w;
    if ((w = display_width(type)) > wt) wt = w;
    if ((w = display_width(default_text(p))) > wd) wd = w;
  }
  printf("\nparams (set with --set NAME=VALUE):\n");
  pad("NAME", wn + 2), pad("TYPE", wt + 2), pad("DEFAULT", wd + 2), printf("DOC\n");
  for (size_t i = 0; i < pb->nparams; i++) {
    const struct qun_param *p = &pb->params[i];
    type_text(p, type, sizeof type);
    pad(p->name, wn + 2), pad(type, wt + 2);
    if (p->doc)
      pad(default_text(p), wd + 2), printf("%s\n", p->doc);
    else
      printf("%s\n", default_text(p));
  }
}

static json_t *str_or_null(const char *s) {
  return s ? json_string(s) : json_null();
}

static int print_json(const struct qun_playbook *pb) {
  json_t *params = json_array();
  for (size_t i = 0; i < pb->nparams; i++) {
    const struct qun_param *p = &pb->params[i];
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "type", json_string(qun_ptype_name(p->type)));
    if (p->type == QUN_P_LIST)
      json_object_set_new(o, "of", json_string(qun_ptype_name(p->of)));
    if (p->nvalues) {
      json_t *v = json_array();
      for (size_t k = 0; k < p->nvalues; k++)
        json_array_append_new(v, json_string(p->values[k]));
      json_object_set_new(o, "values", v);
    }
    json_object_set_new(o, "default", str_or_null(p->def));
    json_object_set_new(o, "required", json_boolean(p->required));
    json_object_set_new(o, "doc", str_or_null(p->doc));
    json_array_append_new(params, o);
  }
  json_t *root = json_object();
  json_object_set_new(root, "name", json_string(pb->name));
  json_object_set_new(root, "version", json_string(pb->version));
  json_object_set_new(root, "title", str_or_null(pb->title));
  json_object_set_new(root, "summary", str_or_null(pb->summary));
  json_object_set_new(root, "file", json_string(pb->path));
  json_object_set_new(root, "params", params);
  int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  fputc('\n', stdout);
  json_decref(root);
  return rc < 0 ? qun_cli_fail("qun info: cannot write JSON") : QUN_EXIT_OK;
}

static int info_exec(const struct qun_cmd *self, int argc, char **argv) {
  static const char *const flags[] = {"--json", NULL};
  const char *seen[1] = {NULL};
  struct qun_cli_load ld;
  int rc = qun_cli_parse_load(self, argc, argv, 0, &ld, flags, seen);
  if (rc)
    return rc;
  struct qun_playbook pb;
  struct qun_sandbox *sb = NULL;
  rc = qun_cli_eval(ld.file, ld.sets, ld.nsets, 1, 1, &pb, &sb);
  if (rc == 0) {
    if (seen[0])
      rc = print_json(&pb);
    else
      print_table(&pb);
  }
  qun_sandbox_free(sb);
  qun_playbook_clear(&pb);
  return rc;
}

const struct qun_cmd qun_cmd_info = {
    .name = "info",
    .args = "FILE [--json] [--set NAME=VALUE]...",
    .summary = "show a playbook's header and params (what a team must fill in)",
    .help = "options:\n"
            "  --json              print the header as JSON\n"
            "  --set NAME=VALUE    check an override against the param's type\n",
    .exec = info_exec,
};
