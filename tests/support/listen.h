/* listen.h — a test's `qun run --listen`: starting it on a free port,
 * talking to it over HTTP (libcurl, blocking), stopping it. For the tests
 * of POST /events and POST /redpacket/claim. */
#ifndef QUN_TEST_LISTEN_H
#define QUN_TEST_LISTEN_H

#include <curl/curl.h>
#include <stddef.h>
#include <sys/types.h>

/* An answer's body, NUL-terminated; what does not fit is dropped. */
struct http_answer {
  char data[4096];
  size_t len;
};

/* Sets c (new, or curl_easy_reset) up for url + path: a POST of the JSON
 * body, or a GET when body is NULL, with "Authorization: Bearer token"
 * unless token is NULL. out is emptied and collects the answer. *hdrs is
 * the caller's to free (curl_slist_free_all) after the transfer. */
void http_prepare(CURL *c, const char *url, const char *path, const char *token, const char *body,
                  long timeout_ms, struct http_answer *out, struct curl_slist **hdrs);

/* One such request on a handle of its own: the HTTP status, or -1 when
 * the transfer failed (refused, timed out). */
long http_call(const char *url, const char *path, const char *token, const char *body, long timeout_ms,
               struct http_answer *out);

/* n POSTs at once (curl multi), bodies[i] to url + path with the token:
 * codes[i] the HTTP status of each (0 when its transfer failed), out[i]
 * its answer. */
void http_call_many(const char *url, const char *path, const char *token, const char *const *bodies, int n,
                    long timeout_ms, struct http_answer *out, long *codes);

/* Starts $QUN_BIN with args (from "run", NULL-ended) and "--listen
 * 127.0.0.1:PORT", its stderr to /dev/null, on a random port below the
 * kernel's ephemeral range (32768-60999 by default, where client sockets
 * of other tests cannot hold it), and waits up to 5 s until GET /healthz
 * answers. When the daemon exits first (it could not listen there) it
 * tries another port, `tries` times in all. 0 with *pid and url
 * ("http://127.0.0.1:PORT") set, or -1 with nothing left running. */
int listen_start(const char *const *args, int tries, pid_t *pid, char *url, size_t urlsize);

/* Sends SIGTERM and waits: the status as waitpid gives it. */
int listen_stop(pid_t pid);

#endif
