/* audience.c — the simulated members and their reactions (audience.h). */
#include "sim/audience.h"
#include "sim/model.h"
#include "core/jobheap.h"
#include "core/rng.h"
#include "core/tz.h"
#include "ingest/import.h"
#include "store/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum etype { E_CLICK, E_PAY, E_BUY, E_CLAIM, E_CHECKIN, E_LESSON, E_HOMEWORK, E_CONSULT, E_AD, E_LEFT, E_JOIN };
static const char *const etypes[] = {"link.click", "pay.click", "purchase", "redpacket.claim", "checkin",
                                     "lesson.done", "homework", "consult", "message", "member.left",
                                     "member.joined"};

struct member {
  char *id;
  int group;       /* the first group, or -1 */
  int persona;
  unsigned char left, reached, read;
};

struct group {
  char *id;
  int *members;
  int n, cap;
};

struct reaction {
  int type, member, group; /* group: -1 none */
  char *data;
};

struct qun_audience {
  struct qun_audience_opts o;
  const struct qun_model *m;
  struct qun_rng rng;
  struct member *members;
  int nmembers, capmembers;
  int joined;      /* members who joined during the run (invited by a friend) */
  int *by_id;      /* member indices sorted by id */
  struct group *groups;
  int ngroups;
  int *groups_by_id;
  int days;
  int64_t *midnight; /* local midnights: day d is [midnight[d], midnight[d+1]) */
  uint16_t *load;    /* messages received: [member * days + day] */
  struct qun_jobheap heap;
  struct reaction *rx;
  int64_t nrx, caprx, *freelist;
  int64_t nfree;
  int64_t orders;
  int personas[QUN_MODEL_PERSONAS];
  int left;
};

/* ---- lookups ---- */

static struct qun_audience *sort_ctx;

static int cmp_member(const void *a, const void *b) {
  return strcmp(sort_ctx->members[*(const int *)a].id, sort_ctx->members[*(const int *)b].id);
}

static int cmp_group(const void *a, const void *b) {
  return strcmp(sort_ctx->groups[*(const int *)a].id, sort_ctx->groups[*(const int *)b].id);
}

static int find_member(const struct qun_audience *a, const char *id) {
  int lo = 0, hi = a->nmembers - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2, c = strcmp(a->members[a->by_id[mid]].id, id);
    if (c == 0)
      return a->by_id[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -1;
}

static int find_group(const struct qun_audience *a, const char *id) {
  int lo = 0, hi = a->ngroups - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2, c = strcmp(a->groups[a->groups_by_id[mid]].id, id);
    if (c == 0)
      return a->groups_by_id[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -1;
}

static int add_group(struct qun_audience *a, const char *id) {
  for (int i = 0; i < a->ngroups; i++) /* only while building */
    if (strcmp(a->groups[i].id, id) == 0)
      return i;
  struct group *g = realloc(a->groups, (size_t)(a->ngroups + 1) * sizeof *g);
  if (!g)
    return -1;
  a->groups = g;
  g = &g[a->ngroups];
  memset(g, 0, sizeof *g);
  if (!(g->id = strdup(id)))
    return -1;
  return a->ngroups++;
}

static int join(struct qun_audience *a, int gi, int mi) {
  struct group *g = &a->groups[gi];
  if (g->n == g->cap) {
    int cap = g->cap ? 2 * g->cap : 256;
    int *p = realloc(g->members, (size_t)cap * sizeof *p);
    if (!p)
      return -1;
    g->members = p, g->cap = cap;
  }
  g->members[g->n++] = mi;
  if (a->members[mi].group < 0)
    a->members[mi].group = gi;
  return 0;
}

/* ---- random draws ---- */

static double uniform(struct qun_audience *a) {
  return qun_rng_double(&a->rng);
}

/* Around the median, log-normally (a few take much longer), within [1 s, max]. */
static int64_t draw_delay(struct qun_audience *a, const struct qun_delay *d) {
  double u1 = uniform(a), u2 = uniform(a);
  double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
  double ms = (double)d->median_ms * exp(0.9 * z);
  if (ms < 1000)
    ms = 1000;
  if (ms > (double)d->max_ms)
    ms = (double)d->max_ms;
  return (int64_t)ms;
}

/* The time itself when it falls in the member's active hours, else the
 * start of the next active window plus a few minutes. */
static int64_t awake(struct qun_audience *a, int64_t t) {
  struct tm tm;
  int64_t s = t / 1000;
  qun_tz_local(s, &tm);
  int minute = tm.tm_hour * 60 + tm.tm_min;
  if (minute >= a->m->active_from && minute < a->m->active_to)
    return t;
  struct tm start = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon,
                     .tm_mday = tm.tm_mday + (minute >= a->m->active_to),
                     .tm_hour = a->m->active_from / 60, .tm_min = a->m->active_from % 60};
  return qun_tz_mktime(&start) * 1000 + (int64_t)(uniform(a) * 20 * 60 * 1000);
}

static int day_of(const struct qun_audience *a, int64_t t) {
  for (int d = 0; d < a->days; d++)
    if (t < a->midnight[d + 1])
      return t >= a->midnight[d] ? d : -1;
  return -1;
}

/* ---- reactions ---- */

static void react_at(struct qun_audience *a, int64_t due, int type, int member, int group, char *data) {
  if (due >= a->o.end_ms) { /* after the window: never happens */
    free(data);
    return;
  }
  int64_t slot;
  if (a->nfree) {
    slot = a->freelist[--a->nfree];
  } else {
    if (a->nrx == a->caprx) {
      int64_t cap = a->caprx ? 2 * a->caprx : 1024;
      struct reaction *rx = realloc(a->rx, (size_t)cap * sizeof *rx);
      int64_t *fl = realloc(a->freelist, (size_t)cap * sizeof *fl);
      if (rx)
        a->rx = rx;
      if (fl)
        a->freelist = fl;
      if (!rx || !fl) {
        free(data);
        return;
      }
      a->caprx = cap;
    }
    slot = a->nrx++;
  }
  a->rx[slot] = (struct reaction){type, member, group, data};
  qun_jobheap_push(&a->heap, due, slot);
}

struct features {
  char text[4096];
  const char *url, *packet;
  int has_link;
};

static void gather(const json_t *msg, struct features *f) {
  memset(f, 0, sizeof *f);
  size_t n = 0;
  const char *keys[] = {"text", "markdown"};
  for (int i = 0; i < 2; i++) {
    const char *s = json_string_value(json_object_get(msg, keys[i]));
    if (s)
      n += (size_t)snprintf(f->text + n, sizeof f->text - n, "%s ", s);
  }
  json_t *cards = json_object_get(msg, "news");
  json_t *link = json_object_get(msg, "link");
  size_t ncards = link ? 1 : json_array_size(cards);
  for (size_t i = 0; i < ncards && n < sizeof f->text; i++) {
    json_t *c = link ? link : json_array_get(cards, i);
    const char *t = json_string_value(json_object_get(c, "title"));
    const char *d = json_string_value(json_object_get(c, "description"));
    n += (size_t)snprintf(f->text + n, sizeof f->text - n, "%s %s ", t ? t : "", d ? d : "");
    if (!f->url)
      f->url = json_string_value(json_object_get(c, "url"));
    f->has_link = 1;
  }
  if (n >= sizeof f->text)
    f->text[sizeof f->text - 1] = '\0';
  if (!f->has_link && (strstr(f->text, "http://") || strstr(f->text, "https://")))
    f->has_link = 1;
  f->packet = json_string_value(json_object_get(json_object_get(msg, "redpacket"), "id"));
}

static int mentions(const struct qun_audience *a, const char *text, enum qun_kw k) {
  const struct qun_words *w = &a->m->keywords[k];
  for (size_t i = 0; i < w->n; i++)
    if (strstr(text, w->w[i]))
      return 1;
  return 0;
}

static char *json_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *json_text(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return strdup(buf);
}

static char *string_data(const char *key, const char *value) {
  json_t *o = json_object();
  json_object_set_new(o, key, json_string(value));
  char *s = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  return s;
}

static void react(struct qun_audience *a, int mi, int gi, const struct features *f, int64_t at) {
  struct member *mb = &a->members[mi];
  const struct qun_persona *p = &a->m->personas[mb->persona];
  int d = day_of(a, at);
  int count = 1;
  if (d >= 0) {
    uint16_t *c = &a->load[(size_t)mi * (size_t)a->days + (size_t)d];
    if (*c < UINT16_MAX)
      (*c)++;
    count = *c;
  }
  mb->reached = 1;
  double factor = count <= a->m->comfortable ? 1.0 : pow(1.0 - a->m->decay, count - a->m->comfortable);
  if (count > a->m->leave_over && uniform(a) < a->m->leave) {
    mb->left = 1; /* reads no more; the event says so */
    a->left++;
    react_at(a, awake(a, at + draw_delay(a, &a->m->read_delay)), E_LEFT, mi, gi, json_text("{\"reason\":\"fatigue\"}"));
    return;
  }
  if (f->packet) { /* red packets are noticed at once */
    if (uniform(a) < p->p[QUN_ACT_CLAIM] * factor) {
      mb->read = 1;
      react_at(a, awake(a, at + draw_delay(a, &a->m->claim_delay)), E_CLAIM, mi, gi,
               string_data("packet", f->packet));
    }
    return;
  }
  if (uniform(a) >= p->p[QUN_ACT_READ] * factor)
    return;
  mb->read = 1;
  int64_t read_at = awake(a, at + draw_delay(a, &a->m->read_delay));
  if (f->has_link && uniform(a) < p->p[QUN_ACT_CLICK]) {
    int64_t t = read_at + draw_delay(a, &a->m->act_delay);
    react_at(a, t, E_CLICK, mi, gi, f->url ? string_data("url", f->url) : NULL);
    if (mentions(a, f->text, QUN_KW_SALE) && uniform(a) < p->p[QUN_ACT_PAY_CLICK]) {
      t += draw_delay(a, &a->m->act_delay);
      react_at(a, t, E_PAY, mi, gi, f->url ? string_data("url", f->url) : NULL);
      if (uniform(a) < p->p[QUN_ACT_BUY]) {
        t += draw_delay(a, &a->m->act_delay);
        int64_t fen = a->m->basket_min +
                      (int64_t)(uniform(a) * (double)(a->m->basket_max - a->m->basket_min + 1));
        a->orders++;
        react_at(a, t, E_BUY, mi, gi, json_text("{\"order\":\"sim-%lld\",\"fen\":%lld}",
                                                (long long)a->orders, (long long)fen));
      }
    }
  }
  static const struct { enum qun_kw kw; enum qun_act act; int type; } rules[] = {
      {QUN_KW_CHECKIN, QUN_ACT_CHECKIN, E_CHECKIN},
      {QUN_KW_LESSON, QUN_ACT_LESSON, E_LESSON},
      {QUN_KW_HOMEWORK, QUN_ACT_HOMEWORK, E_HOMEWORK}};
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
    if (mentions(a, f->text, rules[i].kw) && uniform(a) < p->p[rules[i].act])
      react_at(a, read_at + draw_delay(a, &a->m->act_delay), rules[i].type, mi, gi, NULL);
  if (mentions(a, f->text, QUN_KW_INVITE) && uniform(a) < p->p[QUN_ACT_INVITE])
    react_at(a, read_at + draw_delay(a, &a->m->act_delay), E_JOIN, mi, gi, NULL); /* a friend, soon */
  if (uniform(a) < p->p[QUN_ACT_ASK]) {
    const struct qun_words *q = &a->m->questions;
    react_at(a, read_at + draw_delay(a, &a->m->act_delay), E_CONSULT, mi, gi,
             string_data("text", q->w[(size_t)(uniform(a) * (double)q->n) % q->n]));
  }
}

void qun_audience_sent(struct qun_audience *a, const char *target, const json_t *msg, int64_t at) {
  struct features f;
  if (strncmp(target, "member:", 7) == 0) {
    int mi = find_member(a, target + 7);
    if (mi < 0 || a->members[mi].left)
      return;
    gather(msg, &f);
    react(a, mi, a->members[mi].group, &f, at);
  } else if (strncmp(target, "group:", 6) == 0) {
    int gi = find_group(a, target + 6);
    if (gi < 0)
      return;
    gather(msg, &f);
    const struct group *g = &a->groups[gi];
    for (int i = 0; i < g->n; i++)
      if (!a->members[g->members[i]].left)
        react(a, g->members[i], gi, &f, at);
  }
}

int64_t qun_audience_next(const struct qun_audience *a) {
  const struct qun_jobheap_item *top = qun_jobheap_peek(&a->heap);
  return top ? top->due : -1;
}

static int join_friend(struct qun_audience *a, int gi, int64_t at);

void qun_audience_due(struct qun_audience *a, int64_t now, qun_audience_emit emit, void *ud) {
  const struct qun_jobheap_item *top;
  while ((top = qun_jobheap_peek(&a->heap)) && top->due <= now) {
    struct qun_jobheap_item it;
    qun_jobheap_pop(&a->heap, &it);
    struct reaction *r = &a->rx[it.id];
    const struct member *mb = &a->members[r->member];
    /* A member who left does nothing more (but the leaving itself). */
    if (r->type == E_JOIN && !mb->left && r->group >= 0) {
      const char *inviter = mb->id; /* join_friend may move a->members (mb), not the id */
      int fresh = join_friend(a, r->group, it.due);
      if (fresh >= 0) {
        char *data = string_data("inviter", inviter);
        emit(ud, etypes[E_JOIN], a->members[fresh].id, a->groups[r->group].id, data);
        free(data);
      }
    } else if (r->type != E_JOIN && (!mb->left || r->type == E_LEFT)) {
      emit(ud, etypes[r->type], mb->id, r->group >= 0 ? a->groups[r->group].id : NULL, r->data);
    }
    free(r->data);
    r->data = NULL;
    a->freelist[a->nfree++] = it.id;
  }
}

/* ---- building ---- */

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                       "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳",
                                    "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平",
                                    "刚", "桂英", "晨", "悦", "欣", "子涵", "梓萱", "浩然", "一诺", "思远"};

static int pick_persona(struct qun_audience *a) {
  double u = uniform(a), acc = 0;
  for (int i = 0; i < a->m->npersonas; i++) {
    acc += a->m->personas[i].share;
    if (u < acc)
      return i;
  }
  return a->m->npersonas - 1;
}

/* A synthesized member: name, birthday and persona drawn, written to the
 * store, placed in group gi (-1: none). -1 out of memory, -2 the store. */
static int add_member(struct qun_audience *a, const char *id, int gi, int64_t joined) {
  if (a->nmembers == a->capmembers) {
    int cap = a->capmembers ? 2 * a->capmembers : 64;
    struct member *m = realloc(a->members, (size_t)cap * sizeof *m);
    if (!m)
      return -1;
    a->members = m, a->capmembers = cap;
  }
  struct member *mb = &a->members[a->nmembers];
  memset(mb, 0, sizeof *mb);
  char name[64], attrs[200];
  snprintf(name, sizeof name, "%s%s", surnames[qun_rng_uniform(&a->rng, 0, 19)],
           given[qun_rng_uniform(&a->rng, 0, 29)]);
  mb->persona = pick_persona(a);
  snprintf(attrs, sizeof attrs, "{\"birthday\":\"%04d-%02d-%02d\",\"sim_persona\":\"%s\"}",
           (int)qun_rng_uniform(&a->rng, 1960, 2005), (int)qun_rng_uniform(&a->rng, 1, 12),
           (int)qun_rng_uniform(&a->rng, 1, 28), a->m->personas[mb->persona].name);
  if (!(mb->id = strdup(id)))
    return -1;
  mb->group = -1;
  int mi = a->nmembers++;
  a->personas[mb->persona]++;
  if (qun_store_member_upsert(a->o.store, id, name, joined, attrs, a->o.start_ms) < 0)
    return -2;
  if (gi >= 0) {
    if (join(a, gi, mi) < 0)
      return -1;
    if (qun_store_membership_add(a->o.store, id, a->groups[gi].id, joined) < 0)
      return -2;
  }
  return mi;
}

/* A friend invited into group gi joins now: a new member (j00001, ...)
 * in the store, the index and the load table. Its index, or -1. */
static int join_friend(struct qun_audience *a, int gi, int64_t at) {
  char id[32];
  snprintf(id, sizeof id, "j%05d", a->joined + 1);
  size_t rows = (size_t)(a->nmembers + 1) * (size_t)a->days;
  uint16_t *load = realloc(a->load, (rows + 1) * sizeof *load);
  int *by_id = realloc(a->by_id, (size_t)(a->nmembers + 1) * sizeof *by_id);
  if (load)
    a->load = load;
  if (by_id)
    a->by_id = by_id;
  if (!load || !by_id)
    return -1;
  int mi = add_member(a, id, gi, at);
  if (mi < 0)
    return -1;
  a->joined++;
  memset(a->load + (size_t)mi * (size_t)a->days, 0, (size_t)a->days * sizeof *a->load);
  /* keep by_id sorted: find the place, shift the tail */
  int lo = 0, hi = mi; /* by_id holds mi entries so far */
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (strcmp(a->members[a->by_id[mid]].id, id) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  memmove(a->by_id + lo + 1, a->by_id + lo, (size_t)(mi - lo) * sizeof *a->by_id);
  a->by_id[lo] = mi;
  return mi;
}

static int synthesize(struct qun_audience *a, char *err, size_t errlen) {
  int n = a->o.size;
  int width = snprintf(NULL, 0, "%d", n);
  if (width < 4)
    width = 4;
  if (width > 12)
    width = 12;
  if (!(a->members = calloc((size_t)n + 1, sizeof *a->members)))
    goto oom;
  a->capmembers = n + 1;
  for (size_t g = 0; g < a->o.ngroups; g++)
    if (add_group(a, a->o.groups[g]) < 0)
      goto oom;
  if (qun_store_begin(a->o.store) < 0)
    goto db;
  for (int i = 0; i < n; i++) {
    char id[32];
    snprintf(id, sizeof id, "m%0*d", width & 15, i + 1);
    int joined_days = (int)qun_rng_uniform(&a->rng, 1, 180);
    int rc = add_member(a, id, a->ngroups ? i % a->ngroups : -1, a->o.start_ms - joined_days * 86400000LL);
    if (rc == -1)
      goto oom_tx;
    if (rc == -2)
      goto db_tx;
  }
  if (qun_store_commit(a->o.store) < 0)
    goto db_tx;
  return 0;
oom_tx:
  qun_store_rollback(a->o.store);
oom:
  snprintf(err, errlen, "out of memory building an audience of %d", n);
  return -1;
db_tx:
  qun_store_rollback(a->o.store);
db:
  snprintf(err, errlen, "cannot write the audience: %s", qun_store_errmsg(a->o.store));
  return -1;
}

struct roster {
  struct qun_audience *a;
  char **ids;
  int n, cap;
};

static int collect_id(void *ud, const char *id) {
  struct roster *r = ud;
  if (r->n == r->cap) {
    r->cap = r->cap ? 2 * r->cap : 1024;
    char **p = realloc(r->ids, (size_t)r->cap * sizeof *p);
    if (!p)
      return -1;
    r->ids = p;
  }
  return (r->ids[r->n++] = strdup(id)) ? 0 : -1;
}

struct join_ctx {
  struct qun_audience *a;
  int mi;
};

static int collect_group(void *ud, const char *g) {
  struct join_ctx *j = ud;
  int gi = add_group(j->a, g);
  return gi < 0 ? -1 : join(j->a, gi, j->mi);
}

/* A real roster: imported (all or nothing, like qun import), then read back. */
static int roster(struct qun_audience *a, char *err, size_t errlen) {
  if (qun_import_members(a->o.store, a->o.members_csv, a->o.start_ms, err, errlen) < 0)
    return -1;
  for (size_t g = 0; g < a->o.ngroups; g++)
    if (add_group(a, a->o.groups[g]) < 0)
      return -1;
  struct roster r = {a, NULL, 0, 0};
  char after[256] = "";
  int got;
  do {
    got = qun_store_members_page(a->o.store, after, 1024, NULL, NULL, 0, NULL, collect_id, &r);
    if (got > 0)
      snprintf(after, sizeof after, "%s", r.ids[r.n - 1]);
  } while (got == 1024);
  int rc = 0;
  if (!(a->members = calloc((size_t)(r.n ? r.n : 1), sizeof *a->members)))
    rc = -1;
  a->capmembers = r.n ? r.n : 1;
  for (int i = 0; i < r.n; i++) {
    if (rc == 0) {
      struct member *mb = &a->members[i];
      mb->id = r.ids[i], mb->group = -1, mb->persona = pick_persona(a);
      a->personas[mb->persona]++;
      a->nmembers = i + 1;
      struct join_ctx j = {a, i};
      if (qun_store_member_groups(a->o.store, mb->id, collect_group, &j) < 0)
        rc = -1;
    } else {
      free(r.ids[i]);
    }
  }
  free(r.ids);
  if (rc < 0)
    snprintf(err, errlen, "%s: cannot read the roster back: %s", a->o.members_csv, qun_store_errmsg(a->o.store));
  return rc;
}

/* Ads and spontaneous questions, planned for the whole window at once. */
static void plan_spontaneous(struct qun_audience *a) {
  for (int d = 0; d < a->days; d++)
    for (int i = 0; i < a->nmembers; i++) {
      const struct qun_persona *p = &a->m->personas[a->members[i].persona];
      double rates[2] = {p->ads_per_day, p->asks_per_day};
      for (int k = 0; k < 2; k++) {
        if (rates[k] <= 0)
          continue;
        int n = (int)rates[k] + (uniform(a) < rates[k] - (int)rates[k]);
        for (int j = 0; j < n; j++) {
          int64_t t = awake(a, a->midnight[d] + (int64_t)(uniform(a) * 86400000.0));
          if (t < a->o.start_ms)
            continue;
          const struct qun_words *w = k ? &a->m->questions : &a->m->ads;
          react_at(a, t, k ? E_CONSULT : E_AD, i, a->members[i].group,
                   string_data("text", w->w[(size_t)(uniform(a) * (double)w->n) % w->n]));
        }
      }
    }
}

struct qun_audience *qun_audience_new(const struct qun_audience_opts *o, char *err, size_t errlen) {
  struct qun_audience *a = calloc(1, sizeof *a);
  if (!a) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  a->o = *o, a->m = o->model;
  qun_rng_seed(&a->rng, o->seed);
  qun_jobheap_init(&a->heap);
  /* Local days of the window. */
  struct tm tm;
  qun_tz_local(o->start_ms / 1000, &tm);
  int64_t days = (o->end_ms - o->start_ms + 86400000 - 1) / 86400000 + 2;
  a->days = (int)days;
  a->midnight = calloc((size_t)days + 1, sizeof *a->midnight);
  if (!a->midnight)
    goto oom;
  for (int d = 0; d <= a->days; d++) {
    struct tm m = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday + d};
    a->midnight[d] = qun_tz_mktime(&m) * 1000;
  }
  if ((o->members_csv ? roster(a, err, errlen) : synthesize(a, err, errlen)) < 0)
    goto fail;
  a->by_id = malloc((size_t)(a->nmembers ? a->nmembers : 1) * sizeof *a->by_id);
  a->groups_by_id = malloc((size_t)(a->ngroups ? a->ngroups : 1) * sizeof *a->groups_by_id);
  a->load = calloc((size_t)a->nmembers * (size_t)a->days + 1, sizeof *a->load);
  if (!a->by_id || !a->groups_by_id || !a->load)
    goto oom;
  for (int i = 0; i < a->nmembers; i++)
    a->by_id[i] = i;
  for (int i = 0; i < a->ngroups; i++)
    a->groups_by_id[i] = i;
  sort_ctx = a; /* qsort has no context argument; this runs on one thread */
  qsort(a->by_id, (size_t)a->nmembers, sizeof *a->by_id, cmp_member);
  qsort(a->groups_by_id, (size_t)a->ngroups, sizeof *a->groups_by_id, cmp_group);
  sort_ctx = NULL;
  plan_spontaneous(a);
  return a;
oom:
  snprintf(err, errlen, "out of memory");
fail:
  qun_audience_free(a);
  return NULL;
}

void qun_audience_free(struct qun_audience *a) {
  if (!a)
    return;
  for (int i = 0; i < a->nmembers; i++)
    free(a->members[i].id);
  free(a->members);
  for (int i = 0; i < a->ngroups; i++)
    free(a->groups[i].id), free(a->groups[i].members);
  free(a->groups);
  free(a->by_id);
  free(a->groups_by_id);
  free(a->midnight);
  free(a->load);
  const struct qun_jobheap_item *top;
  while ((top = qun_jobheap_peek(&a->heap))) {
    struct qun_jobheap_item it;
    qun_jobheap_pop(&a->heap, &it);
    free(a->rx[it.id].data);
  }
  qun_jobheap_free(&a->heap);
  free(a->rx);
  free(a->freelist);
  free(a);
}

size_t qun_audience_size(const struct qun_audience *a) {
  return (size_t)a->nmembers;
}

json_t *qun_audience_facts(const struct qun_audience *a) {
  json_t *aud = json_object(), *personas = json_object(), *hist = json_object();
  json_object_set_new(aud, "members", json_integer(a->nmembers));
  json_object_set_new(aud, "groups", json_integer(a->ngroups));
  for (int i = 0; i < a->m->npersonas; i++)
    json_object_set_new(personas, a->m->personas[i].name, json_integer(a->personas[i]));
  json_object_set_new(aud, "personas", personas);
  json_object_set_new(aud, "left", json_integer(a->left));
  json_object_set_new(aud, "joined", json_integer(a->joined));
  /* Member-days of the window proper (not the padding days around it). */
  int first = day_of(a, a->o.start_ms), last = day_of(a, a->o.end_ms - 1);
  int64_t counts[65536 / 64] = {0}, member_days = 0, reached = 0, read = 0;
  int maxc = 0;
  for (int i = 0; i < a->nmembers; i++) {
    reached += a->members[i].reached, read += a->members[i].read;
    for (int d = first; d >= 0 && d <= last; d++) {
      int c = a->load[(size_t)i * (size_t)a->days + (size_t)d];
      if (c >= (int)(sizeof counts / sizeof counts[0]))
        c = (int)(sizeof counts / sizeof counts[0]) - 1;
      counts[c]++, member_days++;
      if (c > maxc)
        maxc = c;
    }
  }
  for (int c = 0; c <= maxc; c++) {
    char k[16];
    snprintf(k, sizeof k, "%d", c);
    json_object_set_new(hist, k, json_integer(counts[c]));
  }
  json_t *load = json_object();
  json_object_set_new(load, "member_days", json_integer(member_days));
  json_object_set_new(load, "histogram", hist);
  json_t *funnel = json_object();
  json_object_set_new(funnel, "reached", json_integer(reached));
  json_object_set_new(funnel, "read", json_integer(read));
  json_t *o = json_object();
  json_object_set_new(o, "audience", aud);
  json_object_set_new(o, "load", load);
  json_object_set_new(o, "funnel", funnel);
  return o;
}
