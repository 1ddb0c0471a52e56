/* ch_telegram.c — the telegram channel: the Bot API (POST
 * {base_url}/bot<TOKEN>/sendMessage, JSON). The token is in the path, so
 * the URL is shown with three stars in its place. The chat is the group's
 * `chat` in the team config (for a member: that setting, else the
 * member's id, which is a private chat's id). What each message becomes:
 *   text       {"chat_id", "text"}, no parse mode: the text as written
 *   mentions   parse_mode HTML, in front of the text: a numeric user id as
 *              <a href="tg://user?id=ID">ID</a>, a username as @name;
 *              "all" adds nothing (Telegram has no @all)
 *   markdown   parse_mode HTML: **b** <b>, *i* <i>, ~~s~~ <s>, `c` <code>,
 *              ``` <pre>, [t](u) <a href>, # heading <b>, > <blockquote>,
 *              - item •; every <, > and & of the text escaped
 *   link/news  HTML text: each card's title as a bold link and its
 *              description; the link preview shows the first card
 *   image url  sendPhoto {"chat_id", "photo"}
 *   image file refused (no multipart upload here)
 *   redpacket  the note and amount, with an inline keyboard button 抢红包
 *              that opens the claim URL
 * Limits: 1–4096 characters of text as shown (after the HTML is parsed;
 * Telegram counts code points). Rate: 20 per minute per chat. Answers:
 * {"ok":true} sent; 429 with parameters.retry_after waits that long;
 * {"ok":false,"error_code":400/403,…} is dead with Telegram's description. */
#include "deliver/channel.h"
#include "deliver/chan_msg.h"
#include "deliver/http_client.h"
#include "deliver/markdown.h"
#include "host/config.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX 4096 /* characters of text after entities are parsed */
#define DEFAULT_BASE "https://api.telegram.org"

static const struct qun_chan_limit limits[] = {
    {"text", "text", TEXT_MAX, "characters"}, {"markdown", "text", TEXT_MAX, "characters"}, {NULL, NULL, 0, NULL}};

/* HTML text: <, > and & must be entities; in an attribute " too. */
static void esc(struct qun_md_buf *b, const char *s, size_t n, int attr) {
  size_t from = 0;
  for (size_t i = 0; i < n; i++) {
    const char *r = s[i] == '&'              ? "&amp;"
                    : s[i] == '<'            ? "&lt;"
                    : s[i] == '>'            ? "&gt;"
                    : attr && s[i] == '"'    ? "&quot;"
                                             : NULL;
    if (r) {
      qun_md_buf_add(b, s + from, i - from);
      qun_md_buf_adds(b, r);
      from = i + 1;
    }
  }
  qun_md_buf_add(b, s + from, n - from);
}

static void escs(struct qun_md_buf *b, const char *s) { esc(b, s, strlen(s), 0); }

static void link_open(struct qun_md_buf *b, const char *url, size_t n) {
  qun_md_buf_adds(b, "<a href=\"");
  esc(b, url, n, 1);
  qun_md_buf_adds(b, "\">");
}

/* The characters Telegram shows for HTML we wrote: tags count nothing, an
 * entity one character (every literal < and & of ours is escaped). */
static size_t shown_chars(const char *s) {
  size_t n = 0;
  while (*s) {
    if (*s == '<') {
      const char *gt = strchr(s, '>');
      s = gt ? gt + 1 : s + strlen(s);
    } else if (*s == '&') {
      const char *sc = strchr(s, ';');
      n++;
      s = sc ? sc + 1 : s + 1;
    } else {
      n += ((unsigned char)*s++ & 0xC0) != 0x80;
    }
  }
  return n;
}

/* ---- markdown → Telegram HTML ---- */

struct html {
  struct qun_md_buf b;
  int link;    /* inside <a>: no <code> (entities there cannot hold one) */
  int heading; /* inside a heading's <b> */
};

static void md_line(void *ud, enum qun_md_line kind, enum qun_md_line prev) {
  struct html *h = ud;
  if (prev == QUN_MD_HEADING)
    qun_md_buf_adds(&h->b, "</b>");
  if (prev == QUN_MD_QUOTE && kind != QUN_MD_QUOTE)
    qun_md_buf_adds(&h->b, "</blockquote>");
  if (prev == QUN_MD_PRE && kind != QUN_MD_PRE)
    qun_md_buf_adds(&h->b, "</pre>");
  if (prev != QUN_MD_END && kind != QUN_MD_END)
    qun_md_buf_adds(&h->b, "\n");
  h->heading = kind == QUN_MD_HEADING;
  if (kind == QUN_MD_HEADING)
    qun_md_buf_adds(&h->b, "<b>");
  else if (kind == QUN_MD_QUOTE && prev != QUN_MD_QUOTE)
    qun_md_buf_adds(&h->b, "<blockquote>");
  else if (kind == QUN_MD_PRE && prev != QUN_MD_PRE)
    qun_md_buf_adds(&h->b, "<pre>");
  else if (kind == QUN_MD_ITEM)
    qun_md_buf_adds(&h->b, "• ");
}

static void md_text(void *ud, const char *s, size_t n) { esc(&((struct html *)ud)->b, s, n, 0); }

static void md_span(void *ud, enum qun_md_span span, int open, const char *url, size_t urllen) {
  struct html *h = ud;
  if (span == QUN_MD_LINK) {
    if (open)
      link_open(&h->b, url, urllen);
    else
      qun_md_buf_adds(&h->b, "</a>");
    h->link = open;
    return;
  }
  if ((h->link && span == QUN_MD_CODE) || (h->heading && span == QUN_MD_BOLD))
    return;
  static const char *const tags[][2] = {[QUN_MD_BOLD] = {"<b>", "</b>"},
                                        [QUN_MD_ITALIC] = {"<i>", "</i>"},
                                        [QUN_MD_STRIKE] = {"<s>", "</s>"},
                                        [QUN_MD_CODE] = {"<code>", "</code>"}};
  qun_md_buf_adds(&h->b, tags[span][!open]);
}

static const struct qun_md_sink html_sink = {md_line, md_text, md_span};

/* ---- the parts of a message ---- */

struct out {
  const char *method; /* "sendMessage", "sendPhoto" */
  json_t *body;       /* {"chat_id"} first, then what the kind adds */
};

/* Adds the fields after chat_id; v from json_pack (NULL if out of memory). */
static int add(struct out *o, json_t *v) {
  int bad = !v || json_object_update(o->body, v) < 0;
  json_decref(v);
  return bad ? -1 : 0;
}

static int oom(char *err, size_t errlen) {
  snprintf(err, errlen, "telegram: out of memory");
  return QUN_ENOMEM;
}

static int numeric(const char *s) {
  if (!*s)
    return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return 0;
  return 1;
}

/* A mention in front of the text (HTML). */
static void mention(void *ud, const char *s) {
  struct qun_md_buf *b = ud;
  if (numeric(s)) {
    qun_md_buf_adds(b, "<a href=\"tg://user?id=");
    qun_md_buf_adds(b, s);
    qun_md_buf_adds(b, "\">");
    qun_md_buf_adds(b, s);
    qun_md_buf_adds(b, "</a> ");
  } else {
    qun_md_buf_adds(b, "@");
    escs(b, s[0] == '@' ? s + 1 : s);
    qun_md_buf_adds(b, " ");
  }
}

static int check_len(const char *what, size_t n, char *err, size_t errlen) {
  if (n == 0) {
    snprintf(err, errlen, "telegram: %s is empty (Telegram takes 1 to %d characters)", what, TEXT_MAX);
    return QUN_EINVAL;
  }
  if (n > TEXT_MAX) {
    snprintf(err, errlen, "telegram: %s is %zu characters; Telegram takes 1 to %d (shorten it or split it)",
             what, n, TEXT_MAX);
    return QUN_ELIMIT;
  }
  return 0;
}

/* text or markdown */
static int text(const json_t *msg, int markdown, void *ud, char *err, size_t errlen) {
  struct out *o = ud;
  const char *field = markdown ? "markdown" : "text";
  const char *s = json_string_value(json_object_get(msg, field));
  if (!s) {
    snprintf(err, errlen, "telegram: %s is not a string", field);
    return QUN_EINVAL;
  }
  struct html h = {0};
  /* Telegram has no @all (a group message reaches everyone): "all" adds nothing. */
  int all, rc = qun_chan_msg_mentions("telegram", msg, &all, mention, &h.b, err, errlen);
  if (rc < 0) {
    free(qun_md_buf_take(&h.b));
    return rc;
  }
  int any = rc > 0;
  rc = 0;
  if (!markdown && !any) { /* plain: as written, no parse mode */
    rc = check_len("the text", qun_chan_utf8_chars(s), err, errlen);
    if (!rc && add(o, json_pack("{s:s}", "text", s)) < 0)
      rc = oom(err, errlen);
    free(qun_md_buf_take(&h.b));
    return rc;
  }
  if (markdown)
    qun_md_walk(s, strlen(s), &html_sink, &h);
  else
    escs(&h.b, s);
  char *t = qun_md_buf_take(&h.b);
  if (!t)
    return oom(err, errlen);
  if (!(rc = check_len("the text", *s ? shown_chars(t) : 0, err, errlen)) &&
      add(o, json_pack("{s:s, s:s}", "text", t, "parse_mode", "HTML")) < 0)
    rc = oom(err, errlen);
  free(t);
  return rc;
}

/* link/news: HTML text, the first card's URL previewed. */
static int cards(const json_t *msg, void *ud, char *err, size_t errlen) {
  struct out *o = ud;
  struct qun_chan_card c[QUN_CHAN_MAX_CARDS];
  int n = qun_chan_msg_cards("telegram", msg, c, err, errlen);
  if (n < 0)
    return n;
  struct qun_md_buf b = {0};
  for (int i = 0; i < n; i++) {
    if (i)
      qun_md_buf_adds(&b, "\n\n");
    qun_md_buf_adds(&b, "<b>");
    link_open(&b, c[i].url, strlen(c[i].url));
    escs(&b, c[i].title);
    qun_md_buf_adds(&b, "</a></b>");
    if (c[i].description) {
      qun_md_buf_adds(&b, "\n");
      escs(&b, c[i].description);
    }
  }
  char *t = qun_md_buf_take(&b);
  if (!t)
    return oom(err, errlen);
  int rc = check_len(n > 1 ? "the news" : "the link", shown_chars(t), err, errlen);
  if (!rc && add(o, json_pack("{s:s, s:s, s:{s:s}}", "text", t, "parse_mode", "HTML",
                              "link_preview_options", "url", c[0].url)) < 0)
    rc = oom(err, errlen);
  free(t);
  return rc;
}

/* redpacket: plain text and a button that opens the claim URL. */
static int redpacket(const json_t *msg, void *ud, char *err, size_t errlen) {
  struct out *o = ud;
  struct qun_chan_packet p;
  int rc = qun_chan_msg_packet("telegram", msg, &p, err, errlen);
  if (rc < 0)
    return rc;
  char amount[96];
  qun_chan_packet_amount(&p, amount, sizeof amount);
  char *t = qun_chan_strdupf("🧧 %s%s", p.note ? p.note : QUN_CHAN_PACKET_NOTE, amount);
  if (!t)
    return oom(err, errlen);
  if (!(rc = check_len("the red packet's text", qun_chan_utf8_chars(t), err, errlen)) &&
      add(o, json_pack("{s:s, s:{s:[[{s:s, s:s}]]}}", "text", t, "reply_markup", "inline_keyboard", "text",
                       "抢红包", "url", p.url)) < 0)
    rc = oom(err, errlen);
  free(t);
  return rc;
}

/* image: sendPhoto by URL (Telegram fetches it). */
static int image(const json_t *msg, void *ud, char *err, size_t errlen) {
  struct out *o = ud;
  const char *url = qun_chan_msg_image_url("telegram", msg, "image files are not uploaded", err, errlen);
  if (!url)
    return QUN_EINVAL;
  o->method = "sendPhoto";
  if (add(o, json_pack("{s:s}", "photo", url)) < 0)
    return oom(err, errlen);
  return 0;
}

/* The chat this message goes to, or NULL with the fix in err. */
static const char *chat(const struct qun_chan_msg *m, char *err, size_t errlen) {
  if (m->chat && *m->chat)
    return m->chat;
  if (m->member && *m->member && strncmp(m->target, "member:", 7) == 0)
    return m->member; /* a private chat's id is the user's id */
  const char *g = strncmp(m->target, "group:", 6) == 0 ? m->target + 6 : m->target;
  snprintf(err, errlen,
           "telegram: group '%s' has no chat: set chat = \"-100...\" in groups[\"%s\"] of the team config "
           "(the chat's id: add the bot to the group and read it from getUpdates)",
           g, g);
  return NULL;
}

/* A bot token is "123456:ABC-def_…": anything else would change the URL. */
static int token_ok(const char *t) {
  if (!t || !*t)
    return 0;
  for (; *t; t++)
    if (!((*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || *t == ':' ||
          *t == '_' || *t == '-'))
      return 0;
  return 1;
}

static const struct qun_chan_kinds kinds = {text, image, cards, redpacket};

static int render(const struct qun_channel *c, const struct qun_chan_msg *m, struct qun_chan_req *out,
                  char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (!token_ok(c->token)) {
    snprintf(err, errlen, "telegram: channel '%s': the bot token is not of the form 123456:ABC-... "
                          "(token = env(\"TG_TOKEN\"), from BotFather)", c->name);
    return QUN_EINVAL;
  }
  const char *to = chat(m, err, errlen);
  if (!to)
    return QUN_EINVAL;
  struct out o = {"sendMessage", json_pack("{s:s}", "chat_id", to)};
  if (!o.body)
    return oom(err, errlen);
  int rc = qun_chan_msg_render("telegram", &kinds, m->msg, &o, err, errlen);
  json_t *body = o.body;
  if (rc < 0) {
    json_decref(body);
    return rc;
  }
  const char *base = c->base_url ? c->base_url : DEFAULT_BASE;
  int blen = (int)strlen(base);
  while (blen > 0 && base[blen - 1] == '/')
    blen--;
  rc = qun_chan_post_json(out, qun_chan_strdupf("%.*s/bot%s/%s", blen, base, c->token, o.method),
                          qun_chan_strdupf("%.*s/bot***/%s", blen, base, o.method), body);
  json_decref(body);
  return rc < 0 ? oom(err, errlen) : 0;
}

/* The Bot API answers {"ok":true,"result":…} or {"ok":false,
 * "error_code","description","parameters":{"retry_after",
 * "migrate_to_chat_id"}}, with the HTTP status matching error_code. */
static void read(const struct qun_channel *c, const struct qun_http_res *res, struct qun_chan_result *out) {
  json_t *j = !res->error && res->body ? json_loadb(res->body, res->len, 0, NULL) : NULL;
  const json_t *ok = json_object_get(j, "ok");
  if (!json_is_boolean(ok)) {
    /* A transport error, or not the Bot API talking (a proxy's 502 page). */
    qun_chan_read_http("telegram", res, out);
    if (out->verdict == QUN_CHAN_SENT)
      qun_chan_dead(out, "telegram: HTTP %ld but the answer is not the Bot API's (is base_url right?)",
                    res->status);
  } else if (json_is_true(ok)) {
    memset(out, 0, sizeof *out);
    out->retry_after_ms = -1;
    out->verdict = QUN_CHAN_SENT;
  } else {
    memset(out, 0, sizeof *out);
    out->retry_after_ms = -1;
    const json_t *code = json_object_get(j, "error_code"), *params = json_object_get(j, "parameters");
    long long ec = json_is_integer(code) ? json_integer_value(code) : res->status;
    const char *desc = json_string_value(json_object_get(j, "description"));
    const json_t *ra = json_object_get(params, "retry_after");
    const json_t *migrate = json_object_get(params, "migrate_to_chat_id");
    if (!desc)
      desc = "(no description)";
    if (ec == 429 || json_is_integer(ra)) {
      qun_chan_retry(out, 1, "telegram error %lld: %s", ec, desc);
      long long s = json_integer_value(ra);
      if (json_is_integer(ra) && s >= 0)
        out->retry_after_ms = (s > 86400 ? 86400 : s) * 1000;
      else if (res->retry_after) { /* no retry_after in the body: the header's */
        struct qun_chan_result h;
        qun_chan_read_http("telegram", res, &h);
        out->retry_after_ms = h.retry_after_ms;
      }
    } else if (ec >= 500) {
      qun_chan_retry(out, 0, "telegram error %lld: %s", ec, desc);
    } else if (json_is_integer(migrate)) {
      qun_chan_dead(out, "telegram error %lld: %s (the group is now a supergroup: set its chat = \"%lld\")",
                    ec, desc, (long long)json_integer_value(migrate));
    } else if (ec == 401 || ec == 404) {
      qun_chan_dead(out, "telegram error %lld: %s (the bot token is wrong or was revoked: BotFather → /token)",
                    ec, desc);
    } else {
      qun_chan_dead(out, "telegram error %lld: %s", ec, desc);
    }
  }
  json_decref(j);
  qun_chan_scrub(out->reason, sizeof out->reason, c->token);
}

const struct qun_chan_type qun_chan_telegram = {
    .name = "telegram",
    .rates = {{20, 60000}},
    .nrates = 1,
    .per_chat = 1,
    .ok_status = 200,
    .ok_body = "{\"ok\":true,\"result\":{}}",
    .render = render,
    .read = read,
    .limits = limits,
};
