/* test.c — `qun test [PATH...] [--seed S] [--verbose]`: runs the playbook
 * tests, every *_test.lua file under each PATH (default: the current
 * directory), one sandbox per file (sim/testfile.h). Prints a line per
 * case, then "N passed, N failed"; exit 0 if every case passed, 1 if any
 * failed (a file that does not load is a failed case), 2 on a usage error.
 * A test reads files of its project only: the git work tree qun test runs
 * in (sim/testfile.h, root). */
#include "cli/cli.h"
#include "sim/testfile.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SUFFIX "_test.lua"

struct files {
  char **v;
  size_t n, cap;
};

struct tally {
  int passed, failed, verbose;
};

static int add_file(struct files *f, const char *path) {
  for (size_t i = 0; i < f->n; i++)
    if (strcmp(f->v[i], path) == 0)
      return 0; /* named twice: run once */
  if (f->n == f->cap) {
    size_t cap = f->cap ? 2 * f->cap : 16;
    char **v = realloc(f->v, cap * sizeof *v);
    if (!v)
      return -1;
    f->v = v, f->cap = cap;
  }
  return (f->v[f->n] = strdup(path)) ? (int)++f->n * 0 : -1;
}

static int is_test_name(const char *name) {
  size_t n = strlen(name), s = strlen(SUFFIX);
  return n > s && strcmp(name + n - s, SUFFIX) == 0;
}

static int by_path(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *_test.lua under dir, recursively; hidden entries (.git) and
 * symbolic links to directories are left out. */
static int walk(const char *dir, struct files *f, int depth) {
  DIR *d = opendir(dir);
  if (!d)
    return depth == 0 ? -1 : 0;
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    char path[PATH_MAX];
    if (strcmp(dir, ".") == 0)
      snprintf(path, sizeof path, "%s", e->d_name);
    else
      snprintf(path, sizeof path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
    struct stat st, lst;
    if (lstat(path, &lst) < 0 || stat(path, &st) < 0)
      continue;
    if (S_ISDIR(st.st_mode) && !S_ISLNK(lst.st_mode) && depth < 64)
      rc = walk(path, f, depth + 1);
    else if (S_ISREG(st.st_mode) && is_test_name(e->d_name))
      rc = add_file(f, path);
  }
  closedir(d);
  return rc;
}

/* The project a test may read files of: the git work tree the current
 * directory is in (the nearest directory up with a .git), else the
 * current directory. NULL if it cannot be resolved. */
static const char *project_root(char *root) {
  char dir[PATH_MAX], probe[PATH_MAX + 8];
  if (!realpath(".", root))
    return NULL;
  snprintf(dir, sizeof dir, "%s", root);
  for (;;) {
    struct stat st;
    snprintf(probe, sizeof probe, "%s/.git", strcmp(dir, "/") == 0 ? "" : dir);
    if (stat(probe, &st) == 0) {
      snprintf(root, PATH_MAX, "%s", dir);
      return root;
    }
    char *slash = strrchr(dir, '/');
    if (!slash || strcmp(dir, "/") == 0)
      return root; /* not in a work tree: the current directory */
    if (slash == dir)
      slash[1] = '\0';
    else
      *slash = '\0';
  }
}

static void indent(const char *text, const char *prefix) {
  while (text && *text) {
    size_t n = strcspn(text, "\n");
    printf("%s%.*s\n", prefix, (int)n, text);
    text += n + (text[n] == '\n');
  }
}

static void print_case(void *ud, const struct qun_testcase *c) {
  struct tally *t = ud;
  if (c->ok)
    t->passed++;
  else
    t->failed++;
  printf("%s %s%s%s", c->ok ? "ok  " : "FAIL", c->file, c->name ? ": " : "", c->name ? c->name : "");
  if (c->ok)
    printf(" (%.1f s)", c->seconds);
  putchar('\n');
  if (!c->ok)
    indent(c->message, "     ");
  if (!c->ok || t->verbose)
    indent(c->output, "     | ");
  const char *tb = t->verbose && c->trace ? strstr(c->trace, "stack traceback:") : NULL;
  if (tb)
    indent(tb, "     ");
  fflush(stdout);
}

static int test_exec(const struct qun_cmd *self, int argc, char **argv) {
  struct tally t = {0};
  long long seed = 1;
  const char *paths[256];
  int npaths = 0, rest = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (!rest && strcmp(argv[i], "--") == 0) {
      rest = 1;
      continue;
    }
    if (!rest && (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0)) {
      t.verbose = 1;
      continue;
    }
    int r = rest ? 0 : qun_cli_optarg(argc, argv, &i, "--seed", &v);
    if (r < 0)
      return qun_cli_usage(self, "--seed needs a value");
    if (r > 0) {
      char *end;
      errno = 0;
      seed = strtoll(v, &end, 10);
      if (errno || *end || end == v || seed < 0)
        return qun_cli_usage(self, "--seed is a whole number, not '%s'", v);
      continue;
    }
    if (!rest && argv[i][0] == '-' && argv[i][1])
      return qun_cli_usage(self, "unknown option '%s'", argv[i]);
    if (npaths == (int)(sizeof paths / sizeof paths[0]))
      return qun_cli_usage(self, "more than %d paths", npaths);
    paths[npaths++] = argv[i];
  }
  if (npaths == 0)
    paths[npaths++] = ".";

  struct files files = {0};
  int rc = QUN_EXIT_OK;
  for (int i = 0; i < npaths && rc == QUN_EXIT_OK; i++) {
    struct stat st;
    size_t before = files.n;
    if (stat(paths[i], &st) < 0)
      rc = qun_cli_fail("qun test: %s: %s", paths[i], strerror(errno));
    else if (S_ISDIR(st.st_mode) ? walk(paths[i], &files, 0) < 0 : add_file(&files, paths[i]) < 0)
      rc = qun_cli_fail("qun test: %s: cannot read it (%s)", paths[i], strerror(errno));
    else if (files.n > before)
      qsort(files.v + before, files.n - before, sizeof files.v[0], by_path);
  }
  if (rc == QUN_EXIT_OK) {
    char root[PATH_MAX];
    const char *project = project_root(root);
    if (files.n == 0) {
      printf("no *%s files under", SUFFIX);
      for (int i = 0; i < npaths; i++)
        printf(" %s", paths[i]);
      putchar('\n');
    }
    for (size_t i = 0; i < files.n; i++) {
      struct qun_testfile_opts o = {.path = files.v[i], .root = project,
                                    .seed = (uint64_t)seed, .report = print_case, .ud = &t};
      qun_testfile_run(&o);
    }
    printf("%d passed, %d failed\n", t.passed, t.failed);
    rc = t.failed ? QUN_EXIT_FAIL : QUN_EXIT_OK;
  }
  for (size_t i = 0; i < files.n; i++)
    free(files.v[i]);
  free(files.v);
  return rc;
}

const struct qun_cmd qun_cmd_test = {
    .name = "test",
    .args = "[PATH...] [--seed S] [--verbose]",
    .summary = "run the playbook tests (*_test.lua): rehearse playbooks and check what they send",
    .help = "Runs every *_test.lua file under each PATH (a directory is searched recursively;\n"
            "default: the current directory). Each file runs in the sandbox with test(), sim.run()\n"
            "and expect() (docs/testing.md). Prints one line per case, then \"N passed, N failed\";\n"
            "the exit status is 1 if any case failed.\n"
            "options:\n"
            "  --seed S     the seed of every sim.run that does not give one (default 1)\n"
            "  --verbose    also show what passing cases printed, notes on each dry-run, tracebacks\n",
    .exec = test_exec,
};
