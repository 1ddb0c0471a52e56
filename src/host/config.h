/* config.h — the team config: a Lua file evaluated as data in the sandbox
 * (no primitives; loops allowed), where env("NAME") is the only way a
 * secret gets in. It gives the run's zone, grace, params and, for later
 * stages, quiet hours, caps, channels and groups. Unknown settings and
 * typos are errors naming file:line. Uses: host/sandbox, core/timespec. */
#ifndef QUN_CONFIG_H
#define QUN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct qun_channel {
  char *name, *type;
  int line;
};

struct qun_group {
  char *id, *name, *channel, *chat;
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
  char *listen_token;      /* listen.token: the events endpoint's bearer token */
  char *listen_addr;       /* listen.addr: "HOST:PORT", or NULL */
  int64_t listen_max_body; /* listen.max_body in bytes; default 1 MiB */
  char **secrets;          /* values read with env(): never to be shown */
  size_t nsecrets;
};

/* The defaults (no file). */
void qun_config_defaults(struct qun_config *cfg);
/* Loads path into cfg; 0, or -1 with one line "file:line: reason" in err
 * (which never contains a secret). cfg must be freed either way. */
int qun_config_load(const char *path, struct qun_config *cfg, char *err, size_t errlen);
void qun_config_free(struct qun_config *cfg);

/* Replaces every secret in buf with "***", in place. */
void qun_config_redact(const struct qun_config *cfg, char *buf, size_t len);

#endif
