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
 * bought (purchase). Spend: fen claimed from red packets.
 *
 * summary.json, top-level keys in this order (maps inside have their keys
 * in byte order, the load histogram in numeric order; counts, fen and ms
 * are integers; a number that cannot be known is null):
 *   "format": 1
 *   "playbook", "sim", "audience": the facts' objects, or null
 *   "lines":      {"total", "first", "last" (t of the earliest/latest line),
 *                  "by_ev": {ev: n}}  (lines of any kind, unknown ones too)
 *   "sends":      {"total", "by_channel", "by_day" (local day as written in
 *                  "t"), "by_channel_day": {channel: {day: n}},
 *                  "by_kind": {"text"|"markdown"|"image"|"link"|"news"|
 *                  "redpacket"|"payout"|"other": n}, "mentions"}
 *   "targets":    {"group", "member", "other" (payout:…), "groups",
 *                  "members" (distinct targets)}
 *   "deferred":   {"total", "by_reason"}
 *   "dropped":    {"total", "by_reason", "failed": first 5 {"t","to","job","error"}}
 *   "lateness":   {"sends" (with late_ms), "late" (> 0), "max_ms", "p50_ms",
 *                  "p95_ms", "p99_ms"}: exact, nearest rank (the smallest
 *                  value with at least ⌈p·N/100⌉ sends at or below it)
 *   "events":     {"total", "by_type"}
 *   "tags":       {"added": {tag: n}, "removed": {tag: n}}
 *   "tiers":      {"changes", "members" (with a tier at the end),
 *                  "counts": {tier: n}}  (the last "to" of each member)
 *   "conversions":{"audience" (facts), "buyers", "purchases", "rate_bp"
 *                  (buyers per 10 000 of the audience, rounded half up)}
 *   "funnel":     {"reached", "read" (facts), "clicked", "paid", "bought"}
 *   "redpackets": {"packets", "total_fen", "claimed_fen" (the spend),
 *                  "refunded_fen", "claims", "share": {"min_fen", "max_fen",
 *                  "mean_fen" (rounded half up)}, "ledger_ok", "problems":
 *                  first 5 texts}; ledger_ok is false when a packet's
 *                  claims + refunds pass its total, a claim or refund names
 *                  a packet not (yet) created, a packet is created twice, a
 *                  share is under 1 fen, or a member claims one packet twice
 *   "countdown":  {"marks" (distinct countdown occurrences: job, due),
 *                  "sends"}   (a job whose name starts with "countdown")
 *   "logs":       {"total"}
 *   "errors":     {"total", "by_job", "first": first 5 {"t","job","message"}}
 *   "skipped":    {"total", "by_job"}
 *   "load":       {"member_days", "histogram", "p50", "p95", "p99", "max"}
 *                  from the facts (nearest rank over member-days), or null
 *   "warnings":   the facts' warnings, or []
 *   "timeline":   {"entries", "lanes", "bucket_ms", "truncated"} (timeline.h)
 *   "bad_lines":  lines that are not JSON objects, lack a readable "t" or
 *                  "ev", or miss a field their kind needs; counted nowhere else
 * qun_summary_aggregate adds "runs" (see there). */
#ifndef QUN_SUMMARY_H
#define QUN_SUMMARY_H

#include <jansson.h>
#include <stddef.h>

struct qun_summary;

struct qun_summary *qun_summary_new(void);
/* Frees a summary that will not be finished. */
void qun_summary_free(struct qun_summary *s);
/* Adds one transcript line (its JSON text). Lines that do not parse are
 * counted under "bad_lines", never fatal. */
void qun_summary_line(struct qun_summary *s, const char *line, size_t len);
/* The summary object (new reference); facts may be NULL. If timeline is
 * not NULL it gets the report's timeline (report.h): group sends, countdown
 * marks, red packets, windows, and member sends counted per group and hour
 * — bounded in size whatever the run's length. Frees s. */
/* The same for a line still in its object form (what qun_transcript_line
 * dumps: "t", "ev", then the fields), for a caller that has it: parsing
 * the text is most of the cost of a line (≈ 3 µs of 4). l may be NULL
 * (a bad line). */
void qun_summary_object(struct qun_summary *s, const json_t *l);
json_t *qun_summary_finish(struct qun_summary *s, const json_t *facts, json_t **timeline);

/* Several runs of one variant (seeds S..S+N-1): their summaries plus
 * "runs": {"n", "seeds", "conversions": {"p5","p50","p95"}, "spend_fen": {...},
 * "sends": {...}}. New reference.
 * The result is the first run's summary (the one the timeline comes from)
 * with "runs" appended: conversions are buyers, spend_fen is claimed_fen,
 * sends is sends.total; each band is nearest rank over the runs (p5 of 10
 * runs is the smallest, p95 the largest; null if no run has the number);
 * "per_run": [{"seed", "buyers", "spend_fen", "sends"}] follows. NULL if
 * n is 0. */
json_t *qun_summary_aggregate(json_t *const *runs, size_t n);

#endif
