/* smap.c — see smap.h. */
#define _GNU_SOURCE /* qsort_r */
#include "sim/smap.h"

#include <stdlib.h>
#include <string.h>

void qun_smap_init(struct qun_smap *m) {
  memset(m, 0, sizeof *m);
}

void qun_smap_free(struct qun_smap *m) {
  for (size_t i = 0; i < m->n; i++)
    free(m->keys[i]);
  free(m->keys);
  free(m->vals);
  free(m->slots);
  memset(m, 0, sizeof *m);
}

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

long qun_smap_find(const struct qun_smap *m, const char *key) {
  if (!m->nslots)
    return -1;
  size_t mask = m->nslots - 1;
  for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
    uint32_t e = m->slots[i];
    if (!e)
      return -1;
    if (strcmp(m->keys[e - 1], key) == 0)
      return (long)e - 1;
  }
}

static int grow_slots(struct qun_smap *m) {
  size_t n = m->nslots ? m->nslots * 2 : 16;
  uint32_t *s = calloc(n, sizeof *s);
  if (!s)
    return -1;
  for (size_t e = 0; e < m->n; e++) {
    size_t i = hash(m->keys[e]) & (n - 1);
    while (s[i])
      i = (i + 1) & (n - 1);
    s[i] = (uint32_t)e + 1;
  }
  free(m->slots);
  m->slots = s;
  m->nslots = n;
  return 0;
}

long qun_smap_add(struct qun_smap *m, const char *key, int *created) {
  long f = qun_smap_find(m, key);
  if (created)
    *created = f < 0;
  if (f >= 0)
    return f;
  if (m->n >= UINT32_MAX - 1)
    return -1;
  if ((m->n + 1) * 4 > m->nslots * 3 && grow_slots(m) < 0) /* load ≤ 3/4 */
    return -1;
  if (m->n == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 8;
    char **k = realloc(m->keys, cap * sizeof *k);
    if (!k)
      return -1;
    m->keys = k;
    int64_t *v = realloc(m->vals, cap * sizeof *v);
    if (!v)
      return -1;
    m->vals = v;
    m->cap = cap;
  }
  char *copy = strdup(key);
  if (!copy)
    return -1;
  size_t e = m->n++;
  m->keys[e] = copy;
  m->vals[e] = 0;
  size_t mask = m->nslots - 1, i = hash(key) & mask;
  while (m->slots[i])
    i = (i + 1) & mask;
  m->slots[i] = (uint32_t)e + 1;
  return (long)e;
}

int qun_smap_inc(struct qun_smap *m, const char *key, int64_t by) {
  long e = qun_smap_add(m, key, NULL);
  if (e < 0)
    return -1;
  m->vals[e] += by;
  return 0;
}

static int by_key(const void *a, const void *b, void *ud) {
  const struct qun_smap *m = ud;
  return strcmp(m->keys[*(const long *)a], m->keys[*(const long *)b]);
}

long *qun_smap_sorted(const struct qun_smap *m) {
  if (!m->n)
    return NULL;
  long *ix = malloc(m->n * sizeof *ix);
  if (!ix)
    return NULL;
  for (size_t i = 0; i < m->n; i++)
    ix[i] = (long)i;
  qsort_r(ix, m->n, sizeof *ix, by_key, (void *)m);
  return ix;
}

json_t *qun_smap_json(const struct qun_smap *m) {
  json_t *o = json_object();
  long *ix = qun_smap_sorted(m);
  for (size_t i = 0; ix && i < m->n; i++)
    json_object_set_new(o, m->keys[ix[i]], json_integer(m->vals[ix[i]]));
  free(ix);
  return o;
}
