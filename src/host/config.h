/* config.h — the team config: a Lua file evaluated as data in the sandbox
 * (no primitives; loops allowed), where env("NAME") is the only way a
 * secret gets in. It gives the run's zone, grace, params and, for later
 * stages, quiet hours, caps, channels and groups. Unknown settings and
 * typos are errors naming file:line. Uses: host/sandbox, core/timespec. */
#ifndef QUN_CONFIG_H
#define QUN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "core/ratelimit.h"

/* One channel instance. The credentials are secrets when they come from
 * env(): the channels use them, nothing prints them. */
struct qun_channel {
  char *name, *type;
  int line;
  char *key;        /* wecom: the robot's key */
  char *token;      /* dingtalk: access_token; telegram: the bot token */
  char *secret;     /* dingtalk, feishu: signing secret; webhook: HMAC key */
  char *hook;       /* feishu: the hook id (or its whole URL) */
  char *url;        /* slack, webhook: where to POST */
  char *base_url;   /* wecom, dingtalk, feishu, telegram: the platform's host (tests: a local sink) */
  char *path;       /* file: the JSON-lines file */
  struct qun_rate rate[QUN_RATE_RULES]; /* rate = "20/min" or { "5/s", "100/min" } */
  int nrate;        /* 0: the platform's default */
};

struct qun_group {
  char *id, *name, *channel, *chat;
  int internal; /* the team's own group (operators): no simulated audience in it */
};

struct qun_config {
  char *path;
  char *timezone;          /* default Asia/Shanghai */
  int64_t grace_s;         /* default 600 */
  int quiet_from, quiet_to; /* minutes of the day; -1 = no quiet hours */
  int member_per_day;      /* 0 = no cap */
  char **sets;             /* params as "NAME=VALUE", for the playbook */
  int nsets;
  struct qun_channel *channels;
  size_t nchannels;
  struct qun_group *groups;
  size_t ngroups;
  char *members_channel, *payout_channel;
  int64_t rp_max_total;    /* redpacket.max_total in fen; default 20000 (200 yuan) */
  int rp_max_count;        /* redpacket.max_count; default 100 */
  char *rp_claim_url;      /* redpacket.claim_url, "https://…/{packet}", or NULL */
  int quiet_drop;          /* quiet_hours_mode = "drop": drop instead of defer */
  char *listen_token;      /* listen.token: the events endpoint's bearer token */
  char *listen_addr;       /* listen.addr: "HOST:PORT", or NULL */
  int64_t listen_max_body; /* listen.max_body in bytes; default 1 MiB */
  char **secrets;          /* values read with env(): never to be shown */
  size_t nsecrets;
  char **unset;            /* QUN_CONFIG_DRY: env() names that were not set */
  size_t nunset;
};

/* The defaults (no file). */
void qun_config_defaults(struct qun_config *cfg);
/* Loads path into cfg; 0, or -1 with one line "file:line: reason" in err
 * (which never contains a secret). cfg must be freed either way.
 * QUN_CONFIG_DRY (qun check, sim, test: nothing is sent): an env() that is
 * not set gives "dry-run-NAME" instead of an error, and its name is kept
 * in cfg->unset. */
enum { QUN_CONFIG_DRY = 1 };
int qun_config_load(const char *path, struct qun_config *cfg, int flags, char *err, size_t errlen);
void qun_config_free(struct qun_config *cfg);

/* Replaces every secret in buf with "***", in place. */
void qun_config_redact(const struct qun_config *cfg, char *buf, size_t len);

/* The channel named `name`, or NULL. */
const struct qun_channel *qun_config_channel(const struct qun_config *cfg, const char *name);
/* The group with this id, or NULL. */
const struct qun_group *qun_config_group(const struct qun_config *cfg, const char *id);

#endif
