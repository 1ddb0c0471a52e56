/* jobheap.c — array min-heap with an id index (see jobheap.h). */
#include "core/jobheap.h"
#include "core/err.h"

#include <stdlib.h>
#include <string.h>

#define EMPTY INT64_MIN
#define TOMB (INT64_MIN + 1)

struct jobheap_slot {
  int64_t id;  /* EMPTY, TOMB (deleted) or an id */
  size_t pos;  /* position in items */
};

void qun_jobheap_init(struct qun_jobheap *h) {
  memset(h, 0, sizeof *h);
}

void qun_jobheap_free(struct qun_jobheap *h) {
  free(h->items);
  free(h->index);
  memset(h, 0, sizeof *h);
}

static size_t hash(int64_t id, size_t cap) {
  uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
  return (size_t)(x ^ (x >> 32)) & (cap - 1);
}

static struct jobheap_slot *find(const struct qun_jobheap *h, int64_t id) {
  if (!h->index_cap)
    return NULL;
  for (size_t i = hash(id, h->index_cap);; i = (i + 1) & (h->index_cap - 1)) {
    if (h->index[i].id == id)
      return &h->index[i];
    if (h->index[i].id == EMPTY)
      return NULL;
  }
}

static void index_put(struct qun_jobheap *h, int64_t id, size_t pos) {
  size_t i = hash(id, h->index_cap);
  while (h->index[i].id != EMPTY && h->index[i].id != TOMB)
    i = (i + 1) & (h->index_cap - 1);
  h->index_used += h->index[i].id == EMPTY;
  h->index[i].id = id, h->index[i].pos = pos;
}

/* Keeps the index at most half full, tombstones included: past that it is
 * rebuilt (larger if the live ids need it), which drops the tombstones. */
static int index_reserve(struct qun_jobheap *h, size_t want) {
  if ((h->index_used + 1) * 2 <= h->index_cap)
    return 0;
  size_t cap = 64;
  while (want * 4 > cap)
    cap *= 2;
  struct jobheap_slot *idx = malloc(cap * sizeof *idx);
  if (!idx)
    return QUN_ENOMEM;
  for (size_t i = 0; i < cap; i++)
    idx[i].id = EMPTY;
  free(h->index);
  h->index = idx, h->index_cap = cap, h->index_used = 0;
  for (size_t i = 0; i < h->n; i++)
    index_put(h, h->items[i].id, i);
  return 0;
}

static int less(const struct qun_jobheap_item *a, const struct qun_jobheap_item *b) {
  return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void place(struct qun_jobheap *h, size_t pos, struct qun_jobheap_item it) {
  h->items[pos] = it;
  find(h, it.id)->pos = pos;
}

static void sift_up(struct qun_jobheap *h, size_t pos) {
  struct qun_jobheap_item it = h->items[pos];
  while (pos > 0) {
    size_t parent = (pos - 1) / 2;
    if (!less(&it, &h->items[parent]))
      break;
    place(h, pos, h->items[parent]);
    pos = parent;
  }
  place(h, pos, it);
}

static void sift_down(struct qun_jobheap *h, size_t pos) {
  struct qun_jobheap_item it = h->items[pos];
  for (;;) {
    size_t child = 2 * pos + 1;
    if (child >= h->n)
      break;
    if (child + 1 < h->n && less(&h->items[child + 1], &h->items[child]))
      child++;
    if (!less(&h->items[child], &it))
      break;
    place(h, pos, h->items[child]);
    pos = child;
  }
  place(h, pos, it);
}

int qun_jobheap_push(struct qun_jobheap *h, int64_t due, int64_t id) {
  if (id == EMPTY || id == TOMB)
    return QUN_EINVAL;
  if (find(h, id))
    return QUN_EEXIST;
  if (h->n == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 64;
    struct qun_jobheap_item *items = realloc(h->items, cap * sizeof *items);
    if (!items)
      return QUN_ENOMEM;
    h->items = items, h->cap = cap;
  }
  if (index_reserve(h, h->n + 1) < 0)
    return QUN_ENOMEM;
  size_t pos = h->n++;
  h->items[pos] = (struct qun_jobheap_item){due, h->next_seq++, id};
  index_put(h, id, pos);
  sift_up(h, pos);
  return 0;
}

const struct qun_jobheap_item *qun_jobheap_peek(const struct qun_jobheap *h) {
  return h->n ? &h->items[0] : NULL;
}

static void remove_at(struct qun_jobheap *h, size_t pos) {
  find(h, h->items[pos].id)->id = TOMB;
  h->n--;
  if (pos == h->n)
    return;
  struct qun_jobheap_item last = h->items[h->n];
  place(h, pos, last);
  if (pos > 0 && less(&last, &h->items[(pos - 1) / 2]))
    sift_up(h, pos);
  else
    sift_down(h, pos);
}

int qun_jobheap_pop(struct qun_jobheap *h, struct qun_jobheap_item *out) {
  if (!h->n)
    return QUN_ENOENT;
  *out = h->items[0];
  remove_at(h, 0);
  if (h->n == 0 && h->index_cap) { /* drop the tombstones */
    for (size_t i = 0; i < h->index_cap; i++)
      h->index[i].id = EMPTY;
    h->index_used = 0;
  }
  return 0;
}

int qun_jobheap_remove(struct qun_jobheap *h, int64_t id) {
  struct jobheap_slot *s = find(h, id);
  if (!s)
    return QUN_ENOENT;
  remove_at(h, s->pos);
  return 0;
}

int qun_jobheap_contains(const struct qun_jobheap *h, int64_t id) {
  return find(h, id) != NULL;
}
