/* store_redpacket.c — red packets, their claims and the append-only ledger
 * (see store.h). Every function runs inside the caller's transaction: a
 * claim is the packet's totals, the claims row and the ledger row, or
 * nothing. */
#include "store/store_int.h"
#include "core/err.h"

#include <stdio.h>
#include <string.h>

static void copy_text(char *dst, size_t n, sqlite3_stmt *s, int i) {
  const char *v = qun_store__col_text(s, i);
  snprintf(dst, n, "%s", v ? v : "");
}

/* Steps a statement that selects one packet (PACKET_COLS) into out. */
static int read_packet(struct qun_store *st, sqlite3_stmt *s, struct qun_store_packet *out) {
  int rc = sqlite3_step(s), ret = QUN_ENOENT;
  if (rc == SQLITE_ROW) {
    memset(out, 0, sizeof *out);
    copy_text(out->id, sizeof out->id, s, 0);
    out->run_id = sqlite3_column_int64(s, 1);
    out->total = sqlite3_column_int64(s, 2);
    out->count = sqlite3_column_int64(s, 3);
    copy_text(out->split, sizeof out->split, s, 4);
    copy_text(out->grp, sizeof out->grp, s, 5);
    copy_text(out->note, sizeof out->note, s, 6);
    out->created_at = sqlite3_column_int64(s, 7);
    out->expires_at = sqlite3_column_int64(s, 8);
    out->claimed_fen = sqlite3_column_int64(s, 9);
    out->claimed_count = sqlite3_column_int64(s, 10);
    out->refund = sqlite3_column_type(s, 11) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 11);
    ret = 0;
  } else if (rc != SQLITE_DONE) {
    ret = qun_store__fail(st, "read the red packet");
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return ret;
}

static int ledger(struct qun_store *st, const char *packet, const char *op, const char *member,
                  int64_t fen, int64_t at) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_LEDGER_ADD);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, packet);
  qun_store__bind_text(s, 2, op);
  qun_store__bind_text(s, 3, member);
  sqlite3_bind_int64(s, 4, fen);
  sqlite3_bind_int64(s, 5, at);
  return qun_store__exec(st, s, "append to the red-packet ledger");
}

int qun_store_packet_add(struct qun_store *st, const struct qun_store_packet *p, const char *key) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_PACKET_ADD);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, p->id);
  sqlite3_bind_int64(s, 2, p->run_id);
  qun_store__bind_text(s, 3, key);
  sqlite3_bind_int64(s, 4, p->total);
  sqlite3_bind_int64(s, 5, p->count);
  qun_store__bind_text(s, 6, p->split);
  qun_store__bind_text(s, 7, p->grp[0] ? p->grp : NULL);
  qun_store__bind_text(s, 8, p->note[0] ? p->note : NULL);
  sqlite3_bind_int64(s, 9, p->created_at);
  sqlite3_bind_int64(s, 10, p->expires_at);
  int rc = qun_store__exec(st, s, "create the red packet");
  return rc < 0 ? rc : ledger(st, p->id, "create", NULL, p->total, p->created_at);
}

int qun_store_packet_find(struct qun_store *st, int64_t run, const char *key, struct qun_store_packet *out) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_PACKET_FIND);
  if (!s)
    return QUN_EIO;
  sqlite3_bind_int64(s, 1, run);
  qun_store__bind_text(s, 2, key);
  return read_packet(st, s, out);
}

int qun_store_packet_get(struct qun_store *st, const char *id, struct qun_store_packet *out) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_PACKET_GET);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, id);
  return read_packet(st, s, out);
}

int qun_store_claim_get(struct qun_store *st, const char *packet, const char *member, int64_t *seq,
                        int64_t *fen, char *billno) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_CLAIM_GET);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, packet);
  qun_store__bind_text(s, 2, member);
  int rc = sqlite3_step(s), ret = QUN_ENOENT;
  if (rc == SQLITE_ROW) {
    *seq = sqlite3_column_int64(s, 0);
    *fen = sqlite3_column_int64(s, 1);
    copy_text(billno, 32, s, 2);
    ret = 0;
  } else if (rc != SQLITE_DONE) {
    ret = qun_store__fail(st, "read the claim");
  }
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return ret;
}

int qun_store_claim_add(struct qun_store *st, const char *packet, const char *member, int64_t seq,
                        int64_t fen, const char *billno, int64_t at) {
  /* The totals move only from the state the share was drawn from. */
  sqlite3_stmt *s = qun_store__stmt(st, Q_PACKET_TAKE);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, packet);
  sqlite3_bind_int64(s, 2, seq - 1);
  sqlite3_bind_int64(s, 3, fen);
  int rc = qun_store__exec(st, s, "take a share of the red packet");
  if (rc < 0)
    return rc == QUN_EEXIST ? QUN_ESTATE : rc; /* a CHECK: more than the packet holds */
  if (sqlite3_changes(st->db) != 1) {
    snprintf(st->errmsg, sizeof st->errmsg, "the red packet %s changed under the claim", packet);
    return QUN_ESTATE;
  }
  if (!(s = qun_store__stmt(st, Q_CLAIM_ADD)))
    return QUN_EIO;
  qun_store__bind_text(s, 1, packet);
  qun_store__bind_text(s, 2, member);
  sqlite3_bind_int64(s, 3, seq);
  sqlite3_bind_int64(s, 4, fen);
  qun_store__bind_text(s, 5, billno);
  sqlite3_bind_int64(s, 6, at);
  if ((rc = qun_store__exec(st, s, "record the claim")) < 0)
    return rc;
  return ledger(st, packet, "claim", member, fen, at);
}

int64_t qun_store_packet_refund(struct qun_store *st, const char *packet, int64_t at) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_PACKET_REFUND);
  if (!s)
    return QUN_EIO;
  qun_store__bind_text(s, 1, packet);
  int rc = sqlite3_step(s);
  int64_t refund = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
  /* RETURNING: the row is written when the statement is reset. */
  int reset = sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  if ((rc != SQLITE_ROW && rc != SQLITE_DONE) || reset != SQLITE_OK)
    return qun_store__fail(st, "refund the red packet");
  if (refund < 0) {
    snprintf(st->errmsg, sizeof st->errmsg, "the red packet %s was refunded already", packet);
    return QUN_ESTATE;
  }
  int lrc = ledger(st, packet, "refund", NULL, refund, at);
  return lrc < 0 ? lrc : refund;
}

int64_t qun_store_rp_unbalanced(struct qun_store *st) {
  sqlite3_stmt *s = qun_store__stmt(st, Q_RP_UNBALANCED);
  return s ? qun_store__scalar(st, s, "check the red-packet ledger") : QUN_EIO;
}
