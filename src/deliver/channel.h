/* channel.h — what a channel type does: it renders a queued message to the
 * exact request its platform expects (URL, headers, body bytes, signature)
 * and reads the platform's answer as sent, retry or dead. A render is a
 * pure function of (channel settings, message, time): the live worker hands
 * the request to the HTTP client, a dry-run hands it to a recording sink,
 * and both go through the same code. One file per type (ch_<type>.c); the
 * shared pieces (HTTP verdicts, HMAC, base64, URL escaping) live here.
 * Uses: jansson, OpenSSL's libcrypto, libcurl (escaping), core/ratelimit,
 * host/config (struct qun_channel), deliver/http_client (responses). */
#ifndef QUN_CHANNEL_H
#define QUN_CHANNEL_H

#include "core/ratelimit.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct qun_channel;  /* host/config.h: one channel instance of the team config */
struct qun_http_res; /* deliver/http_client.h */

/* A message as the outbox holds it. `msg` is one JSON object with exactly
 * one content field and an optional "mention":
 *   {"text": "..."}                     plain text (already rendered)
 *   {"markdown": "..."}
 *   {"image": {"path": "/abs/a.png"}}   a file next to the playbook, or
 *   {"image": {"url": "https://..."}}
 *   {"link": {"title", "description", "url", "picture"}}   one card
 *   {"news": [{"title", "description", "url", "picture"}, ...]}  1–8 cards
 *   {"redpacket": {"id", "total" ("88.88"), "count", "note", "url",
 *                  "expires" (RFC 3339)}}   a packet to claim at url
 *   {"payout": {"packet", "claim", "member", "fen", "billno"}}  webhook only
 *   "mention": ["m1", "m2"] or "all"    alongside text or markdown */
struct qun_chan_msg {
  const json_t *msg;
  const char *target;  /* "group:ID", "member:ID" or "payout:ID" */
  const char *chat;    /* the group's chat id (groups[ID].chat), or NULL */
  const char *member;  /* the member's id, or NULL */
  const char *key;     /* the message's idempotency key */
  int64_t now_ms;      /* when it goes (signatures carry it) */
};

#define QUN_CHAN_MAX_HEADERS 8

struct qun_chan_req {
  const char *method;  /* "POST"; NULL for a local channel (console, file) */
  char *url;           /* what to request, credential included; local: the file, or NULL */
  char *shown_url;     /* the same with every credential as "***": the only form logged */
  char *headers[QUN_CHAN_MAX_HEADERS + 1]; /* "Name: value", NULL-terminated */
  char *body;          /* the exact bytes; local: the line to write */
  size_t len;
};

enum qun_chan_verdict { QUN_CHAN_SENT, QUN_CHAN_RETRY, QUN_CHAN_DEAD };

struct qun_chan_result {
  enum qun_chan_verdict verdict;
  int64_t retry_after_ms; /* RETRY: how long the platform asked us to wait, or -1 */
  int throttled;          /* RETRY: the platform's rate limit (hold the whole channel) */
  char reason[256];       /* RETRY or DEAD: "wecom errcode 93000: invalid webhook url" */
};

/* A limit a platform refuses past. render checks it (the message fails for
 * good, the reason naming the limit and the actual size) and `qun check`
 * can warn about it before anything is sent. */
struct qun_chan_limit {
  const char *kind;  /* the message kind ("text", "markdown", "image", "news"), or "*": any */
  const char *what;  /* what is measured: "text content", "request body", ... */
  size_t max;        /* the most the platform takes, in `unit` */
  const char *unit;  /* "bytes", "characters" (code points) or "articles" */
};

struct qun_chan_type {
  const char *name;
  struct qun_rate rates[QUN_RATE_RULES]; /* the platform's limit, unless the config sets rate */
  int nrates;                            /* 0: unlimited */
  int per_chat;        /* the limit is per chat (telegram), not per channel */
  long ok_status;      /* what the platform answers on success: the dry-run's */
  const char *ok_body; /*   recording sink answers exactly this */
  /* Renders m into out (all fields malloc'd; free with qun_chan_req_free).
   * Returns 0, or a negative QUN_E* code with the reason in err: a message
   * this channel cannot carry (too long, an unsupported kind, a missing
   * file) fails for good. err never holds a credential. */
  int (*render)(const struct qun_channel *c, const struct qun_chan_msg *m, struct qun_chan_req *out,
                char *err, size_t errlen);
  /* Reads the platform's answer. NULL for local channels. */
  void (*read)(const struct qun_channel *c, const struct qun_http_res *res, struct qun_chan_result *out);
  const struct qun_chan_limit *limits; /* ends with {NULL}; NULL: none known */
};

/* The type named `name` ("wecom", ...), or NULL. */
const struct qun_chan_type *qun_chan_type(const char *name);
/* The rates in force for a channel instance: its config's, else the type's
 * default. Returns how many (0: unlimited). */
int qun_chan_rates(const struct qun_channel *c, const struct qun_chan_type *t, struct qun_rate *out);
void qun_chan_req_free(struct qun_chan_req *r);
/* The limit of channel type `type` on messages of kind `kind` ("text",
 * "markdown", ...): the kind's own, else the one on every kind ("*"), else
 * NULL. E.g. ("wecom", "text") → 2048 bytes of text content. */
const struct qun_chan_limit *qun_chan_limit(const char *type, const char *kind);

/* ---- shared by the ch_*.c ---- */

/* The HTTP layer's verdict: a transport error (timeout, refused), 5xx or
 * 429 → RETRY (Retry-After honoured), 408 too; another 4xx → DEAD; 2xx
 * → SENT (the caller then reads the platform's code in the body). */
void qun_chan_read_http(const char *type, const struct qun_http_res *res, struct qun_chan_result *out);
/* Sets out to RETRY or DEAD with a formatted reason. */
void qun_chan_retry(struct qun_chan_result *out, int throttled, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void qun_chan_dead(struct qun_chan_result *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* HMAC-SHA256 of msg under key; out gets 32 bytes. 0 or QUN_EIO. */
int qun_chan_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
                         unsigned char out[32]);
/* Base64 (standard alphabet, padded) and lowercase hex: malloc'd, NUL-terminated. */
char *qun_chan_base64(const unsigned char *p, size_t n);
char *qun_chan_hex(const unsigned char *p, size_t n);
/* Percent-encodes s for a URL query (libcurl's escaping); malloc'd. */
char *qun_chan_urlencode(const char *s);
/* Compact JSON of o, keys in insertion order, UTF-8 as is; malloc'd. */
char *qun_chan_json(const json_t *o, size_t *len);
/* Fills out as a POST of body (qun_chan_json) to url, shown as shown, with
 * "Content-Type: application/json" as its first header. Takes url and
 * shown (either may be NULL: out of memory); on failure frees them and
 * clears out. 0 or QUN_ENOMEM. */
int qun_chan_post_json(struct qun_chan_req *out, char *url, char *shown, const json_t *body);
/* printf into a new string. */
char *qun_chan_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reads a whole file (an image) of at most max bytes: 0, QUN_ENOENT,
 * QUN_ELIMIT (too big) or QUN_EIO; *out malloc'd. */
int qun_chan_read_file(const char *path, size_t max, unsigned char **out, size_t *len);
/* Number of Unicode code points of UTF-8 text (platform limits in characters). */
size_t qun_chan_utf8_chars(const char *s);
/* Replaces each occurrence of secret in the string buf (of size bytes) with
 * "***", in place, cutting what no longer fits: for a reason that quotes a
 * platform's or curl's words, in case they echo a credential. */
void qun_chan_scrub(char *buf, size_t size, const char *secret);

#endif
