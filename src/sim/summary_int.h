/* summary_int.h — what the summary keeps while it reads (summary.c) and
 * turns into summary.json (summary_finish.c). Counters and small maps:
 * nothing grows with the number of lines except per-member sets (buyers,
 * clickers, tiers, lanes), per-packet records and the lateness histogram
 * (one slot per distinct value). */
#ifndef QUN_SUMMARY_INT_H
#define QUN_SUMMARY_INT_H

#include "sim/rfc3339.h"
#include "sim/smap.h"
#include "sim/summary.h"
#include "sim/timeline.h"

#include <stdint.h>

#define QUN_SUMMARY_FIRST 5 /* errors, failures, ledger problems listed */

struct qun_late { /* late_ms value → number of sends */
  int64_t *v, *n;
  size_t cap, used;
  int64_t total, late, max;
};

struct qun_packet {
  int64_t total, claimed, refunded, ms;
  int off;
  unsigned created : 1, shown : 1, overdrawn : 1;
};

struct qun_summary {
  int64_t lines, bad;
  int span;
  int64_t first_ms, last_ms;
  char first_t[48], last_t[48];
  struct qun_smap by_ev;
  /* sends */
  int64_t sends, mentions, to_group, to_member, to_other;
  struct qun_smap send_channel, send_day, send_channel_day, send_kind, groups_sent, members_sent;
  struct qun_late late;
  /* deferred, dropped */
  int64_t deferred, dropped;
  struct qun_smap deferred_reason, dropped_reason;
  json_t *failed;
  /* events, conversions */
  int64_t events, purchases;
  struct qun_smap event_type, clicked, paid, bought;
  struct qun_smap groups_seen, member_group; /* member → groups_seen entry */
  /* tags, tiers */
  struct qun_smap tag_added, tag_removed;
  int64_t tier_changes;
  struct qun_smap tier_of, tier_names; /* member → tier_names entry + 1, 0 = none */
  /* red packets */
  struct qun_smap packets, packets_shown_early, claimed_by;
  struct qun_packet *pk;
  size_t pkcap;
  int64_t rp_packets, rp_total, rp_claimed, rp_refunded, rp_claims, share_min, share_max;
  int ledger_bad;
  json_t *problems;
  /* countdowns, logs, errors, skipped */
  int64_t countdown_marks, countdown_sends, logs, errors, skipped;
  struct qun_smap occurrences, occurrence_lanes, error_job, skipped_job;
  json_t *first_errors;
  struct qun_timeline *tl;
};

/* Every map, for init and free. */
#define QUN_SUMMARY_MAPS(s)                                                                       \
  &(s)->by_ev, &(s)->send_channel, &(s)->send_day, &(s)->send_channel_day, &(s)->send_kind,      \
      &(s)->groups_sent, &(s)->members_sent, &(s)->deferred_reason, &(s)->dropped_reason,         \
      &(s)->event_type, &(s)->clicked, &(s)->paid, &(s)->bought, &(s)->groups_seen,               \
      &(s)->member_group, &(s)->tag_added, &(s)->tag_removed, &(s)->tier_of, &(s)->tier_names,    \
      &(s)->packets, &(s)->packets_shown_early, &(s)->claimed_by, &(s)->occurrences,              \
      &(s)->occurrence_lanes, &(s)->error_job, &(s)->skipped_job

#endif
