/* chan_msg.h — reading the parts of an outbox message (channel.h) that
 * several channel types read the same way: which kind it is, its cards
 * (link, news) and its red packet, each checked once with an error that
 * says what is wrong. Uses: jansson. */
#ifndef QUN_CHAN_MSG_H
#define QUN_CHAN_MSG_H

#include <jansson.h>
#include <stddef.h>

#define QUN_CHAN_MAX_CARDS 8

/* The message's content field: "text", "markdown", "image", "link",
 * "news", "redpacket", "payout"; NULL if it has none of them. */
const char *qun_chan_msg_kind(const json_t *msg);

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

/* What a packet's note is when the playbook gives none (WeChat's own). */
#define QUN_CHAN_PACKET_NOTE "恭喜发财,大吉大利"

#endif
