/* sink.c — the tests' HTTP sink (see sink.h). */
#include "sink.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct answer {
  int status, delay_ms;
  char *header, *body;
};

struct sink {
  struct MHD_Daemon *d;
  char base[64];
  pthread_mutex_t mu;
  struct sink_req *reqs;
  int n, cap;
  struct answer *script;
  int nscript, capscript, next;
  struct answer dflt;
};

struct conn {
  struct sink_req r;
  size_t cap;
};

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *k, const char *v) {
  (void)kind;
  struct sink_req *r = cls;
  size_t n = strlen(r->headers);
  snprintf(r->headers + n, sizeof r->headers - n, "%s: %s\n", k, v ? v : "");
  return MHD_YES;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *k, const char *v) {
  (void)kind;
  /* MHD hands the query decoded; the tests compare the raw URL, which
   * the log callback below keeps. */
  (void)cls, (void)k, (void)v;
  return MHD_YES;
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *c) {
  (void)cls, (void)c;
  struct conn *k = calloc(1, sizeof *k);
  if (k)
    snprintf(k->r.url, sizeof k->r.url, "%s", uri);
  return k;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload, size_t *upload_size, void **con_cls) {
  (void)url, (void)version;
  struct sink *s = cls;
  struct conn *k = *con_cls;
  if (!k)
    return MHD_NO;
  if (!k->r.method[0]) {
    snprintf(k->r.method, sizeof k->r.method, "%s", method);
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, &k->r);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &k->r);
    k->r.at_ms = wall_ms();
    return MHD_YES;
  }
  if (*upload_size) {
    if (k->r.len + *upload_size + 1 > k->cap) {
      size_t cap = (k->r.len + *upload_size + 1) * 2;
      char *b = realloc(k->r.body, cap);
      if (!b)
        return MHD_NO;
      k->r.body = b, k->cap = cap;
    }
    memcpy(k->r.body + k->r.len, upload, *upload_size);
    k->r.len += *upload_size;
    k->r.body[k->r.len] = '\0';
    *upload_size = 0;
    return MHD_YES;
  }
  if (!k->r.body)
    k->r.body = calloc(1, 1);
  struct answer a;
  pthread_mutex_lock(&s->mu);
  a = s->next < s->nscript ? s->script[s->next++] : s->dflt;
  char *header = a.header ? strdup(a.header) : NULL, *body = strdup(a.body ? a.body : "");
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 64;
    s->reqs = realloc(s->reqs, (size_t)s->cap * sizeof *s->reqs);
  }
  s->reqs[s->n++] = k->r; /* the sink owns the body now */
  k->r.body = NULL;
  pthread_mutex_unlock(&s->mu);
  if (a.delay_ms > 0)
    usleep((useconds_t)a.delay_ms * 1000);
  struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
  if (header) {
    char *colon = strchr(header, ':');
    if (colon) {
      *colon = '\0';
      MHD_add_response_header(resp, header, colon + 1 + (colon[1] == ' '));
    }
    free(header);
  }
  enum MHD_Result rc = MHD_queue_response(c, (unsigned)a.status, resp);
  MHD_destroy_response(resp);
  return rc;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t) {
  (void)cls, (void)c, (void)t;
  struct conn *k = *con_cls;
  if (k) {
    free(k->r.body);
    free(k);
  }
  *con_cls = NULL;
}

struct sink *sink_start(void) {
  struct sink *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  pthread_mutex_init(&s->mu, NULL);
  s->dflt = (struct answer){200, 0, NULL, strdup("{}")};
  s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                          handler, s, MHD_OPTION_URI_LOG_CALLBACK, uri_log, s,
                          MHD_OPTION_NOTIFY_COMPLETED, completed, s,
                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
  if (!s->d) {
    free(s->dflt.body);
    free(s);
    return NULL;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
  snprintf(s->base, sizeof s->base, "http://127.0.0.1:%u", info ? info->port : 0);
  return s;
}

static void free_answer(struct answer *a) {
  free(a->header);
  free(a->body);
}

void sink_stop(struct sink *s) {
  if (!s)
    return;
  MHD_stop_daemon(s->d);
  for (int i = 0; i < s->n; i++)
    free(s->reqs[i].body);
  free(s->reqs);
  for (int i = 0; i < s->nscript; i++)
    free_answer(&s->script[i]);
  free(s->script);
  free_answer(&s->dflt);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

const char *sink_base(const struct sink *s) {
  return s->base;
}

void sink_push(struct sink *s, int status, const char *header, const char *body, int delay_ms) {
  pthread_mutex_lock(&s->mu);
  if (s->nscript == s->capscript) {
    s->capscript = s->capscript ? 2 * s->capscript : 16;
    s->script = realloc(s->script, (size_t)s->capscript * sizeof *s->script);
  }
  s->script[s->nscript++] = (struct answer){status, delay_ms, header ? strdup(header) : NULL,
                                            strdup(body ? body : "")};
  pthread_mutex_unlock(&s->mu);
}

void sink_default(struct sink *s, int status, const char *body) {
  pthread_mutex_lock(&s->mu);
  free(s->dflt.body);
  s->dflt.status = status;
  s->dflt.body = strdup(body ? body : "");
  pthread_mutex_unlock(&s->mu);
}

int sink_count(struct sink *s) {
  pthread_mutex_lock(&s->mu);
  int n = s->n;
  pthread_mutex_unlock(&s->mu);
  return n;
}

int sink_get(struct sink *s, int i, struct sink_req *out) {
  pthread_mutex_lock(&s->mu);
  int ok = i >= 0 && i < s->n;
  if (ok) {
    *out = s->reqs[i];
    out->body = malloc(out->len + 1);
    memcpy(out->body, s->reqs[i].body ? s->reqs[i].body : "", out->len + 1);
  }
  pthread_mutex_unlock(&s->mu);
  return ok;
}

void sink_req_free(struct sink_req *r) {
  free(r->body);
  r->body = NULL;
}

const char *sink_header(const struct sink_req *r, const char *name, char *buf, size_t n) {
  size_t k = strlen(name);
  for (const char *p = r->headers; *p;) {
    const char *eol = strchr(p, '\n');
    if (!eol)
      break;
    if ((size_t)(eol - p) > k + 1 && strncasecmp(p, name, k) == 0 && p[k] == ':') {
      const char *v = p + k + 1 + (p[k + 1] == ' ');
      snprintf(buf, n, "%.*s", (int)(eol - v), v);
      return buf;
    }
    p = eol + 1;
  }
  return NULL;
}

int sink_wait(struct sink *s, int n, int ms) {
  int64_t until = wall_ms() + ms;
  int got;
  while ((got = sink_count(s)) < n && wall_ms() < until)
    usleep(5000);
  return got;
}
