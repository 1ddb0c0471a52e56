/* scratch.c — a test's scratch directory (see scratch.h). */
#define _XOPEN_SOURCE 700
#include "scratch.h"

#include <ftw.h>
#include <stdio.h>

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path) == 0 ? 0 : -1;
}

int scratch_remove(const char *dir) {
  return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}
