/* jobheap.h — pending jobs in an array min-heap ordered by (due, seq), with
 * an id → position index so that a job can be cancelled in O(log n).
 * 24 bytes per item in the heap plus 16 in the index (at most half full):
 * ≤ 64 bytes per pending job. Plain C, no dependencies. */
#ifndef QUN_JOBHEAP_H
#define QUN_JOBHEAP_H

#include <stddef.h>
#include <stdint.h>

struct qun_jobheap_item {
  int64_t due;   /* ms since the epoch */
  uint64_t seq;  /* push order: FIFO among equal due times */
  int64_t id;    /* unique among pending items; any value but INT64_MIN */
};

struct qun_jobheap {
  struct qun_jobheap_item *items;
  size_t n, cap;
  struct jobheap_slot *index; /* open addressing, linear probing */
  size_t index_cap;           /* a power of two */
  size_t index_used;          /* live ids + tombstones */
  uint64_t next_seq;
};

void qun_jobheap_init(struct qun_jobheap *h);
void qun_jobheap_free(struct qun_jobheap *h);
/* QUN_EEXIST if id is pending already, QUN_ENOMEM; else 0. */
int qun_jobheap_push(struct qun_jobheap *h, int64_t due, int64_t id);
const struct qun_jobheap_item *qun_jobheap_peek(const struct qun_jobheap *h); /* NULL if empty */
int qun_jobheap_pop(struct qun_jobheap *h, struct qun_jobheap_item *out);   /* QUN_ENOENT if empty */
int qun_jobheap_remove(struct qun_jobheap *h, int64_t id);                    /* QUN_ENOENT if absent */
int qun_jobheap_contains(const struct qun_jobheap *h, int64_t id);
static inline size_t qun_jobheap_size(const struct qun_jobheap *h) { return h->n; }

#endif
