/* event_in.h — one incoming event, as JSON ({"type", "member", "group",
 * "at", "data", "id"}), checked the same way whether it comes from a file
 * or over HTTP. An event without an "id" is keyed by a hash of its
 * content, so the same event sent twice is stored once. Also what makes
 * an id acceptable, wherever one comes in (events, imports, claims).
 * Uses: jansson, core/timespec, store/store, OpenSSL (SHA-256). */
#ifndef QUN_EVENT_IN_H
#define QUN_EVENT_IN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct qun_store;

struct qun_event_in {
  const char *ext_id, *type, *member, *group; /* point into the JSON object */
  int64_t at_ms;
  char *data;                                  /* malloc'd JSON text, or NULL */
  char key[72];                                /* "sha256:…" when no id was given */
};

/* Reads and checks o; 0, or -1 with the reason in err (no position). */
int qun_event_in_read(json_t *o, int64_t now_ms, struct qun_event_in *ev, char *err, size_t errlen);
void qun_event_in_free(struct qun_event_in *ev);
/* Stores it (inside the caller's transaction). */
int qun_event_in_store(struct qun_store *st, const struct qun_event_in *ev, int64_t now_ms);

/* The longest id (of a member, group, event or packet) ingest takes, in bytes. */
#define QUN_EVENT_IN_MAX_ID 128
/* 1 if s is an id: 1 to QUN_EVENT_IN_MAX_ID bytes, no control characters. */
int qun_event_in_valid_id(const char *s);

/* "2026-11-28 20:00", "2026-11-28" (midnight), RFC 3339 → ms. */
int qun_event_in_time(const char *s, int64_t *ms);

#endif
