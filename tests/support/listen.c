/* listen.c — a test's `qun run --listen` (see listen.h). */
#include "listen.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static size_t collect(char *p, size_t size, size_t n, void *ud) {
  struct http_answer *b = ud;
  size_t k = size * n;
  if (b->len + k < sizeof b->data) {
    memcpy(b->data + b->len, p, k);
    b->len += k;
    b->data[b->len] = '\0';
  }
  return k;
}

void http_prepare(CURL *c, const char *url, const char *path, const char *token, const char *body,
                  long timeout_ms, struct http_answer *out, struct curl_slist **hdrs) {
  char u[256], auth[128];
  snprintf(u, sizeof u, "%s%s", url, path);
  curl_easy_setopt(c, CURLOPT_URL, u);
  *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
  if (token) {
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    *hdrs = curl_slist_append(*hdrs, auth);
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
  if (body)
    curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  out->len = 0;
  out->data[0] = '\0';
}

long http_call(const char *url, const char *path, const char *token, const char *body, long timeout_ms,
               struct http_answer *out) {
  CURL *c = curl_easy_init();
  struct curl_slist *h = NULL;
  long code = -1;
  if (c) {
    http_prepare(c, url, path, token, body, timeout_ms, out, &h);
    if (curl_easy_perform(c) == CURLE_OK)
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  }
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
  return code;
}

void http_call_many(const char *url, const char *path, const char *token, const char *const *bodies, int n,
                    long timeout_ms, struct http_answer *out, long *codes) {
  CURLM *m = curl_multi_init();
  CURL **easy = calloc((size_t)n, sizeof *easy);
  struct curl_slist **hdrs = calloc((size_t)n, sizeof *hdrs);
  for (int i = 0; i < n; i++) {
    easy[i] = curl_easy_init();
    http_prepare(easy[i], url, path, token, bodies[i], timeout_ms, &out[i], &hdrs[i]);
    curl_multi_add_handle(m, easy[i]);
  }
  int running = 1;
  while (running) {
    curl_multi_perform(m, &running);
    if (running)
      curl_multi_poll(m, NULL, 0, 1000, NULL);
  }
  for (int i = 0; i < n; i++) {
    codes[i] = 0;
    curl_easy_getinfo(easy[i], CURLINFO_RESPONSE_CODE, &codes[i]);
    curl_multi_remove_handle(m, easy[i]);
    curl_easy_cleanup(easy[i]);
    curl_slist_free_all(hdrs[i]);
  }
  free(easy);
  free(hdrs);
  curl_multi_cleanup(m);
}

int listen_start(const char *const *args, int tries, pid_t *pid, char *url, size_t urlsize) {
  const char *argv[32];
  int argc = 0;
  argv[argc++] = "qun";
  for (int i = 0; args[i] && argc < 28; i++)
    argv[argc++] = args[i];
  for (int attempt = 0; attempt < tries; attempt++) {
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", 20000 + rand() % 12000);
    snprintf(url, urlsize, "http://%s", addr);
    argv[argc] = "--listen", argv[argc + 1] = addr, argv[argc + 2] = NULL;
    *pid = fork();
    if (*pid < 0)
      return -1;
    if (*pid == 0) {
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 2);
      execv(getenv("QUN_BIN"), (char *const *)argv);
      _exit(127);
    }
    int exited = 0;
    for (int i = 0; i < 100 && !exited; i++) { /* until it listens */
      struct http_answer b;
      if (http_call(url, "/healthz", NULL, NULL, 20000, &b) >= 0)
        return 0;
      exited = waitpid(*pid, NULL, WNOHANG) == *pid;
      usleep(50000);
    }
    if (!exited)
      listen_stop(*pid);
  }
  *pid = 0;
  return -1;
}

int listen_stop(pid_t pid) {
  int st = 0;
  kill(pid, SIGTERM);
  waitpid(pid, &st, 0);
  return st;
}
