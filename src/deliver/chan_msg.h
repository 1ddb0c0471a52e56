/* chan_msg.h — reading the parts of an outbox message (channel.h) that
 * several channel types read the same way: which kind it is (and handing
 * it to the type's function for that kind), its mentions, its image URL,
 * its cards (link, news) and its red packet, each checked once with an
 * error that says what is wrong. Uses: jansson. */
#ifndef QUN_CHAN_MSG_H
#define QUN_CHAN_MSG_H

#include <jansson.h>
#include <stddef.h>

#define QUN_CHAN_MAX_CARDS 8

/* The message's content field: "text", "markdown", "image", "link",
 * "news", "redpacket", "payout"; NULL if it has none of them. */
const char *qun_chan_msg_kind(const json_t *msg);

/* What a channel type writes for each kind of message; ud is its own (the
 * body it builds). Each returns 0 or a negative QUN_E* code with the
 * reason in err. */
struct qun_chan_kinds {
  int (*text)(const json_t *msg, int markdown, void *ud, char *err, size_t errlen); /* text, markdown */
  int (*image)(const json_t *msg, void *ud, char *err, size_t errlen);
  int (*cards)(const json_t *msg, void *ud, char *err, size_t errlen); /* link, news */
  int (*redpacket)(const json_t *msg, void *ud, char *err, size_t errlen);
};

/* Calls the function of msg's kind and returns what it returns; QUN_EINVAL
 * with the reason in err when msg has nothing to send, or is a payout
 * (which only a webhook channel carries). type names the channel. */
int qun_chan_msg_render(const char *type, const struct qun_chan_kinds *k, const json_t *msg, void *ud, char *err,
                        size_t errlen);

/* Calls each(ud, id) for each member id of msg's "mention" list, in order;
 * *all is set when the mention is "all" instead. The number of ids (0
 * when there is no mention), or QUN_EINVAL with the reason in err when the
 * mention is neither "all" nor a list of ids (each has been called for
 * the ids before the first bad one). */
int qun_chan_msg_mentions(const char *type, const json_t *msg, int *all, void (*each)(void *ud, const char *id),
                          void *ud, char *err, size_t errlen);

/* The URL of an image message, for a channel type that takes no image
 * file: NULL with the reason in err when the image is a file (no_file
 * says why: "image files are not uploaded") or has no url. */
const char *qun_chan_msg_image_url(const char *type, const json_t *msg, const char *no_file, char *err,
                                   size_t errlen);

struct qun_chan_card {
  const char *title;       /* the URL when the card has no title */
  const char *description; /* NULL if none */
  const char *url;
  const char *picture;     /* NULL if none */
};

/* The cards of a link (one) or news (1–8) message into cards[8]: their
 * number, or a negative QUN_E* code with the reason in err ("slack: news
 * card 2 has no url"), type naming the channel. */
int qun_chan_msg_cards(const char *type, const json_t *msg, struct qun_chan_card *cards, char *err,
                       size_t errlen);

struct qun_chan_packet {
  const char *id, *url, *note; /* note: NULL if none */
  const char *total;           /* "88.88" (yuan), or NULL */
  long long count;             /* 0 if not given */
};

/* The red packet of a redpacket message: 0, or a negative QUN_E* code. */
int qun_chan_msg_packet(const char *type, const json_t *msg, struct qun_chan_packet *p, char *err,
                        size_t errlen);

/* The packet's amount on a line of its own: "\n88.88 元 · 10 个",
 * "\n88.88 元" or "\n10 个"; "" when it gives neither. */
void qun_chan_packet_amount(const struct qun_chan_packet *p, char *buf, size_t size);

/* What a packet's note is when the playbook gives none (WeChat's own). */
#define QUN_CHAN_PACKET_NOTE "恭喜发财,大吉大利"

#endif
