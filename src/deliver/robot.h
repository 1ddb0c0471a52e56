/* robot.h — what the three group-robot channels (wecom, dingtalk, feishu)
 * share: the steps of a render (qun_robot_render), reading a queued
 * message into its kind and mentions (with the checks every robot makes),
 * the URL under a configured base_url, size checks against a channel type's limits, and reading the platform's JSON
 * answer ({"errcode": N} / {"code": N}) into a verdict through a table of
 * codes, with every credential kept out of the reason.
 * Uses: deliver/channel, host/config (struct qun_channel), jansson. */
#ifndef QUN_ROBOT_H
#define QUN_ROBOT_H

#include "deliver/channel.h"

enum qun_robot_kind {
  QUN_ROBOT_TEXT,
  QUN_ROBOT_MARKDOWN,
  QUN_ROBOT_IMAGE,
  QUN_ROBOT_LINK,
  QUN_ROBOT_NEWS,
  QUN_ROBOT_REDPACKET,
};

#define QUN_ROBOT_MAX_NEWS 8 /* articles in one news message (channel.h) */

/* A message read by qun_robot_parse; every string is borrowed from msg. */
struct qun_robot_msg {
  enum qun_robot_kind kind;
  const char *kind_name; /* "text", "markdown", ... */
  const char *text;      /* text, markdown: the content, not empty */
  const char *path, *url; /* image: one of the two */
  const char *image_title; /* image: its optional "title" */
  const json_t *items[QUN_ROBOT_MAX_NEWS]; /* link: one, news: 1–8 articles */
  size_t nitems;
  const json_t *redpacket; /* redpacket: the checked object */
  int mention_all;       /* "mention": "all" */
  const char **ids;      /* "mention": ["m1", ...] (malloc'd array) */
  size_t nids;
};

/* Reads m into out: exactly one content field, well-formed (text not
 * empty; link and every article with a title and a url; 1–8 articles;
 * a red packet with url, total and count); a mention only with text or
 * markdown, each id printable without spaces, quotes or angle brackets.
 * A payout fails ("payouts go through a webhook channel"). 0, or
 * QUN_EINVAL / QUN_ENOMEM with "TYPE: reason" in err. Free with
 * qun_robot_msg_free (also after a failure). */
int qun_robot_parse(const char *type, const json_t *msg, struct qun_robot_msg *out, char *err,
                    size_t errlen);
void qun_robot_msg_free(struct qun_robot_msg *m);

/* The string under key k of object o, or NULL (absent, not a string, or ""). */
const char *qun_robot_str(const json_t *o, const char *k);

/* base_url without its trailing '/' (or def when base_url is NULL), then
 * rest; malloc'd. */
char *qun_robot_url(const char *base_url, const char *def, const char *rest);

/* What one robot channel type adds to qun_robot_render. */
struct qun_robot_type {
  const char *name; /* "wecom" */
  /* The URL and its shown form (every credential as "***"): 0, QUN_ENOMEM,
   * or QUN_EINVAL with "TYPE: reason" in err (a missing credential, ...).
   * What is set in *url and *shown is the caller's, also on failure. */
  int (*urls)(const struct qun_channel *c, const struct qun_chan_msg *m, char **url, char **shown, char *err,
              size_t errlen);
  /* The request body of the message read as r: 0 with *body set,
   * QUN_ENOMEM, or another negative QUN_E* code with "TYPE: reason" in err. */
  int (*body)(const struct qun_channel *c, const struct qun_chan_msg *m, const struct qun_robot_msg *r,
              json_t **body, char *err, size_t errlen);
};

/* A robot's render (channel.h), in the same steps for each type: its URL
 * (which checks the channel's settings), the message read by
 * qun_robot_parse, its body, a JSON POST (qun_chan_post_json) and the
 * request's size against the type's limit on every kind ("*"), if any.
 * "TYPE: out of memory" in err on QUN_ENOMEM. */
int qun_robot_render(const struct qun_robot_type *t, const struct qun_channel *c, const struct qun_chan_msg *m,
                     struct qun_chan_req *out, char *err, size_t errlen);

/* 0 when n is within the type's limit for kind (or it has none), else
 * QUN_ELIMIT with "TYPE: WHAT is N UNIT, over the platform's limit of MAX
 * UNIT" in err. */
int qun_robot_check(const char *type, const char *kind, size_t n, char *err, size_t errlen);

/* "2026-11-29T20:00:00+08:00" → "2026-11-29 20:00" (anything else as is). */
void qun_robot_local_time(const char *rfc3339, char *buf, size_t size);

/* One platform answer code and what it means. Code 0 is success; a code
 * not in the table is DEAD. */
struct qun_robot_code {
  long long code;
  enum qun_chan_verdict verdict;
  int throttled;          /* RETRY: the platform's rate limit */
  int64_t retry_after_ms; /* RETRY: how long to hold back, or -1 */
};

/* What a robot's answer looks like: {"<code>": N, "<msg>": "..."}, with
 * older answers using alt_code / alt_msg instead (may be NULL). */
struct qun_robot_answer {
  const char *code, *msg;
  const char *alt_code, *alt_msg;
  const struct qun_robot_code *codes;
  size_t ncodes;
};

/* The HTTP verdict (qun_chan_read_http), then the code in the body: on a
 * 2xx a body that is not a JSON object or has no code is DEAD; a 4xx
 * whose body carries a code takes that code's verdict. Every credential
 * of c is replaced by "***" in the reason. */
void qun_robot_read(const char *type, const struct qun_robot_answer *a, const struct qun_channel *c,
                    const struct qun_http_res *res, struct qun_chan_result *out);

#endif
