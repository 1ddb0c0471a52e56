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

int qun_chan_msg_render(const char *type, const struct qun_chan_kinds *k, const json_t *msg, void *ud, char *err,
                        size_t errlen) {
  const char *kind = qun_chan_msg_kind(msg);
  if (!kind) {
    snprintf(err, errlen, "%s: nothing to send (no text, markdown, image, link, news or redpacket)", type);
    return QUN_EINVAL;
  }
  if (strcmp(kind, "text") == 0 || strcmp(kind, "markdown") == 0)
    return k->text(msg, kind[0] == 'm', ud, err, errlen);
  if (strcmp(kind, "image") == 0)
    return k->image(msg, ud, err, errlen);
  if (strcmp(kind, "link") == 0 || strcmp(kind, "news") == 0)
    return k->cards(msg, ud, err, errlen);
  if (strcmp(kind, "redpacket") == 0)
    return k->redpacket(msg, ud, err, errlen);
  snprintf(err, errlen, "%s: a payout goes to a webhook channel (payout_channel), not to %s", type, type);
  return QUN_EINVAL;
}

int qun_chan_msg_mentions(const char *type, const json_t *msg, int *all, void (*each)(void *ud, const char *id),
                          void *ud, char *err, size_t errlen) {
  const json_t *v = json_object_get(msg, "mention");
  *all = json_is_string(v) && strcmp(json_string_value(v), "all") == 0;
  if (!v || *all)
    return 0;
  size_t i;
  const json_t *id;
  json_array_foreach(v, i, id) {
    const char *s = json_string_value(id);
    if (!s || !*s)
      break;
    each(ud, s);
  }
  if (!json_is_array(v) || i < json_array_size(v)) {
    snprintf(err, errlen, "%s: mention is \"all\" or a list of member ids", type);
    return QUN_EINVAL;
  }
  return (int)i;
}

const char *qun_chan_msg_image_url(const char *type, const json_t *msg, const char *no_file, char *err,
                                   size_t errlen) {
  const json_t *img = json_object_get(msg, "image");
  const char *url = json_string_value(json_object_get(img, "url"));
  if (json_object_get(img, "path")) {
    snprintf(err, errlen, "%s: %s (image.path); give the image as { url = \"https://...\" }", type, no_file);
    return NULL;
  }
  if (!url || !*url) {
    snprintf(err, errlen, "%s: image is { url = \"https://...\" }", type);
    return NULL;
  }
  return url;
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

void qun_chan_packet_amount(const struct qun_chan_packet *p, char *buf, size_t size) {
  if (p->total && p->count)
    snprintf(buf, size, "\n%.40s 元 · %lld 个", p->total, p->count);
  else if (p->total)
    snprintf(buf, size, "\n%.40s 元", p->total);
  else if (p->count)
    snprintf(buf, size, "\n%lld 个", p->count);
  else if (size)
    buf[0] = '\0';
}
