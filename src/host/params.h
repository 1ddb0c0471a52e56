/* params.h — the typed parameters of a playbook header: their types, and
 * reading a value (from a default, --set or the team config, always as
 * text) into a typed value. Plain C; the Lua side is in playbook.c.
 * Uses: core/timespec (time, duration, money). */
#ifndef QUN_PARAMS_H
#define QUN_PARAMS_H

#include <stddef.h>
#include <stdint.h>

enum qun_ptype {
  QUN_P_STRING, QUN_P_NUMBER, QUN_P_INTEGER, QUN_P_BOOLEAN, QUN_P_TIME,
  QUN_P_DURATION, QUN_P_MONEY, QUN_P_GROUP, QUN_P_ENUM, QUN_P_LIST,
};

struct qun_param {
  char *name;
  enum qun_ptype type;
  enum qun_ptype of;     /* QUN_P_LIST: the element type (never LIST) */
  char *def;             /* the default as text, NULL if none */
  char *doc;
  int required;          /* no default and not `required = false` */
  char **values;         /* QUN_P_ENUM (also for a list of enum) */
  size_t nvalues;
  char *value;           /* the text in force: override or default; NULL if none */
};

/* A typed value. time → epoch seconds, duration → seconds, money → fen
 * (all in i); number in n; boolean in i (0/1); string, group, enum in s;
 * list in items. */
struct qun_pvalue {
  enum qun_ptype type;
  int64_t i;
  double n;
  char *s;
  struct qun_pvalue *items;
  size_t nitems;
};

/* "time" → QUN_P_TIME; QUN_EINVAL for an unknown name. */
int qun_ptype_parse(const char *name, enum qun_ptype *t);
const char *qun_ptype_name(enum qun_ptype t);
/* "string, number, ..." for error messages. */
const char *qun_ptype_names(void);

/* Reads text as a value of p (relative times count from `now`, epoch
 * seconds). On failure returns QUN_EINVAL/QUN_ERANGE and writes the reason,
 * e.g. `cannot read "sat 25:00" as a time (expected e.g. "sat 20:00" or
 * "2026-11-28 20:00")`. */
int qun_param_read(const struct qun_param *p, const char *text, int64_t now,
                   struct qun_pvalue *out, char *err, size_t errlen);

void qun_pvalue_free(struct qun_pvalue *v);
void qun_param_free(struct qun_param *p);

#endif
