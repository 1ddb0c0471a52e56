/* event_in.c — checking one incoming event (see event_in.h). */
#include "ingest/event_in.h"
#include "core/timespec.h"
#include "store/store.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int qun_event_in_time(const char *s, int64_t *ms) {
  char buf[64];
  int64_t t;
  if (strlen(s) == 10) {
    snprintf(buf, sizeof buf, "%s 00:00", s);
    s = buf;
  }
  if (s[0] < '0' || s[0] > '9' || qun_time_parse(s, 0, &t) < 0)
    return -1; /* relative times ("sat 20:00") make no sense here */
  *ms = t * 1000;
  return 0;
}

int qun_event_in_valid_id(const char *s) {
  size_t n = strlen(s);
  if (!n || n > QUN_EVENT_IN_MAX_ID)
    return 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < ' ' || *p == 0x7f)
      return 0;
  return 1;
}

static int valid_type(const char *t) {
  if (!*t || strlen(t) > 64)
    return 0;
  for (const char *p = t; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
      return 0;
  return 1;
}

static const char *str_field(json_t *o, const char *key, int *bad) {
  json_t *v = json_object_get(o, key);
  if (!v || json_is_null(v))
    return NULL;
  if (!json_is_string(v)) {
    *bad = 1;
    return NULL;
  }
  return json_string_value(v);
}

int qun_event_in_read(json_t *o, int64_t now_ms, struct qun_event_in *ev, char *err, size_t errlen) {
  static const char *const known[] = {"id", "type", "member", "group", "at", "data", NULL};
  memset(ev, 0, sizeof *ev);
  if (!json_is_object(o)) {
    snprintf(err, errlen, "an event is a JSON object");
    return -1;
  }
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    int ok = 0;
    for (int i = 0; known[i] && !ok; i++)
      ok = strcmp(known[i], key) == 0;
    if (!ok) {
      snprintf(err, errlen, "unknown field \"%s\" (fields: id, type, member, group, at, data)", key);
      return -1;
    }
  }
  int bad = 0;
  static const char *const strs[] = {"id", "type", "member", "group"};
  const char **outs[] = {&ev->ext_id, &ev->type, &ev->member, &ev->group};
  for (int i = 0; i < 4; i++) {
    *outs[i] = str_field(o, strs[i], &bad);
    if (bad) {
      snprintf(err, errlen, "field \"%s\" must be a string", strs[i]);
      return -1;
    }
  }
  if (!ev->type) {
    snprintf(err, errlen, "no \"type\" (e.g. \"checkin\", \"link.click\", \"purchase\")");
    return -1;
  }
  if (!valid_type(ev->type)) {
    snprintf(err, errlen, "type \"%.64s\": use lower-case letters, digits and . _ - (e.g. \"link.click\")", ev->type);
    return -1;
  }
  if (!ev->member || !qun_event_in_valid_id(ev->member)) {
    snprintf(err, errlen, "no \"member\" (the member's id)");
    return -1;
  }
  if ((ev->group && !qun_event_in_valid_id(ev->group)) || (ev->ext_id && !qun_event_in_valid_id(ev->ext_id))) {
    snprintf(err, errlen, "\"%s\" must be 1 to %d characters",
             ev->group && !qun_event_in_valid_id(ev->group) ? "group" : "id", QUN_EVENT_IN_MAX_ID);
    return -1;
  }
  json_t *at = json_object_get(o, "at"), *data = json_object_get(o, "data");
  ev->at_ms = now_ms;
  if (json_is_integer(at)) {
    ev->at_ms = json_integer_value(at) * 1000;
  } else if (json_is_string(at)) {
    if (qun_event_in_time(json_string_value(at), &ev->at_ms) < 0) {
      snprintf(err, errlen, "field \"at\": cannot read \"%.40s\" as a time (expected e.g. "
               "\"2026-11-28T20:00:00+08:00\" or \"2026-11-28 20:00\")", json_string_value(at));
      return -1;
    }
  } else if (at && !json_is_null(at)) {
    snprintf(err, errlen, "field \"at\" must be a time string or epoch seconds");
    return -1;
  }
  if (data && !json_is_null(data)) {
    if (!json_is_object(data)) {
      snprintf(err, errlen, "field \"data\" must be an object");
      return -1;
    }
    if (!(ev->data = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
  }
  if (!ev->ext_id) { /* the same event twice is one event */
    char *canon = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(canon ? canon : "", canon ? strlen(canon) : 0, md, &n, EVP_sha256(), NULL);
    free(canon);
    strcpy(ev->key, "sha256:");
    for (unsigned i = 0; i < n && i < 32; i++)
      snprintf(ev->key + 7 + 2 * i, 3, "%02x", md[i]);
    ev->ext_id = ev->key;
  }
  return 0;
}

void qun_event_in_free(struct qun_event_in *ev) {
  free(ev->data);
  ev->data = NULL;
}

int qun_event_in_store(struct qun_store *st, const struct qun_event_in *ev, int64_t now_ms) {
  return qun_store_event_upsert(st, ev->ext_id, ev->type, ev->member, ev->group, ev->at_ms, ev->data, now_ms);
}
