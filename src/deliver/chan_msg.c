/* chan_msg.c — the parts of an outbox message (chan_msg.h). */
#include "deliver/chan_msg.h"
#include "core/err.h"

#include <stdio.h>
#include <string.h>

static const char *const kinds[] = {"text", "markdown", "image", "link", "news", "redpacket", "payout", NULL};

const char *qun_chan_msg_kind(const json_t *msg) {
  for (int i = 0; kinds[i]; i++)
    if (json_object_get(msg, kinds[i]))
      return kinds[i];
  return NULL;
}

/* A string field, or NULL when absent or empty; *bad when of another type. */
static const char *field(const json_t *o, const char *key, int *bad) {
  const json_t *v = json_object_get(o, key);
  if (v && !json_is_string(v))
    *bad = 1;
  const char *s = json_string_value(v);
  return s && *s ? s : NULL;
}

static int card(const char *type, const json_t *o, const char *what, struct qun_chan_card *c, char *err,
                size_t errlen) {
  int bad = 0;
  if (!json_is_object(o)) {
    snprintf(err, errlen, "%s: %s is not a table of title, description, url, picture", type, what);
    return QUN_EINVAL;
  }
  c->url = field(o, "url", &bad);
  c->title = field(o, "title", &bad);
  c->description = field(o, "description", &bad);
  c->picture = field(o, "picture", &bad);
  if (bad) {
    snprintf(err, errlen, "%s: %s: title, description, url and picture are strings", type, what);
    return QUN_EINVAL;
  }
  if (!c->url) {
    snprintf(err, errlen, "%s: %s has no url", type, what);
    return QUN_EINVAL;
  }
  if (!c->title)
    c->title = c->url;
  return 0;
}

int qun_chan_msg_cards(const char *type, const json_t *msg, struct qun_chan_card *cards, char *err,
                       size_t errlen) {
  const json_t *link = json_object_get(msg, "link"), *news = json_object_get(msg, "news");
  if (link)
    return card(type, link, "the link", &cards[0], err, errlen) < 0 ? QUN_EINVAL : 1;
  size_t n = json_array_size(news);
  if (!json_is_array(news) || n < 1 || n > QUN_CHAN_MAX_CARDS) {
    snprintf(err, errlen, "%s: news is a list of 1 to %d cards (it has %zu)", type, QUN_CHAN_MAX_CARDS,
             json_is_array(news) ? n : (size_t)0);
    return QUN_EINVAL;
  }
  for (size_t i = 0; i < n; i++) {
    char what[32];
    snprintf(what, sizeof what, "news card %zu", i + 1);
    if (card(type, json_array_get(news, i), what, &cards[i], err, errlen) < 0)
      return QUN_EINVAL;
  }
  return (int)n;
}

int qun_chan_msg_packet(const char *type, const json_t *msg, struct qun_chan_packet *p, char *err,
                        size_t errlen) {
  const json_t *o = json_object_get(msg, "redpacket");
  int bad = !json_is_object(o);
  memset(p, 0, sizeof *p);
  if (!bad) {
    p->id = field(o, "id", &bad);
    p->url = field(o, "url", &bad);
    p->note = field(o, "note", &bad);
    p->total = field(o, "total", &bad);
    const json_t *count = json_object_get(o, "count");
    if (count && !json_is_integer(count))
      bad = 1;
    p->count = json_integer_value(count);
  }
  if (bad) {
    snprintf(err, errlen, "%s: the red packet is not {id, total, count, note, url, expires}", type);
    return QUN_EINVAL;
  }
  if (!p->url) {
    snprintf(err, errlen, "%s: the red packet has no claim url (set redpacket.claim_url in the team config)",
             type);
    return QUN_EINVAL;
  }
  return 0;
}
