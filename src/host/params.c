/* params.c — reading playbook parameter values (see params.h). */
#include "host/params.h"
#include "core/err.h"
#include "core/timespec.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
  const char *name;
  const char *example; /* completes "(expected ...)" */
} ptypes[] = {
    [QUN_P_STRING] = {"string", "text"},
    [QUN_P_NUMBER] = {"number", "e.g. \"2.5\""},
    [QUN_P_INTEGER] = {"integer", "e.g. \"42\""},
    [QUN_P_BOOLEAN] = {"boolean", "true or false"},
    [QUN_P_TIME] = {"time", "e.g. \"sat 20:00\" or \"2026-11-28 20:00\""},
    [QUN_P_DURATION] = {"duration", "e.g. \"90m\", \"2h\" or \"1d12h\""},
    [QUN_P_MONEY] = {"money", "yuan, e.g. \"88.88\""},
    [QUN_P_GROUP] = {"group", "a group id without spaces, e.g. \"sh-1\""},
    [QUN_P_ENUM] = {"enum", "one of the listed values"},
    [QUN_P_LIST] = {"list", "comma-separated values"},
};
#define NPTYPES (sizeof ptypes / sizeof ptypes[0])

int qun_ptype_parse(const char *name, enum qun_ptype *t) {
  for (size_t i = 0; i < NPTYPES; i++)
    if (strcmp(ptypes[i].name, name) == 0) {
      *t = (enum qun_ptype)i;
      return 0;
    }
  return QUN_EINVAL;
}

const char *qun_ptype_name(enum qun_ptype t) {
  return (size_t)t < NPTYPES ? ptypes[t].name : "?";
}

const char *qun_ptype_names(void) {
  return "string, number, integer, boolean, time, duration, money, group, enum, list";
}

static int cant_read(const char *text, enum qun_ptype t, char *err, size_t errlen) {
  snprintf(err, errlen, "cannot read \"%s\" as %s %s (expected %s)", text,
           t == QUN_P_INTEGER ? "an" : "a", ptypes[t].name, ptypes[t].example);
  return QUN_EINVAL;
}

static int read_bool(const char *s, int *b) {
  static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
  for (size_t i = 0; i < 4; i++) {
    if (strcasecmp(s, yes[i]) == 0)
      return *b = 1, 0;
    if (strcasecmp(s, no[i]) == 0)
      return *b = 0, 0;
  }
  return QUN_EINVAL;
}

static int read_group(const char *s) {
  if (!*s)
    return QUN_EINVAL;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p <= ' ' || *p == 0x7f)
      return QUN_EINVAL;
  return 0;
}

/* Reads one scalar (not a list). */
static int read_scalar(const struct qun_param *p, enum qun_ptype t, const char *s, int64_t now,
                       struct qun_pvalue *out, char *err, size_t errlen) {
  char *end;
  int rc;
  out->type = t;
  switch (t) {
  case QUN_P_STRING:
    break;
  case QUN_P_GROUP:
    if (read_group(s) < 0)
      return cant_read(s, t, err, errlen);
    break;
  case QUN_P_ENUM:
    for (size_t i = 0; i < p->nvalues; i++)
      if (strcmp(p->values[i], s) == 0)
        goto copy;
    {
      size_t n = (size_t)snprintf(err, errlen, "\"%s\" is not one of ", s);
      for (size_t i = 0; i < p->nvalues && n < errlen; i++)
        n += (size_t)snprintf(err + n, errlen - n, "%s%s", i ? ", " : "", p->values[i]);
    }
    return QUN_EINVAL;
  case QUN_P_NUMBER:
    errno = 0;
    out->n = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(out->n) || isspace((unsigned char)*s))
      return cant_read(s, t, err, errlen);
    return 0;
  case QUN_P_INTEGER:
    errno = 0;
    out->i = strtoll(s, &end, 10);
    if (end == s || *end || isspace((unsigned char)*s))
      return cant_read(s, t, err, errlen);
    if (errno == ERANGE) {
      snprintf(err, errlen, "\"%s\" is out of range for an integer", s);
      return QUN_ERANGE;
    }
    return 0;
  case QUN_P_BOOLEAN: {
    int b;
    if (read_bool(s, &b) < 0)
      return cant_read(s, t, err, errlen);
    out->i = b;
    return 0;
  }
  case QUN_P_TIME:
    if (qun_time_parse(s, now, &out->i) < 0)
      return cant_read(s, t, err, errlen);
    return 0;
  case QUN_P_DURATION:
    if (qun_duration_parse(s, &out->i) < 0)
      return cant_read(s, t, err, errlen);
    return 0;
  case QUN_P_MONEY:
    rc = qun_money_parse(s, &out->i);
    if (rc == QUN_ERANGE) {
      snprintf(err, errlen, "\"%s\" is too much money (at most 10000000000.00 yuan)", s);
      return rc;
    }
    if (rc < 0)
      return cant_read(s, t, err, errlen);
    return 0;
  case QUN_P_LIST:
    break;
  }
copy:
  if (!(out->s = strdup(s))) {
    snprintf(err, errlen, "out of memory");
    return QUN_ENOMEM;
  }
  return 0;
}

static int read_list(const struct qun_param *p, const char *text, int64_t now,
                     struct qun_pvalue *out, char *err, size_t errlen) {
  out->type = QUN_P_LIST;
  if (!*text)
    return 0; /* the empty list */
  size_t n = 1;
  for (const char *c = text; *c; c++)
    n += *c == ',';
  if (!(out->items = calloc(n, sizeof *out->items)))
    return QUN_ENOMEM;
  const char *item = text;
  for (size_t k = 0; k < n; k++) {
    const char *comma = strchr(item, ',');
    size_t len = comma ? (size_t)(comma - item) : strlen(item);
    while (len && isspace((unsigned char)*item))
      item++, len--;
    while (len && isspace((unsigned char)item[len - 1]))
      len--;
    char *one = strndup(item, len);
    if (!one)
      return QUN_ENOMEM;
    char why[256];
    int rc = read_scalar(p, p->of, one, now, &out->items[k], why, sizeof why);
    if (rc < 0) {
      snprintf(err, errlen, "item %zu of \"%s\": %s", k + 1, text, why);
      free(one);
      return rc;
    }
    free(one);
    out->nitems = k + 1;
    item = comma ? comma + 1 : item + len;
  }
  return 0;
}

int qun_param_read(const struct qun_param *p, const char *text, int64_t now,
                   struct qun_pvalue *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  int rc = p->type == QUN_P_LIST ? read_list(p, text, now, out, err, errlen)
                                 : read_scalar(p, p->type, text, now, out, err, errlen);
  if (rc == QUN_ENOMEM)
    snprintf(err, errlen, "out of memory");
  if (rc < 0)
    qun_pvalue_free(out);
  return rc;
}

void qun_pvalue_free(struct qun_pvalue *v) {
  for (size_t k = 0; k < v->nitems; k++)
    qun_pvalue_free(&v->items[k]);
  free(v->items);
  free(v->s);
  memset(v, 0, sizeof *v);
}

void qun_param_free(struct qun_param *p) {
  free(p->name);
  free(p->def);
  free(p->doc);
  free(p->value);
  for (size_t i = 0; i < p->nvalues; i++)
    free(p->values[i]);
  free(p->values);
  memset(p, 0, sizeof *p);
}
