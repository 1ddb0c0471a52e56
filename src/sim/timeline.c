/* timeline.c — see timeline.h. */
#include "sim/timeline.h"
#include "sim/rfc3339.h"
#include "sim/smap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL 96 /* bytes kept per mark's label (≤ 60 of text plus "…" and a prefix) */

struct mark {
  int64_t ms;
  uint32_t group, channel, to; /* names index + 1; 0 = none */
  char kind;                   /* 's'end, 'c'ountdown, 'r'edpacket */
  char label[LABEL];
};

struct bucket {
  int64_t hour; /* local hours since the epoch */
  int off;      /* the offset of the first line counted */
  uint32_t group;
  char kind; /* 'g'roup sends, 'm'ember sends, 'p'urchases */
};

struct qun_timeline {
  struct qun_smap names; /* groups, channels, targets */
  struct mark *marks;
  size_t nmarks, cap;
  size_t nsend, ncountdown, npacket;
  int sends_over, truncated;
  struct qun_smap buckets; /* "kind|group|hour" → count, parallel to bucket[] */
  struct bucket *bucket;
  size_t bcap;
};

struct qun_timeline *qun_timeline_new(void) {
  struct qun_timeline *tl = calloc(1, sizeof *tl);
  if (tl) {
    qun_smap_init(&tl->names);
    qun_smap_init(&tl->buckets);
  }
  return tl;
}

void qun_timeline_free(struct qun_timeline *tl) {
  if (!tl)
    return;
  qun_smap_free(&tl->names);
  qun_smap_free(&tl->buckets);
  free(tl->marks);
  free(tl->bucket);
  free(tl);
}

static uint32_t name(struct qun_timeline *tl, const char *s) {
  if (!s)
    return 0;
  long i = qun_smap_add(&tl->names, s, NULL);
  return i < 0 ? 0 : (uint32_t)i + 1;
}

static const char *name_of(const struct qun_timeline *tl, uint32_t i) {
  return i ? qun_smap_key(&tl->names, (long)i - 1) : NULL;
}

void qun_timeline_label(char *buf, size_t n, const char *text, size_t max) {
  size_t o = 0;
  int space = 0;
  if (max + 4 > n) /* room for "…" (3 bytes) and the NUL */
    max = n > 4 ? n - 4 : 0;
  for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
      space = o > 0;
      continue;
    }
    size_t len = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
    for (size_t k = 1; k < len; k++)
      if ((p[k] & 0xc0) != 0x80) { /* a broken sequence: take its first byte alone */
        len = 1;
        break;
      }
    if (o + space + len > max) {
      memcpy(buf + o, "\xe2\x80\xa6", 3);
      o += 3;
      break;
    }
    if (space)
      buf[o++] = ' ';
    space = 0;
    memcpy(buf + o, p, len);
    o += len;
    p += len - 1;
  }
  buf[o] = 0;
}

static void count(struct qun_timeline *tl, int64_t ms, int off, char kind, const char *group) {
  uint32_t g = name(tl, group);
  int64_t hour = qun_local_hour(ms, off, NULL);
  char key[64];
  snprintf(key, sizeof key, "%c|%u|%lld", kind, g, (long long)hour);
  if (tl->buckets.n >= tl->bcap) { /* room first, so every key has its bucket */
    size_t cap = tl->bcap ? tl->bcap * 2 : 64;
    struct bucket *bs = realloc(tl->bucket, cap * sizeof *bs);
    if (!bs)
      return;
    tl->bucket = bs;
    tl->bcap = cap;
  }
  int created;
  long i = qun_smap_add(&tl->buckets, key, &created);
  if (i < 0)
    return;
  if (created)
    tl->bucket[i] = (struct bucket){hour, off, g, kind};
  (*qun_smap_val(&tl->buckets, i))++;
}

void qun_timeline_count(struct qun_timeline *tl, int64_t ms, int off, const char *kind,
                        const char *group) {
  count(tl, ms, off, strcmp(kind, "event") == 0 ? 'p' : 'm', group);
}

void qun_timeline_mark(struct qun_timeline *tl, int64_t ms, int off, const char *kind,
                       const char *group, const char *channel, const char *to, const char *label) {
  char k = kind[0];
  size_t *n = k == 's' ? &tl->nsend : k == 'c' ? &tl->ncountdown : &tl->npacket;
  size_t cap = k == 's'   ? QUN_TIMELINE_SENDS
               : k == 'c' ? QUN_TIMELINE_COUNTDOWNS
                          : QUN_TIMELINE_PACKETS;
  if (k == 's')
    count(tl, ms, off, 'g', group);
  if (*n >= cap) {
    if (k == 's')
      tl->sends_over = 1;
    else
      tl->truncated = 1;
    return;
  }
  if (tl->nmarks == tl->cap) {
    size_t c = tl->cap ? tl->cap * 2 : 64;
    struct mark *m = realloc(tl->marks, c * sizeof *m);
    if (!m)
      return;
    tl->marks = m;
    tl->cap = c;
  }
  struct mark *m = &tl->marks[tl->nmarks++];
  (*n)++;
  m->ms = ms;
  m->kind = k;
  m->group = name(tl, group);
  m->channel = name(tl, channel);
  m->to = name(tl, to);
  qun_timeline_label(m->label, sizeof m->label, label, 80);
}

/* ---- building ---- */

struct entry {
  int64_t t;
  int rank; /* windows under volumes under marks, at equal times */
  const char *group, *label;
  size_t seq;
  json_t *e;
};

struct entries {
  struct entry *v;
  size_t n, cap;
};

static json_t *str_or_null(const char *s) {
  return s ? json_string(s) : json_null();
}

static void push(struct entries *es, int64_t t, int rank, const char *group, const char *label,
                 json_t *e) {
  if (!e)
    return;
  if (es->n == es->cap) {
    size_t c = es->cap ? es->cap * 2 : 256;
    struct entry *v = realloc(es->v, c * sizeof *v);
    if (!v) {
      json_decref(e);
      return;
    }
    es->v = v;
    es->cap = c;
  }
  es->v[es->n] = (struct entry){t, rank, group, label, es->n, e};
  es->n++;
}

static json_t *entry(int64_t t, const char *group, const char *kind, const char *label,
                     const char *channel, const char *to) {
  json_t *e = json_object();
  json_object_set_new(e, "t", json_integer(t));
  json_object_set_new(e, "group", str_or_null(group));
  json_object_set_new(e, "member", json_null());
  json_object_set_new(e, "kind", json_string(kind));
  json_object_set_new(e, "label", json_string(label ? label : ""));
  json_object_set_new(e, "channel", str_or_null(channel));
  json_object_set_new(e, "to", str_or_null(to));
  return e;
}

static size_t add_windows(struct entries *es, const json_t *windows) {
  size_t i, n = 0;
  json_t *w;
  if (!json_is_array(windows))
    return 0;
  json_array_foreach(windows, i, w) {
    struct qun_stamp from, to;
    const char *label = json_string_value(json_object_get(w, "label"));
    if (n >= QUN_TIMELINE_WINDOWS ||
        qun_rfc3339_parse(json_string_value(json_object_get(w, "from")), &from) < 0 ||
        qun_rfc3339_parse(json_string_value(json_object_get(w, "to")), &to) < 0 || to.ms < from.ms)
      continue;
    const char *group = json_string_value(json_object_get(w, "group"));
    char buf[LABEL];
    qun_timeline_label(buf, sizeof buf, label, 80);
    json_t *e = entry(from.ms, group, "window", buf, NULL, NULL);
    json_object_set_new(e, "end", json_integer(to.ms));
    push(es, from.ms, 0, group, json_string_value(json_object_get(e, "label")), e);
    n++;
  }
  return n;
}

/* Volumes at a width of w hours: coarse buckets in agg (parallel arrays
 * start/count/bucket). */
struct coarse {
  struct qun_smap keys;
  int64_t *start;
  const struct bucket **b;
  size_t cap;
};

static void coarse_free(struct coarse *c) {
  qun_smap_free(&c->keys);
  free(c->start);
  free(c->b);
  memset(c, 0, sizeof *c);
}

static int coarsen(const struct qun_timeline *tl, int w, struct coarse *c) {
  qun_smap_init(&c->keys);
  for (size_t i = 0; i < tl->buckets.n; i++) {
    const struct bucket *b = &tl->bucket[i];
    if (b->kind == 'g' && !tl->sends_over)
      continue; /* drawn one by one */
    int64_t h = b->hour >= 0 ? b->hour / w : -((-b->hour + w - 1) / w);
    char key[64];
    snprintf(key, sizeof key, "%c|%u|%lld", b->kind, b->group, (long long)h);
    if (c->keys.n >= c->cap) {
      size_t cap = c->cap ? c->cap * 2 : 64;
      int64_t *s = realloc(c->start, cap * sizeof *s);
      if (s)
        c->start = s;
      const struct bucket **bb = realloc(c->b, cap * sizeof *bb);
      if (bb)
        c->b = bb;
      if (!s || !bb)
        return -1;
      c->cap = cap;
    }
    int created;
    long k = qun_smap_add(&c->keys, key, &created);
    if (k < 0)
      return -1;
    if (created) {
      c->start[k] = h * w * 3600000 - (int64_t)b->off * 1000;
      c->b[k] = b;
    }
    *qun_smap_val(&c->keys, k) += tl->buckets.vals[i];
  }
  return 0;
}

struct lane {
  uint32_t group;
  int64_t volume;
  size_t buckets;
};

static int by_volume(const void *a, const void *b) {
  const struct lane *x = a, *y = b;
  if (x->volume != y->volume)
    return x->volume > y->volume ? -1 : 1;
  return x->group < y->group ? -1 : x->group > y->group;
}

static int by_time(const void *a, const void *b) {
  const struct entry *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  if (x->rank != y->rank)
    return x->rank - y->rank;
  if ((x->group == NULL) != (y->group == NULL))
    return x->group == NULL ? -1 : 1;
  int c = x->group ? strcmp(x->group, y->group) : 0;
  if (c)
    return c;
  c = strcmp(x->label ? x->label : "", y->label ? y->label : "");
  if (c)
    return c;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

json_t *qun_timeline_build(struct qun_timeline *tl, const json_t *windows, json_t *meta) {
  struct entries es = {0};
  add_windows(&es, windows);
  for (size_t i = 0; i < tl->nmarks; i++) {
    const struct mark *m = &tl->marks[i];
    if (m->kind == 's' && tl->sends_over)
      continue;
    const char *kind = m->kind == 's' ? "send" : m->kind == 'c' ? "countdown" : "redpacket";
    const char *group = name_of(tl, m->group);
    push(&es, m->ms, 2, group, m->label,
         entry(m->ms, group, kind, m->label, name_of(tl, m->channel), name_of(tl, m->to)));
  }
  /* Volumes: the narrowest width that fits what is left. */
  static const int widths[] = {1, 2, 3, 4, 6, 12, 24, 48, 168};
  size_t budget = QUN_TIMELINE_MAX > es.n ? QUN_TIMELINE_MAX - es.n : 0;
  struct coarse c = {0};
  int w = 1;
  for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
    coarse_free(&c);
    w = widths[i];
    if (coarsen(tl, w, &c) < 0)
      break;
    if (c.keys.n <= budget)
      break;
  }
  /* Still too many: the busiest lanes that fit whole. */
  uint32_t nnames = (uint32_t)tl->names.n + 1;
  unsigned char *keep = calloc(nnames, 1);
  struct lane *lanes = calloc(nnames, sizeof *lanes);
  if (keep && lanes) {
    if (c.keys.n <= budget) {
      memset(keep, 1, nnames);
    } else {
      tl->truncated = 1;
      for (uint32_t g = 0; g < nnames; g++)
        lanes[g].group = g;
      for (size_t k = 0; k < c.keys.n; k++) {
        lanes[c.b[k]->group].volume += c.keys.vals[k];
        lanes[c.b[k]->group].buckets++;
      }
      qsort(lanes, nnames, sizeof *lanes, by_volume);
      size_t used = 0;
      for (uint32_t g = 0; g < nnames; g++)
        if (lanes[g].buckets && used + lanes[g].buckets <= budget) {
          used += lanes[g].buckets;
          keep[lanes[g].group] = 1;
        }
    }
    for (size_t k = 0; k < c.keys.n; k++) {
      const struct bucket *b = c.b[k];
      if (!keep[b->group])
        continue;
      const char *group = name_of(tl, b->group);
      const char *label = b->kind == 'p' ? "purchase" : b->kind == 'm' ? "member sends" : "group sends";
      char to[300];
      if (b->kind == 'g')
        snprintf(to, sizeof to, "group:%s", group ? group : "");
      json_t *e = entry(c.start[k], group, b->kind == 'p' ? "event" : "send", label, NULL,
                        b->kind == 'p' ? NULL : b->kind == 'm' ? "members" : to);
      json_object_set_new(e, "count", json_integer(c.keys.vals[k]));
      json_object_set_new(e, "end", json_integer(c.start[k] + (int64_t)w * 3600000));
      push(&es, c.start[k], 1, group, label, e);
    }
  }
  free(keep);
  free(lanes);
  coarse_free(&c);

  if (es.n > 1)
    qsort(es.v, es.n, sizeof *es.v, by_time);
  json_t *out = json_array();
  struct qun_smap seen;
  qun_smap_init(&seen);
  for (size_t i = 0; i < es.n; i++) {
    if (i < QUN_TIMELINE_MAX) {
      if (es.v[i].group)
        qun_smap_add(&seen, es.v[i].group, NULL);
      json_array_append_new(out, es.v[i].e);
    } else {
      tl->truncated = 1; /* cannot happen with the caps above; kept as the last guard */
      json_decref(es.v[i].e);
    }
  }
  free(es.v);
  if (meta) {
    json_object_set_new(meta, "entries", json_integer((json_int_t)json_array_size(out)));
    json_object_set_new(meta, "lanes", json_integer((json_int_t)seen.n));
    json_object_set_new(meta, "bucket_ms", json_integer((json_int_t)w * 3600000));
    json_object_set_new(meta, "truncated", json_boolean(tl->truncated));
  }
  qun_smap_free(&seen);
  return out;
}
