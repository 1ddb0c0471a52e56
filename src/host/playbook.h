/* playbook.h — the playbook header: the `playbook { ... }` call every file
 * starts with, its typed params (the `params` global), and evaluating a
 * playbook file in a fresh sandbox.
 * Uses: host/sandbox (the state), host/params (typed values). */
#ifndef QUN_PLAYBOOK_H
#define QUN_PLAYBOOK_H

#include "host/params.h"
#include "host/sandbox.h"

struct qun_playbook {
  char *path;
  char *name, *version, *title, *summary;
  int line;                    /* line of the playbook{} call; 0 = not declared */
  struct qun_param *params;    /* sorted by name */
  size_t nparams;
};

enum qun_playbook_mode {
  QUN_PB_HEADER, /* stop the chunk after playbook{}; values may be missing */
  QUN_PB_FULL,   /* run the whole chunk; every required param needs a value */
};

struct qun_playbook_opts {
  enum qun_playbook_mode mode;
  const char *const *sets;     /* "name=value" overrides, later ones win */
  int nsets;
  int64_t now_ms;              /* run start; relative times count from it */
  struct qun_sandbox_opts sandbox; /* path is set from the playbook path */
  /* Called after the header function is installed and before the chunk
   * runs (the engine installs its primitives here). May be NULL. */
  int (*install)(struct qun_sandbox *sb, void *ud);
  void *install_ud;
};

/* Creates a sandbox for `path`, installs `playbook` and the prelude
 * (MINUTE, HOUR, DAY), loads the file and runs its chunk. On success
 * returns 0 with *sbp the live sandbox (caller frees) and pb filled in. On
 * failure returns -1 with one line "file:line: reason" in err; pb holds
 * what was read so far (free it with qun_playbook_clear either way). */
int qun_playbook_eval(const char *path, const struct qun_playbook_opts *o,
                      struct qun_playbook *pb, struct qun_sandbox **sbp,
                      char *err, size_t errlen);

void qun_playbook_clear(struct qun_playbook *pb);

/* The param named `name`, or NULL. */
const struct qun_param *qun_playbook_param(const struct qun_playbook *pb, const char *name);

#endif
