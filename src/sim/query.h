/* query.h — picking lines out of a dry-run: the filters behind the
 * queries of a playbook test (r:sends{...}, r:events{...}, r:lines{...},
 * r:requests{...}; see sim/testfile.h), over parsed transcript lines and
 * recorded requests. Plain C over jansson values; no Lua.
 * Uses: core/timespec (reading the lines' RFC 3339 times). */
#ifndef QUN_QUERY_H
#define QUN_QUERY_H

#include <jansson.h>
#include <stdint.h>

#define QUN_QUERY_MAX_FIELDS 16

/* A top-level field that must be equal: a string, a number or a boolean. */
struct qun_query_field {
  const char *key;
  int type;        /* JSON_STRING, JSON_INTEGER, JSON_REAL or JSON_TRUE (a boolean) */
  const char *s;   /* JSON_STRING */
  int64_t i;       /* JSON_INTEGER; a boolean: 0 or 1 */
  double n;        /* JSON_REAL */
};

struct qun_query {
  /* "to": exact ("group:sh-1", "member:m1"), or a prefix when it ends in
   * ':' ("group:" is every group). NULL: any. */
  const char *to;
  /* A half-open window [from, until) in epoch seconds, on the line's "t";
   * each bound only if has_from / has_until. */
  int has_from, has_until;
  int64_t from, until;
  /* A substring (bytes, case-sensitive) of what the line says: for a send,
   * the words of its message (see qun_query_contains); for anything else,
   * any of its string values but "t" and "ev". NULL: any. */
  const char *contains;
  struct qun_query_field fields[QUN_QUERY_MAX_FIELDS];
  int nfields;
};

/* 1 if the line (a JSON object) passes every filter, else 0. `at` is the
 * line's time in epoch seconds (qun_query_time). */
int qun_query_match(const struct qun_query *q, const json_t *line, int64_t at);

/* The line's "t" (RFC 3339 with offset) in epoch seconds; -1 with *at
 * unchanged if it has none or it does not read. */
int qun_query_time(const json_t *line, int64_t *at);

/* 1 if needle is in what the line says. For a send line ("ev": "send"),
 * the words of "msg": every "text", "markdown", "title" and "description"
 * string at any depth (a link card's title, each news card's) — not URLs,
 * image paths or mentions. For any other value, every string in it except
 * the top-level "t" and "ev". */
int qun_query_contains(const json_t *line, const char *needle);

#endif
