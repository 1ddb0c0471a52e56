/* transcript.h — one line of the run transcript (the JSON-lines contract in
 * DESIGN.md): {"t": RFC 3339 in the run's zone, "ev": kind, ...fields}, keys
 * in that order, compact, UTF-8 kept as is. Live runs and dry-runs write
 * the same lines. Uses: jansson, core/tz. */
#ifndef QUN_TRANSCRIPT_H
#define QUN_TRANSCRIPT_H

#include <jansson.h>
#include <stdint.h>

/* Builds the line (no newline) for an event at t_ms. Takes ownership of
 * fields (a JSON object, may be NULL). Returns a malloc'd string or NULL. */
char *qun_transcript_line(int64_t t_ms, const char *ev, json_t *fields);

/* The `event` line, written without building JSON objects (one per event
 * ingested, the hot path): byte for byte what qun_transcript_line gives for
 * the fields type, member, group, data (member, group NULL → null; data is
 * JSON text or NULL). Returns a malloc'd string or NULL. */
char *qun_transcript_event_line(int64_t t_ms, const char *type, const char *member,
                                const char *group, const char *data);

/* The `send` line the same way (one per message delivered): msg is the
 * message's JSON text as the outbox holds it (jansson's compact form). */
char *qun_transcript_send_line(int64_t t_ms, const char *channel, const char *to, const char *msg,
                               const char *job, int64_t due_ms, int64_t late_ms);

/* RFC 3339 string of a time in ms (seconds precision), as a JSON value. */
json_t *qun_transcript_time(int64_t t_ms);

#endif
