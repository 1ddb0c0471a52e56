/* query.c — the filters of a playbook test's queries (see query.h). */
#include "sim/query.h"
#include "core/timespec.h"

#include <string.h>

#define MAX_DEPTH 32

static const char *const words[] = {"text", "markdown", "title", "description", NULL};

static int is_word_key(const char *k) {
  for (int i = 0; words[i]; i++)
    if (strcmp(words[i], k) == 0)
      return 1;
  return 0;
}

static int has(const json_t *s, const char *needle) {
  return json_is_string(s) && strstr(json_string_value(s), needle) != NULL;
}

/* The words of a message: the strings under word keys, at any depth. */
static int in_words(const json_t *v, const char *needle, int depth) {
  if (depth > MAX_DEPTH)
    return 0;
  if (json_is_array(v)) {
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e) {
      if (in_words(e, needle, depth + 1))
        return 1;
    }
    return 0;
  }
  if (!json_is_object(v))
    return 0;
  const char *k;
  const json_t *e;
  json_object_foreach((json_t *)v, k, e) {
    if (is_word_key(k) ? has(e, needle) : in_words(e, needle, depth + 1))
      return 1;
  }
  return 0;
}

/* Every string in v. */
static int in_strings(const json_t *v, const char *needle, int depth, int top) {
  if (depth > MAX_DEPTH)
    return 0;
  if (json_is_string(v))
    return has(v, needle);
  size_t i;
  const char *k;
  const json_t *e;
  if (json_is_array(v)) {
    json_array_foreach(v, i, e) {
      if (in_strings(e, needle, depth + 1, 0))
        return 1;
    }
    return 0;
  }
  if (!json_is_object(v))
    return 0;
  json_object_foreach((json_t *)v, k, e) {
    if (top && (strcmp(k, "t") == 0 || strcmp(k, "ev") == 0))
      continue;
    if (in_strings(e, needle, depth + 1, 0))
      return 1;
  }
  return 0;
}

int qun_query_contains(const json_t *line, const char *needle) {
  const char *ev = json_string_value(json_object_get(line, "ev"));
  if (ev && strcmp(ev, "send") == 0)
    return in_words(json_object_get(line, "msg"), needle, 0);
  return in_strings(line, needle, 0, 1);
}

int qun_query_time(const json_t *line, int64_t *at) {
  const char *t = json_string_value(json_object_get(line, "t"));
  int64_t v;
  if (!t || qun_time_parse(t, 0, &v) < 0)
    return -1;
  *at = v;
  return 0;
}

static int field_equal(const struct qun_query_field *f, const json_t *v) {
  switch (f->type) {
  case JSON_STRING:
    return json_is_string(v) && strcmp(json_string_value(v), f->s) == 0;
  case JSON_INTEGER:
    if (json_is_integer(v))
      return json_integer_value(v) == f->i;
    return json_is_real(v) && json_real_value(v) == (double)f->i;
  case JSON_REAL:
    return json_is_number(v) && json_number_value(v) == f->n;
  case JSON_TRUE:
    return json_is_boolean(v) && json_is_true(v) == (f->i != 0);
  default:
    return 0;
  }
}

int qun_query_match(const struct qun_query *q, const json_t *line, int64_t at) {
  if (q->has_from && at < q->from)
    return 0;
  if (q->has_until && at >= q->until)
    return 0;
  for (int i = 0; i < q->nfields; i++)
    if (!field_equal(&q->fields[i], json_object_get(line, q->fields[i].key)))
      return 0;
  if (q->to) {
    const char *to = json_string_value(json_object_get(line, "to"));
    size_t n = strlen(q->to);
    if (!to)
      return 0;
    if (n && q->to[n - 1] == ':' ? strncmp(to, q->to, n) != 0 : strcmp(to, q->to) != 0)
      return 0;
  }
  if (q->contains && !qun_query_contains(line, q->contains))
    return 0;
  return 1;
}
