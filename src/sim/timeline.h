/* timeline.h — the report's timeline (report.h), gathered while the
 * summary reads the transcript and bounded whatever the run's length:
 * individual marks (group sends, countdown marks, red packets) up to a cap
 * each, and volumes (member sends, purchases, and group sends once there
 * are too many to draw one by one) counted per lane and local hour, then
 * widened (2h, 3h, … a week) until everything fits in QUN_TIMELINE_MAX
 * entries; if even weekly buckets do not fit, the busiest lanes are kept.
 * A lane is a group id; NULL is the lane for what belongs to no one group.
 * Uses jansson. */
#ifndef QUN_TIMELINE_H
#define QUN_TIMELINE_H

#include <jansson.h>
#include <stdint.h>

#define QUN_TIMELINE_MAX 5000
#define QUN_TIMELINE_SENDS 3000     /* group sends drawn one by one */
#define QUN_TIMELINE_COUNTDOWNS 500 /* countdown marks */
#define QUN_TIMELINE_PACKETS 500    /* red packets */
#define QUN_TIMELINE_WINDOWS 64     /* windows from the facts */

struct qun_timeline;

struct qun_timeline *qun_timeline_new(void);
void qun_timeline_free(struct qun_timeline *tl);

/* One mark: kind "send" (a group send), "countdown" or "redpacket". group,
 * channel, to may be NULL; label is cut to a short line. A "send" mark
 * also counts toward the group's send volume (the fallback when there are
 * more than QUN_TIMELINE_SENDS). */
void qun_timeline_mark(struct qun_timeline *tl, int64_t ms, int off, const char *kind,
                       const char *group, const char *channel, const char *to, const char *label);
/* One unit of volume: kind "send" (a member send) or "event" (a purchase),
 * in the lane of group (NULL: no known group), in the local hour of ms at
 * offset off. */
void qun_timeline_count(struct qun_timeline *tl, int64_t ms, int off, const char *kind,
                        const char *group);

/* The entries (report.h), in time order: windows come from the facts'
 * "windows" (may be NULL). meta, if not NULL, gets "entries", "lanes",
 * "bucket_ms", "truncated". New reference. */
json_t *qun_timeline_build(struct qun_timeline *tl, const json_t *windows, json_t *meta);

/* Copies a message's text into buf as one short line: whitespace runs
 * become one space, cut at a UTF-8 boundary with "…" past max bytes. */
void qun_timeline_label(char *buf, size_t n, const char *text, size_t max);

#endif
