/* import.c — members and events from CSV and JSON lines (see import.h). */
#include "ingest/import.h"
#include "ingest/event_in.h"
#include "core/err.h"
#include "core/timespec.h"
#include "store/store.h"

#include <csv.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 256

struct imp {
  struct qun_store *st;
  const char *path;
  int64_t now, rows;
  char *err;
  size_t errlen;
  int failed;
};

static int row_fail(struct imp *im, int64_t row, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int row_fail(struct imp *im, int64_t row, const char *fmt, ...) {
  if (im->failed)
    return -1;
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(im->err, im->errlen, "%s:%lld: %s", im->path, (long long)row, msg);
  im->failed = 1;
  return -1;
}

/* ---- members ---- */

struct member_row {
  const char *id, *name, *joined, *groups;
  json_t *attrs;
};

static int store_member(struct imp *im, int64_t row, const struct member_row *m) {
  int64_t joined = -1;
  if (!m->id || !*m->id)
    return row_fail(im, row, "column \"id\" is empty");
  if (!qun_event_in_valid_id(m->id))
    return row_fail(im, row, "column \"id\": \"%.40s\" is not an id (1 to %d characters, no control characters)",
                    m->id, QUN_EVENT_IN_MAX_ID);
  if (m->joined && *m->joined && qun_event_in_time(m->joined, &joined) < 0)
    return row_fail(im, row, "column \"joined_at\": cannot read \"%s\" as a time (expected e.g. "
                    "\"2026-11-28 20:00\" or \"2026-11-28\")", m->joined);
  char *attrs = m->attrs && json_object_size(m->attrs) ? json_dumps(m->attrs, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  int rc = qun_store_member_upsert(im->st, m->id, m->name && *m->name ? m->name : NULL, joined, attrs, im->now);
  free(attrs);
  if (rc < 0)
    return row_fail(im, row, "%s", qun_store_errmsg(im->st));
  if (m->groups && *m->groups) { /* "g1;g2": CSV keeps the commas */
    char *copy = strdup(m->groups), *save = NULL;
    if (!copy)
      return row_fail(im, row, "out of memory");
    for (char *g = strtok_r(copy, ";", &save); g && rc == 0; g = strtok_r(NULL, ";", &save)) {
      while (*g == ' ')
        g++;
      if (*g)
        rc = qun_store_membership_add(im->st, m->id, g, joined >= 0 ? joined : im->now);
    }
    free(copy);
    if (rc < 0)
      return row_fail(im, row, "%s", qun_store_errmsg(im->st));
  }
  im->rows++;
  return 0;
}

struct csv_state {
  struct imp *im;
  char *fields[MAX_COLUMNS];
  size_t nfields;
  char *header[MAX_COLUMNS];
  size_t ncols;
  int64_t record; /* 1 = the header */
  int id_col;
  int too_many;
};

static void csv_field(void *s, size_t len, void *ud) {
  struct csv_state *cs = ud;
  if (cs->nfields == MAX_COLUMNS) {
    cs->too_many = 1;
    return;
  }
  char *f = malloc(len + 1);
  if (f) {
    memcpy(f, s ? s : "", len);
    f[len] = '\0';
  }
  cs->fields[cs->nfields++] = f;
}

static void free_fields(struct csv_state *cs) {
  for (size_t i = 0; i < cs->nfields; i++)
    free(cs->fields[i]);
  cs->nfields = 0;
}

static void csv_record(int c, void *ud) {
  (void)c;
  struct csv_state *cs = ud;
  struct imp *im = cs->im;
  int64_t row = ++cs->record;
  if (im->failed)
    goto done;
  for (size_t i = 0; i < cs->nfields; i++)
    if (!cs->fields[i]) {
      row_fail(im, row, "out of memory");
      goto done;
    }
  if (cs->too_many) {
    row_fail(im, row, "more than %d columns", MAX_COLUMNS);
    goto done;
  }
  if (row == 1) { /* the header */
    cs->id_col = -1;
    for (size_t i = 0; i < cs->nfields; i++) {
      for (size_t k = 0; k < i; k++)
        if (strcmp(cs->fields[i], cs->fields[k]) == 0) {
          row_fail(im, row, "column \"%s\" appears twice", cs->fields[i]);
          goto done;
        }
      if (!*cs->fields[i]) {
        row_fail(im, row, "column %zu has no name", i + 1);
        goto done;
      }
      if (strcmp(cs->fields[i], "id") == 0)
        cs->id_col = (int)i;
      cs->header[i] = cs->fields[i];
    }
    cs->ncols = cs->nfields;
    cs->nfields = 0; /* the header keeps the strings */
    if (cs->id_col < 0)
      row_fail(im, row, "no \"id\" column: the header row names the columns (id, name, joined_at, "
               "groups, and any attributes)");
    return;
  }
  if (cs->nfields == 1 && !*cs->fields[0])
    goto done; /* a blank line */
  if (cs->nfields != cs->ncols) {
    row_fail(im, row, "%zu fields, but the header has %zu columns", cs->nfields, cs->ncols);
    goto done;
  }
  struct member_row m = {0};
  m.attrs = json_object();
  for (size_t i = 0; i < cs->nfields; i++) {
    const char *h = cs->header[i], *v = cs->fields[i];
    if (strcmp(h, "id") == 0)
      m.id = v;
    else if (strcmp(h, "name") == 0)
      m.name = v;
    else if (strcmp(h, "joined_at") == 0)
      m.joined = v;
    else if (strcmp(h, "groups") == 0)
      m.groups = v;
    else if (*v && json_object_set_new(m.attrs, h, json_string(v)) < 0) {
      row_fail(im, row, "column \"%s\" is not UTF-8 text", h);
      break;
    }
  }
  if (!im->failed)
    store_member(im, row, &m);
  json_decref(m.attrs);
done:
  free_fields(cs);
}

static int64_t import_members_csv(struct imp *im, FILE *f) {
  struct csv_parser p;
  struct csv_state cs = {.im = im};
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
    return row_fail(im, 0, "out of memory");
  char buf[65536];
  size_t n;
  int first = 1;
  while (!im->failed && (n = fread(buf, 1, sizeof buf, f)) > 0) {
    size_t skip = 0;
    if (first && n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
      skip = 3; /* a UTF-8 byte order mark, as spreadsheets write */
    first = 0;
    if (csv_parse(&p, buf + skip, n - skip, csv_field, csv_record, &cs) != n - skip)
      row_fail(im, cs.record + 1, "%s", csv_strerror(csv_error(&p)));
  }
  if (!im->failed && csv_fini(&p, csv_field, csv_record, &cs) != 0)
    row_fail(im, cs.record + 1, "%s", csv_strerror(csv_error(&p)));
  free_fields(&cs);
  for (size_t i = 0; i < cs.ncols; i++)
    free(cs.header[i]);
  csv_free(&p);
  if (!im->failed && cs.record == 0)
    row_fail(im, 1, "the file is empty: the first row names the columns (id, name, ...)");
  return im->failed ? -1 : im->rows;
}

/* ---- JSON lines ---- */

static int check_keys(struct imp *im, int64_t row, json_t *o, const char *const *known) {
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    int ok = 0;
    for (int i = 0; known[i] && !ok; i++)
      ok = strcmp(known[i], key) == 0;
    if (!ok) {
      char list[200] = "";
      for (int i = 0; known[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", known[i]);
      return row_fail(im, row, "unknown field \"%s\" (fields: %s)", key, list);
    }
  }
  return 0;
}

static const char *opt_str(struct imp *im, int64_t row, json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  if (!v || json_is_null(v))
    return NULL;
  if (!json_is_string(v)) {
    row_fail(im, row, "field \"%s\" must be a string", key);
    return NULL;
  }
  return json_string_value(v);
}

static int member_line(struct imp *im, int64_t row, json_t *o) {
  static const char *const known[] = {"id", "name", "joined_at", "groups", "attrs", NULL};
  if (check_keys(im, row, o, known) < 0)
    return -1;
  struct member_row m = {0};
  m.id = opt_str(im, row, o, "id");
  m.name = opt_str(im, row, o, "name");
  m.joined = opt_str(im, row, o, "joined_at");
  if (im->failed)
    return -1;
  json_t *attrs = json_object_get(o, "attrs"), *groups = json_object_get(o, "groups");
  if (attrs && !json_is_object(attrs))
    return row_fail(im, row, "field \"attrs\" must be an object");
  if (groups && !json_is_array(groups))
    return row_fail(im, row, "field \"groups\" must be a list of group ids");
  m.attrs = attrs;
  if (store_member(im, row, &m) < 0)
    return -1;
  size_t i;
  json_t *g;
  json_array_foreach(groups, i, g) {
    if (!json_is_string(g) || !*json_string_value(g))
      return row_fail(im, row, "field \"groups\": item %zu is not a group id", i + 1);
    if (qun_store_membership_add(im->st, m.id, json_string_value(g), im->now) < 0)
      return row_fail(im, row, "%s", qun_store_errmsg(im->st));
  }
  return 0;
}

static int event_line(struct imp *im, int64_t row, json_t *o) {
  struct qun_event_in ev;
  char why[300];
  if (qun_event_in_read(o, im->now, &ev, why, sizeof why) < 0)
    return row_fail(im, row, "%s", why);
  int rc = qun_event_in_store(im->st, &ev, im->now);
  qun_event_in_free(&ev);
  if (rc < 0)
    return row_fail(im, row, "%s", qun_store_errmsg(im->st));
  im->rows++;
  return 0;
}

static int64_t import_jsonl(struct imp *im, FILE *f, int (*line_fn)(struct imp *, int64_t, json_t *)) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int64_t row = 0;
  while (!im->failed && (n = getline(&line, &cap, f)) >= 0) {
    row++;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = '\0';
    if (strspn(line, " \t") == (size_t)n)
      continue;
    json_error_t jerr;
    json_t *o = json_loadb(line, (size_t)n, 0, &jerr);
    if (!o) {
      row_fail(im, row, "not JSON: %s (column %d)", jerr.text, jerr.column);
      break;
    }
    if (!json_is_object(o))
      row_fail(im, row, "each line is one JSON object");
    else
      line_fn(im, row, o);
    json_decref(o);
  }
  free(line);
  return im->failed ? -1 : im->rows;
}

/* ---- both ---- */

static int is_jsonl(const char *path) {
  const char *dot = strrchr(path, '.');
  return dot && (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".ndjson") == 0 || strcmp(dot, ".json") == 0);
}

static int64_t import(struct qun_store *st, const char *path, int64_t now, char *err, size_t errlen,
                      int events) {
  struct imp im = {.st = st, .path = path, .now = now, .err = err, .errlen = errlen};
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: cannot read the file (%s)", path, strerror(errno));
    return -1;
  }
  if (events && !is_jsonl(path)) {
    fclose(f);
    snprintf(err, errlen, "%s: events come as JSON lines (a .jsonl file, one object per line)", path);
    return -1;
  }
  if (qun_store_begin(st) < 0) {
    fclose(f);
    snprintf(err, errlen, "%s: %s", path, qun_store_errmsg(st));
    return -1;
  }
  int64_t n = events ? import_jsonl(&im, f, event_line)
              : is_jsonl(path) ? import_jsonl(&im, f, member_line) : import_members_csv(&im, f);
  if (!im.failed && ferror(f))
    row_fail(&im, 0, "read error");
  fclose(f);
  if (n < 0 || im.failed) {
    qun_store_rollback(st);
    return -1;
  }
  if (qun_store_commit(st) < 0) {
    snprintf(err, errlen, "%s: %s", path, qun_store_errmsg(st));
    qun_store_rollback(st);
    return -1;
  }
  return n;
}

int64_t qun_import_members(struct qun_store *st, const char *path, int64_t now, char *err, size_t errlen) {
  return import(st, path, now, err, errlen, 0);
}

int64_t qun_import_events(struct qun_store *st, const char *path, int64_t now, char *err, size_t errlen) {
  return import(st, path, now, err, errlen, 1);
}
