/* model.h — the dry-run's behaviour model as C data: personas with their
 * probabilities, delays, active hours, fatigue, the keywords that tell a
 * check-in or a sale, baskets, ads and questions. The built-in model is
 * the Lua file lua/stdlib/qun/model.lua (embedded); `--model FILE.lua`
 * returns a table of the same shape, any field left out keeping the
 * built-in value. Loaded once, in a sandbox, before the dry-run starts.
 * Uses: host/sandbox, core/timespec. */
#ifndef QUN_MODEL_H
#define QUN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define QUN_MODEL_PERSONAS 16

enum qun_act {
  QUN_ACT_READ, QUN_ACT_CLICK, QUN_ACT_PAY_CLICK, QUN_ACT_BUY, QUN_ACT_CLAIM, QUN_ACT_CHECKIN,
  QUN_ACT_LESSON, QUN_ACT_HOMEWORK, QUN_ACT_ASK, QUN_ACT_INVITE, QUN_ACTS
};
extern const char *const qun_act_names[QUN_ACTS]; /* "read", "click", ... */

enum qun_kw { QUN_KW_CHECKIN, QUN_KW_LESSON, QUN_KW_HOMEWORK, QUN_KW_SALE, QUN_KW_INVITE, QUN_KWS };

struct qun_persona {
  char name[32];
  double share;
  double p[QUN_ACTS];
  double ads_per_day, asks_per_day;
};

struct qun_delay {
  int64_t median_ms, max_ms;
};

struct qun_words {
  char **w;
  size_t n;
};

struct qun_model {
  struct qun_persona personas[QUN_MODEL_PERSONAS];
  int npersonas;
  int active_from, active_to; /* minutes of the local day */
  struct qun_delay read_delay, claim_delay, act_delay;
  int comfortable, leave_over;
  double decay, leave;
  struct qun_words keywords[QUN_KWS];
  int64_t basket_min, basket_max; /* fen */
  struct qun_words ads, questions;
};

/* Loads the built-in model, then path's fields over it (path NULL: the
 * built-in alone). 0, or -1 with one line in err naming the file and the
 * field ("m.lua: personas[2].read must be a probability from 0 to 1"). */
int qun_model_load(const char *path, struct qun_model *m, char *err, size_t errlen);
void qun_model_free(struct qun_model *m);

#endif
