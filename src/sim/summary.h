/* summary.h — what a dry-run adds up to (summary.json): sends per channel
 * and day, deferred/dropped by reason, lateness (max, p99), events by
 * type, tier counts, conversions, red-packet spend and share statistics,
 * handler errors, warnings — computed from the transcript lines (the
 * contract in DESIGN.md) plus the facts only the simulator knows (the
 * audience, each member's daily load). Several runs (--runs N) aggregate
 * into p5/p50/p95. Plain C over jansson: no Lua, no SQLite.
 *
 * The facts object (built by sim.c):
 *   {"playbook": {"name", "version", "sha256", "path"},
 *    "sim": {"start", "end" (RFC 3339), "days", "seed", "timezone"},
 *    "audience": {"members", "groups", "personas": {"vip": n, ...}, "left": n},
 *    "load": {"member_days": n, "histogram": {"0": n, "1": n, ...}},   messages a
 *            member received per local day (group messages count for every member)
 *    "funnel": {"reached": n, "read": n},   members a message reached / who read one
 *    "windows": [{"label", "from", "to"}],  sale windows to draw (RFC 3339), may be absent
 *    "warnings": ["file:line: warning: ...", ...]}
 * Conversions: members with at least one "purchase" event (buyers), their
 * share of the audience, purchases in all; the funnel continues from the
 * facts with distinct members who clicked (link.click), paid (pay.click),
 * bought (purchase). Spend: fen claimed from red packets. */
#ifndef QUN_SUMMARY_H
#define QUN_SUMMARY_H

#include <jansson.h>
#include <stddef.h>

struct qun_summary;

struct qun_summary *qun_summary_new(void);
/* Adds one transcript line (its JSON text). Lines that do not parse are
 * counted under "bad_lines", never fatal. */
void qun_summary_line(struct qun_summary *s, const char *line, size_t len);
/* The summary object (new reference); facts may be NULL. If timeline is
 * not NULL it gets the report's timeline (report.h): group sends, countdown
 * marks, red packets, windows, and member sends counted per group and hour
 * — bounded in size whatever the run's length. Frees s. */
json_t *qun_summary_finish(struct qun_summary *s, const json_t *facts, json_t **timeline);

/* Several runs of one variant (seeds S..S+N-1): their summaries plus
 * "runs": {"n", "seeds", "conversions": {"p5","p50","p95"}, "spend_fen": {...},
 * "sends": {...}}. New reference. */
json_t *qun_summary_aggregate(json_t *const *runs, size_t n);

#endif
