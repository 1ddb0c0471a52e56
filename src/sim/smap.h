/* smap.h — a string-keyed table of int64 slots for the summary's counters
 * and small sets: open addressing, keys copied, entries numbered in
 * insertion order (so callers can keep parallel arrays). Dumps as a JSON
 * object with keys in byte order, which keeps summary.json stable. Uses
 * jansson for the dump only. */
#ifndef QUN_SMAP_H
#define QUN_SMAP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct qun_smap {
  char **keys;
  int64_t *vals;
  size_t n, cap;
  uint32_t *slots; /* entry index + 1; 0 = empty */
  size_t nslots;
};

void qun_smap_init(struct qun_smap *m);
void qun_smap_free(struct qun_smap *m);
/* The entry of key, or -1. */
long qun_smap_find(const struct qun_smap *m, const char *key);
/* The entry of key, created with value 0 if new (*created set when given);
 * -1 if out of memory. */
long qun_smap_add(struct qun_smap *m, const char *key, int *created);
/* Adds by to key's value (creating it). 0, or -1 if out of memory. */
int qun_smap_inc(struct qun_smap *m, const char *key, int64_t by);
/* Entry i's value / key (i < m->n). */
static inline int64_t *qun_smap_val(struct qun_smap *m, long i) {
  return &m->vals[i];
}
static inline const char *qun_smap_key(const struct qun_smap *m, long i) {
  return m->keys[i];
}
/* {"key": value, ...} with keys in strcmp order. New reference. */
json_t *qun_smap_json(const struct qun_smap *m);
/* Entry indexes sorted by key (strcmp); malloc'd, m->n long (NULL if empty
 * or out of memory). */
long *qun_smap_sorted(const struct qun_smap *m);

#endif
