/* claim.c — POST /redpacket/claim (see claim.h). */
#include "ingest/claim.h"
#include "ingest/event_in.h"
#include "core/err.h"
#include "core/timespec.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dump(json_t *o) {
  char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(o);
  return s;
}

static char *error_answer(const char *msg) {
  return dump(json_pack("{s:s}", "error", msg));
}

/* Checks the body: 0 with packet and member, or the status with *answer. */
static int read_body(json_t *j, const char **packet, const char **member, char **answer) {
  char msg[300];
  if (!json_is_object(j)) {
    *answer = error_answer("the body is a JSON object {\"packet\": ID, \"member\": ID}");
    return 422;
  }
  const char *key;
  json_t *v;
  json_object_foreach(j, key, v) {
    if (strcmp(key, "packet") != 0 && strcmp(key, "member") != 0) {
      snprintf(msg, sizeof msg, "unknown field \"%.40s\" (fields: packet, member)", key);
      *answer = error_answer(msg);
      return 422;
    }
  }
  static const char *const names[] = {"packet", "member"};
  const char **outs[] = {packet, member};
  for (int i = 0; i < 2; i++) {
    v = json_object_get(j, names[i]);
    if (!json_is_string(v) || !qun_event_in_valid_id(json_string_value(v))) {
      snprintf(msg, sizeof msg, "\"%s\" must be the %s's id: a string of 1 to %d characters", names[i],
               names[i], QUN_EVENT_IN_MAX_ID);
      *answer = error_answer(msg);
      return 422;
    }
    *outs[i] = json_string_value(v);
  }
  return 0;
}

int qun_claim_http(qun_claim_fn fn, void *ud, const char *body, size_t len, char **answer) {
  char msg[400];
  json_error_t jerr;
  json_t *j = json_loadb(body ? body : "", len, 0, &jerr);
  if (!j) {
    snprintf(msg, sizeof msg, "malformed JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
    *answer = error_answer(msg);
    return 400;
  }
  const char *packet = NULL, *member = NULL;
  int status = read_body(j, &packet, &member, answer);
  if (status) {
    json_decref(j);
    return status;
  }
  struct qun_claim_share share = {0, 0};
  char err[400] = "";
  int rc = fn(ud, packet, member, &share, err, sizeof err);
  char amount[24];
  qun_money_format(share.fen, amount, sizeof amount);
  switch (rc) {
  case 0:
    status = 200;
    *answer = dump(json_pack("{s:s, s:s, s:I, s:s, s:I}", "packet", packet, "member", member, "fen",
                             (json_int_t)share.fen, "amount", amount, "seq", (json_int_t)share.seq));
    break;
  case QUN_ENOENT:
    status = 404;
    snprintf(msg, sizeof msg, "no red packet \"%.40s\"", packet);
    *answer = error_answer(msg);
    break;
  case QUN_EEXIST:
    status = 409;
    *answer = dump(json_pack("{s:s, s:I, s:s}", "error", "already claimed", "fen", (json_int_t)share.fen,
                             "amount", amount));
    break;
  case QUN_ELIMIT:
    status = 409;
    *answer = error_answer("no shares left");
    break;
  case QUN_ESTATE:
    status = 410;
    *answer = error_answer("expired");
    break;
  default:
    status = 503;
    snprintf(msg, sizeof msg, "the claim could not be made (%.300s): retry", err);
    *answer = error_answer(msg);
  }
  json_decref(j);
  return status;
}
