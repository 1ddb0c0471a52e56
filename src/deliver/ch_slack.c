/* ch_slack.c — the slack channel: a Slack app's incoming webhook
 * (POST url, JSON). The whole URL is the credential, so only its scheme
 * and host are ever shown. What each message becomes:
 *   text       {"text"}, &, < and > escaped (Slack's control characters);
 *              mentions in front: <@U…> for a Slack user id, <!channel>
 *              for "all", "@name" as text otherwise
 *   markdown   {"text"} in mrkdwn: **b** → *b*, *i* → _i_, ~~s~~ → ~s~,
 *              [t](u) → <u|t>, # heading → *heading*, - item → • item
 *   link/news  {"text" (the fallback for notifications), "blocks"}: one
 *              section per card, *<url|title>* and the description, the
 *              picture as the section's image; a divider between cards
 *   image url  {"text", "blocks"} with one image block
 *   image file refused: an incoming webhook cannot upload a file
 *   redpacket  {"text"}: the note, the amount and a <url|抢红包> link
 * Limits: text 40 000 characters (Slack truncates past it: we refuse),
 * section text and image URLs 3 000. Answers: 200 "ok"; 429 with
 * Retry-After; other 4xx are plain-text errors (no_service,
 * channel_is_archived, …) and permanent; 5xx and timeouts retry. */
#include "deliver/channel.h"
#include "deliver/chan_msg.h"
#include "deliver/http_client.h"
#include "deliver/markdown.h"
#include "host/config.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX 40000   /* characters of "text": Slack truncates past this */
#define SECTION_MAX 3000 /* characters of a section block's text */
#define URL_MAX 3000     /* characters of an image block's image_url */
#define ALT_MAX 2000     /* characters of an image's alt_text */

static const struct qun_chan_limit limits[] = {
    {"text", "text", TEXT_MAX, "characters"}, {"markdown", "mrkdwn text", TEXT_MAX, "characters"}, {NULL, NULL, 0, NULL}};

/* &, < and > are Slack's control characters: everything else goes as is. */
static void esc(struct qun_md_buf *b, const char *s, size_t n) {
  size_t from = 0;
  for (size_t i = 0; i < n; i++) {
    const char *r = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" : NULL;
    if (r) {
      qun_md_buf_add(b, s + from, i - from);
      qun_md_buf_adds(b, r);
      from = i + 1;
    }
  }
  qun_md_buf_add(b, s + from, n - from);
}

/* A URL inside <url|text>: escaped, and a '|' would end it. */
static void esc_url(struct qun_md_buf *b, const char *s, size_t n) {
  size_t from = 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] == '|') {
      esc(b, s + from, i - from);
      qun_md_buf_adds(b, "%7C");
      from = i + 1;
    }
  esc(b, s + from, n - from);
}

/* ---- markdown → mrkdwn ---- */

struct mrkdwn {
  struct qun_md_buf b;
  int link;    /* inside <url|…>: Slack shows a link's text unformatted */
  int heading; /* inside a heading, already bold */
};

static void md_line(void *ud, enum qun_md_line kind, enum qun_md_line prev) {
  struct mrkdwn *m = ud;
  if (prev == QUN_MD_HEADING)
    qun_md_buf_adds(&m->b, "*");
  if (prev == QUN_MD_PRE && kind != QUN_MD_PRE)
    qun_md_buf_adds(&m->b, "```");
  if (prev != QUN_MD_END && kind != QUN_MD_END)
    qun_md_buf_adds(&m->b, "\n");
  m->heading = kind == QUN_MD_HEADING;
  if (kind == QUN_MD_HEADING)
    qun_md_buf_adds(&m->b, "*");
  else if (kind == QUN_MD_QUOTE)
    qun_md_buf_adds(&m->b, ">");
  else if (kind == QUN_MD_ITEM)
    qun_md_buf_adds(&m->b, "• ");
  else if (kind == QUN_MD_PRE && prev != QUN_MD_PRE)
    qun_md_buf_adds(&m->b, "```");
}

static void md_text(void *ud, const char *s, size_t n) { esc(&((struct mrkdwn *)ud)->b, s, n); }

static void md_span(void *ud, enum qun_md_span span, int open, const char *url, size_t urllen) {
  struct mrkdwn *m = ud;
  if (span == QUN_MD_LINK) {
    if (open) {
      qun_md_buf_adds(&m->b, "<");
      esc_url(&m->b, url, urllen);
      qun_md_buf_adds(&m->b, "|");
    } else {
      qun_md_buf_adds(&m->b, ">");
    }
    m->link = open;
  } else if (!m->link && !(m->heading && span == QUN_MD_BOLD)) {
    static const char *const marks[] = {[QUN_MD_BOLD] = "*", [QUN_MD_ITALIC] = "_",
                                        [QUN_MD_STRIKE] = "~", [QUN_MD_CODE] = "`"};
    qun_md_buf_adds(&m->b, marks[span]);
  }
}

static const struct qun_md_sink mrkdwn_sink = {md_line, md_text, md_span};

/* ---- the parts of a message ---- */

/* A Slack user id (U…, W…) is mentioned as <@ID>; anything else is a name. */
static int slack_id(const char *s) {
  if (s[0] != 'U' && s[0] != 'W')
    return 0;
  for (s++; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
      return 0;
  return 1;
}

static void mention(void *ud, const char *s) {
  struct qun_md_buf *b = ud;
  if (slack_id(s)) {
    qun_md_buf_adds(b, "<@");
    qun_md_buf_adds(b, s);
    qun_md_buf_adds(b, "> ");
  } else {
    qun_md_buf_adds(b, "@");
    esc(b, s, strlen(s));
    qun_md_buf_adds(b, " ");
  }
}

static int mentions(const json_t *msg, struct qun_md_buf *b, char *err, size_t errlen) {
  int all, n = qun_chan_msg_mentions("slack", msg, &all, mention, b, err, errlen);
  if (all)
    qun_md_buf_adds(b, "<!channel> ");
  return n < 0 ? n : 0;
}

static int too_long(const char *what, const char *s, size_t max, char *err, size_t errlen) {
  size_t n = qun_chan_utf8_chars(s);
  if (n <= max)
    return 0;
  snprintf(err, errlen, "slack: %s is %zu characters; Slack takes at most %zu (shorten it or split it)", what,
           n, max);
  return QUN_ELIMIT;
}

static int oom(char *err, size_t errlen) {
  snprintf(err, errlen, "slack: out of memory");
  return QUN_ENOMEM;
}

/* The URL shown: its scheme and host, the rest as three stars (the path is the secret). */
static char *shown(const char *url) {
  const char *p = strstr(url, "://");
  if (!p)
    return strdup("***");
  const char *host = p + 3;
  size_t n = strcspn(host, "/?#");
  for (size_t i = n; i > 0; i--)
    if (host[i - 1] == '@') { /* user:password@ is a credential too */
      n -= i, host += i;
      break;
    }
  return qun_chan_strdupf("%.*s://%.*s/***", (int)(p - url), url, (int)n, host);
}

static json_t *image_block(const char *url, const char *alt) {
  return json_pack("{s:s, s:s, s:s}", "type", "image", "image_url", url, "alt_text", alt);
}

/* One card's section: *<url|title>* and the description, the picture beside. */
static int section(const struct qun_chan_card *c, const char *what, json_t **out, char *err, size_t errlen) {
  struct qun_md_buf b = {0};
  qun_md_buf_adds(&b, "*<");
  esc_url(&b, c->url, strlen(c->url));
  qun_md_buf_adds(&b, "|");
  esc(&b, c->title, strlen(c->title));
  qun_md_buf_adds(&b, ">*");
  if (c->description) {
    qun_md_buf_adds(&b, "\n");
    esc(&b, c->description, strlen(c->description));
  }
  char *text = qun_md_buf_take(&b);
  int rc = !text ? oom(err, errlen) : too_long(what, text, SECTION_MAX, err, errlen);
  if (!rc && c->picture)
    rc = too_long("a picture URL", c->picture, URL_MAX, err, errlen);
  if (!rc) {
    *out = json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text", "type", "mrkdwn", "text", text);
    const char *alt = qun_chan_utf8_chars(c->title) <= ALT_MAX ? c->title : "picture";
    if (!*out || (c->picture && json_object_set_new(*out, "accessory", image_block(c->picture, alt)) < 0)) {
      json_decref(*out);
      rc = oom(err, errlen);
    }
  }
  free(text);
  return rc;
}

/* link/news: {"text" (the notification's fallback), "blocks": [section,
 * divider, section, ...]} */
static int cards(const json_t *msg, void *ud, char *err, size_t errlen) {
  json_t **out = ud;
  struct qun_chan_card c[QUN_CHAN_MAX_CARDS];
  int n = qun_chan_msg_cards("slack", msg, c, err, errlen);
  if (n < 0)
    return n;
  json_t *blocks = json_array(), *o = json_object();
  struct qun_md_buf fallback = {0};
  int rc = blocks && o ? 0 : oom(err, errlen);
  for (int i = 0; i < n && !rc; i++) {
    char what[40];
    snprintf(what, sizeof what, n > 1 ? "news card %d's text" : "the link's text", i + 1);
    json_t *sec = NULL;
    if ((rc = section(&c[i], what, &sec, err, errlen)) < 0)
      break;
    if ((i && json_array_append_new(blocks, json_pack("{s:s}", "type", "divider")) < 0) ||
        json_array_append_new(blocks, sec) < 0)
      rc = oom(err, errlen);
    if (i)
      qun_md_buf_adds(&fallback, "\n");
    qun_md_buf_adds(&fallback, "<");
    esc_url(&fallback, c[i].url, strlen(c[i].url));
    qun_md_buf_adds(&fallback, "|");
    esc(&fallback, c[i].title, strlen(c[i].title));
    qun_md_buf_adds(&fallback, ">");
  }
  char *fb = qun_md_buf_take(&fallback);
  if (!rc && (!fb || json_object_set_new(o, "text", json_string(fb)) < 0 ||
              json_object_set(o, "blocks", blocks) < 0))
    rc = oom(err, errlen);
  free(fb);
  json_decref(blocks);
  if (rc < 0)
    json_decref(o);
  else
    *out = o;
  return rc;
}

/* text or markdown: {"text"} */
static int text(const json_t *msg, int markdown, void *ud, char *err, size_t errlen) {
  json_t **out = ud;
  const char *field = markdown ? "markdown" : "text";
  const char *s = json_string_value(json_object_get(msg, field));
  if (!s) {
    snprintf(err, errlen, "slack: %s is not a string", field);
    return QUN_EINVAL;
  }
  struct mrkdwn m = {0};
  int rc = mentions(msg, &m.b, err, errlen);
  if (rc < 0) {
    free(qun_md_buf_take(&m.b));
    return rc;
  }
  if (markdown)
    qun_md_walk(s, strlen(s), &mrkdwn_sink, &m);
  else
    esc(&m.b, s, strlen(s));
  char *t = qun_md_buf_take(&m.b);
  if (!t)
    rc = oom(err, errlen);
  else if (!*s)
    snprintf(err, errlen, "slack: the %s is empty", field), rc = QUN_EINVAL;
  else if (!(rc = too_long("the text", t, TEXT_MAX, err, errlen)) && !(*out = json_pack("{s:s}", "text", t)))
    rc = oom(err, errlen);
  free(t);
  return rc;
}

/* redpacket: {"text"}: the note, the amount, a link to claim it. */
static int redpacket(const json_t *msg, void *ud, char *err, size_t errlen) {
  json_t **out = ud;
  struct qun_chan_packet p;
  int rc = qun_chan_msg_packet("slack", msg, &p, err, errlen);
  if (rc < 0)
    return rc;
  struct qun_md_buf b = {0};
  qun_md_buf_adds(&b, "🧧 ");
  const char *note = p.note ? p.note : QUN_CHAN_PACKET_NOTE;
  esc(&b, note, strlen(note));
  char line[96];
  qun_chan_packet_amount(&p, line, sizeof line);
  esc(&b, line, strlen(line));
  qun_md_buf_adds(&b, "\n<");
  esc_url(&b, p.url, strlen(p.url));
  qun_md_buf_adds(&b, "|抢红包>");
  char *t = qun_md_buf_take(&b);
  if (!t)
    rc = oom(err, errlen);
  else if (!(rc = too_long("the red packet's text", t, TEXT_MAX, err, errlen)) &&
           !(*out = json_pack("{s:s}", "text", t)))
    rc = oom(err, errlen);
  free(t);
  return rc;
}

/* image: {"text", "blocks": [image]} — by URL only. */
static int image(const json_t *msg, void *ud, char *err, size_t errlen) {
  json_t **out = ud;
  const char *url = qun_chan_msg_image_url("slack", msg, "an incoming webhook cannot upload a file", err, errlen);
  if (!url)
    return QUN_EINVAL;
  int rc = too_long("the image URL", url, URL_MAX, err, errlen);
  if (!rc && !(*out = json_pack("{s:s, s:[o]}", "text", "image", "blocks", image_block(url, "image"))))
    rc = oom(err, errlen);
  return rc;
}

static const struct qun_chan_kinds kinds = {text, image, cards, redpacket};

static int render(const struct qun_channel *c, const struct qun_chan_msg *m, struct qun_chan_req *out,
                  char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (!c->url) {
    snprintf(err, errlen, "slack: channel '%s' has no url (url = env(\"SLACK_WEBHOOK_URL\"))", c->name);
    return QUN_EINVAL;
  }
  json_t *body = NULL;
  int rc = qun_chan_msg_render("slack", &kinds, m->msg, &body, err, errlen);
  if (rc < 0)
    return rc;
  rc = qun_chan_post_json(out, strdup(c->url), shown(c->url), body);
  json_decref(body);
  return rc < 0 ? oom(err, errlen) : 0;
}

/* What Slack's plain-text errors mean for whoever fixes them. */
static const struct {
  const char *code, *hint;
} hints[] = {
    {"no_service", "the webhook was removed or revoked: create a new one (Slack app → Incoming Webhooks)"},
    {"invalid_token", "the webhook URL is wrong or revoked: create a new one (Slack app → Incoming Webhooks)"},
    {"no_team", "the workspace is gone: create a new webhook"},
    {"team_disabled", "the workspace is disabled: create a new webhook"},
    {"channel_not_found", "the webhook's channel was deleted: create a webhook for another channel"},
    {"channel_is_archived", "the webhook's channel is archived: unarchive it or create a new webhook"},
    {"action_prohibited", "a workspace admin restricts posting there"},
    {"posting_to_general_channel_denied", "only admins may post in that channel"},
};

static void read(const struct qun_channel *c, const struct qun_http_res *res, struct qun_chan_result *out) {
  qun_chan_read_http("slack", res, out);
  if (out->verdict == QUN_CHAN_DEAD && res->body) {
    size_t n = strcspn(res->body, " \r\n");
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++)
      if (strlen(hints[i].code) == n && strncmp(res->body, hints[i].code, n) == 0) {
        size_t l = strlen(out->reason);
        snprintf(out->reason + l, sizeof out->reason - l, " (%s)", hints[i].hint);
      }
  }
  /* The URL is the secret; curl or a proxy might quote it or its path. */
  const char *p = c->url ? strstr(c->url, "://") : NULL;
  const char *path = p ? strchr(p + 3, '/') : NULL;
  qun_chan_scrub(out->reason, sizeof out->reason, c->url);
  if (path && path[1])
    qun_chan_scrub(out->reason, sizeof out->reason, path + 1);
}

const struct qun_chan_type qun_chan_slack = {
    .name = "slack",
    .rates = {{1, 1000}},
    .nrates = 1,
    .ok_status = 200,
    .ok_body = "ok",
    .render = render,
    .read = read,
    .limits = limits,
};
