/* claim.h — POST /redpacket/claim on the daemon's listener: the merchant's
 * claim page asks for a member's share and waits for it. Body
 * {"packet": ID, "member": ID} (same bearer token as /events); the answer
 * comes after the claim is committed and its payout queued:
 *   200 {"packet", "member", "fen", "amount": "5.23", "seq"}
 *   404 no such packet, 409 {"error": "no shares left"} or
 *   {"error": "already claimed", "fen": N}, 410 expired,
 *   400/422 bad input, 503 the store failed (retry: a claim is made once).
 * This file reads the body and writes the answer; the claim itself is the
 * run's (a callback, so that ingest does not depend on the host).
 * Uses: jansson, core/err, core/timespec, ingest/event_in (what an id is). */
#ifndef QUN_CLAIM_H
#define QUN_CLAIM_H

#include <stddef.h>
#include <stdint.h>

struct qun_claim_share {
  int64_t fen, seq;
};

/* Claims member's share of packet: 0, or a refusal QUN_ENOENT (no such
 * packet), QUN_EEXIST (already claimed; share->fen set), QUN_ESTATE
 * (expired), QUN_ELIMIT (no shares left), or another code with err. */
typedef int (*qun_claim_fn)(void *ud, const char *packet, const char *member,
                            struct qun_claim_share *share, char *err, size_t errlen);

/* Answers one request body: returns the HTTP status and sets *answer to a
 * malloc'd JSON text (NULL if out of memory). */
int qun_claim_http(qun_claim_fn fn, void *ud, const char *body, size_t len, char **answer);

#endif
