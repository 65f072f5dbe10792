/* The C API's tests: EICAR in a nested zip, clean files, buffers copied
 * and handed over, streams fed in small chunks and in shuffled pieces, 8
 * threads sharing one engine while another swaps it, compressed and
 * encrypted RAR entries decoded by unrar, the signal handlers the build
 * installs (or not), and every error path. Run by tests/c/run.sh under
 * ASan+UBSan and under valgrind. argv[1] is the folder fixtures.py wrote. */

#define _XOPEN_SOURCE 700 /* POSIX 2008 and sigaltstack */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xferscan.h"

static int failures = 0;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,    \
              #cond);                                                      \
      failures++;                                                          \
    }                                                                      \
  } while (0)

#define CHECK_RC(call, want)                                               \
  do {                                                                     \
    xferscan_result rc_ = (call);                                          \
    if (rc_ != (want)) {                                                   \
      fprintf(stderr, "%s:%d: %s gave %u (%s), wanted %u\n", __FILE__,     \
              __LINE__, #call, (unsigned)rc_, xferscan_result_message(rc_), \
              (unsigned)(want));                                           \
      failures++;                                                          \
    }                                                                      \
  } while (0)

#define OK(call) CHECK_RC(call, XFERSCAN_RESULT_OK)

static const char *dir;

static char *path_of(const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static unsigned char *read_file(const char *name, size_t *len) {
  char *p = path_of(name);
  FILE *f = fopen(p, "rb");
  free(p);
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc((size_t)n + 1);
  *len = fread(buf, 1, (size_t)n, f);
  fclose(f);
  return buf;
}

/* The EICAR test string, assembled at run time from two halves. */
static char eicar[80];
static void make_eicar(void) {
  strcpy(eicar, "X5O!P%@AP[4\\PZX54(P^)7CC)7}$");
  strcat(eicar, "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
}

static int has_rule(const xferscan_report *r, const char *rule) {
  for (size_t i = 0; i < xferscan_report_finding_count(r); i++) {
    const char *got = xferscan_report_finding_rule(r, i);
    if (got && strcmp(got, rule) == 0) return 1;
  }
  return 0;
}

static xferscan_engine *default_engine(void) {
  xferscan_engine_builder *b = NULL;
  xferscan_engine *e = NULL;
  OK(xferscan_engine_builder_new(&b));
  OK(xferscan_engine_builder_build(b, &e));
  CHECK(xferscan_engine_builder_error(b) == NULL);
  xferscan_engine_builder_free(b);
  return e;
}

static void test_misc(void) {
  CHECK(strlen(xferscan_version()) > 0);
  CHECK(strcmp(xferscan_result_message(XFERSCAN_RESULT_OK), "ok") == 0);
  CHECK(strcmp(xferscan_result_message(12345), "unknown result code") == 0);
  for (unsigned i = 0; i <= 10; i++)
    CHECK(strcmp(xferscan_result_message(i), "unknown result code") != 0);
  xferscan_thread_release();
}

static void test_buffers(const xferscan_engine *e) {
  xferscan_report *r = NULL;
  const char *hello = "hello, world\n";
  OK(xferscan_engine_scan_bytes(e, "notes.txt", (const uint8_t *)hello,
                                strlen(hello), NULL, &r));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_CLEAN);
  CHECK(xferscan_report_complete(r));
  CHECK(xferscan_report_stopped(r) == XFERSCAN_STOP_REASON_NONE);
  CHECK(xferscan_report_object_count(r) == 1);
  CHECK(strcmp(xferscan_report_object_path(r, 0), "notes.txt") == 0);
  CHECK(xferscan_report_object_size(r, 0) == strlen(hello));
  CHECK(xferscan_report_object_parent(r, 0) == SIZE_MAX);
  CHECK(xferscan_report_object_origin(r, 0) == XFERSCAN_ORIGIN_INPUT);
  CHECK(xferscan_report_object_type_count(r, 0) >= 1);
  CHECK(xferscan_report_object_type(r, 0, 0) != NULL);
  CHECK(xferscan_report_object_type(r, 0, 99) == NULL);
  CHECK(xferscan_report_object_path(r, 1) == NULL);
  CHECK(!xferscan_report_object_windowed(r, 0));
  const char *json = NULL;
  size_t json_len = 0;
  OK(xferscan_report_json(r, &json, &json_len));
  CHECK(json_len == strlen(json));
  CHECK(strstr(json, "\"verdict\":\"clean\"") != NULL);
  xferscan_report_free(r);

  /* EICAR in memory. */
  r = NULL;
  OK(xferscan_engine_scan_bytes(e, "eicar.com", (const uint8_t *)eicar,
                                strlen(eicar), NULL, &r));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_MALICIOUS);
  CHECK(has_rule(r, "EICAR_Test_File"));
  int saw = 0;
  for (size_t i = 0; i < xferscan_report_finding_count(r); i++) {
    const char *rule = xferscan_report_finding_rule(r, i);
    if (!rule || strcmp(rule, "EICAR_Test_File") != 0) {
      CHECK(xferscan_report_finding_namespace(r, i) == NULL || rule != NULL);
      continue;
    }
    saw = 1;
    CHECK(strcmp(xferscan_report_finding_key(r, i), "signature") == 0);
    CHECK(strcmp(xferscan_report_finding_namespace(r, i), "xferscan") == 0);
    CHECK(xferscan_report_finding_action(r, i) == XFERSCAN_ACTION_BLOCK);
    CHECK(strcmp(xferscan_report_finding_path(r, i), "eicar.com") == 0);
    CHECK(xferscan_report_finding_decided_by(r, i) != NULL);
    CHECK(xferscan_report_finding_description(r, i) != NULL);
    CHECK(xferscan_report_finding_object(r, i) == 0);
    for (size_t t = 0; t < xferscan_report_finding_tag_count(r, i); t++)
      CHECK(xferscan_report_finding_tag(r, i, t) != NULL);
    size_t metas = xferscan_report_finding_meta_count(r, i);
    for (size_t m = 0; m < metas; m++) {
      const char *k = NULL, *v = NULL;
      OK(xferscan_report_finding_meta(r, i, m, &k, &v));
      CHECK(k && v);
    }
    const char *k = NULL, *v = NULL;
    CHECK_RC(xferscan_report_finding_meta(r, i, metas, &k, &v),
             XFERSCAN_RESULT_INVALID_PARAMETER);
    CHECK(k == NULL && v == NULL); /* not written on failure */
  }
  CHECK(saw);
  size_t n = xferscan_report_finding_count(r);
  CHECK(xferscan_report_finding_key(r, n) == NULL);
  CHECK(xferscan_report_finding_action(r, n) == XFERSCAN_ACTION_BLOCK);
  CHECK(xferscan_report_finding_object(r, n) == SIZE_MAX);
  xferscan_report_free(r);

  /* The empty file: (NULL, 0). */
  r = NULL;
  OK(xferscan_engine_scan_bytes(e, "", NULL, 0, NULL, &r));
  CHECK(r != NULL);
  CHECK(xferscan_report_object_size(r, 0) == 0);
  xferscan_report_free(r);

  /* A name that is not UTF-8 is scanned, not refused. */
  r = NULL;
  OK(xferscan_engine_scan_bytes(e, "\xff\xfe report.txt", (const uint8_t *)"x",
                                1, NULL, &r));
  CHECK(r != NULL);
  xferscan_report_free(r);
}

static void test_nested_zip(const xferscan_engine *e) {
  xferscan_report *r = NULL;
  char *p = path_of("nested.zip");
  OK(xferscan_engine_scan_path(e, p, NULL, &r));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_MALICIOUS);
  CHECK(has_rule(r, "EICAR_Test_File"));
  CHECK(xferscan_report_object_count(r) >= 4);
  int deep = 0;
  for (size_t i = 0; i < xferscan_report_finding_count(r); i++) {
    const char *rule = xferscan_report_finding_rule(r, i);
    if (rule && strcmp(rule, "EICAR_Test_File") == 0) {
      const char *path = xferscan_report_finding_path(r, i);
      deep = strstr(path, "docs/inner.zip > eicar.com") != NULL;
      size_t o = xferscan_report_finding_object(r, i);
      CHECK(xferscan_report_object_origin(r, o) == XFERSCAN_ORIGIN_ENTRY);
      CHECK(xferscan_report_object_parent(r, o) != SIZE_MAX);
      /* Flagged objects get their SHA-256 by default. */
      const char *sha = xferscan_report_object_sha256(r, o);
      CHECK(sha != NULL && strlen(sha) == 64);
    }
  }
  CHECK(deep);
  xferscan_report_free(r);

  /* The same through a file descriptor; ours stays open. */
  int fd = open(p, O_RDONLY);
  CHECK(fd >= 0);
  r = NULL;
  OK(xferscan_engine_scan_fd(e, fd, "nested.zip", NULL, &r));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_MALICIOUS);
  xferscan_report_free(r);
  CHECK(lseek(fd, 0, SEEK_SET) == 0); /* still open */
  close(fd);
  free(p);

  /* A clean file from disk. */
  p = path_of("clean.txt");
  r = NULL;
  OK(xferscan_engine_scan_path(e, p, NULL, &r));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_CLEAN);
  xferscan_report_free(r);
  free(p);
}

static void test_streams(const xferscan_engine *e) {
  size_t len = 0;
  unsigned char *zip = read_file("nested.zip", &len);
  CHECK(zip != NULL);

  /* In order, 7 bytes at a time. */
  xferscan_stream *s = NULL;
  OK(xferscan_stream_new(e, "nested.zip", NULL, &s));
  OK(xferscan_stream_declare_len(s, len));
  for (size_t at = 0; at < len; at += 7) {
    size_t n = len - at < 7 ? len - at : 7;
    OK(xferscan_stream_feed(s, zip + at, n));
  }
  CHECK(xferscan_stream_received(s) == len);
  xferscan_report *r = NULL;
  OK(xferscan_stream_finish(s, &r));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_MALICIOUS);
  CHECK(has_rule(r, "EICAR_Test_File"));
  xferscan_report_free(r);
  /* Fed after it finished. */
  CHECK_RC(xferscan_stream_feed(s, zip, 1), XFERSCAN_RESULT_STREAM_FINISHED);
  CHECK_RC(xferscan_stream_feed_at(s, 0, zip, 1),
           XFERSCAN_RESULT_STREAM_FINISHED);
  CHECK_RC(xferscan_stream_declare_len(s, len),
           XFERSCAN_RESULT_STREAM_FINISHED);
  r = NULL;
  CHECK_RC(xferscan_stream_finish(s, &r), XFERSCAN_RESULT_STREAM_FINISHED);
  CHECK(r == NULL);
  xferscan_stream_free(s);

  /* Shuffled pieces of 100 bytes (a fixed shuffle), one repeated. */
  size_t pieces = (len + 99) / 100;
  size_t *order = malloc(pieces * sizeof *order);
  for (size_t i = 0; i < pieces; i++) order[i] = i;
  unsigned seed = 12345;
  for (size_t i = pieces - 1; i > 0; i--) {
    seed = seed * 1103515245u + 12345u;
    size_t j = (seed >> 8) % (i + 1);
    size_t t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  s = NULL;
  OK(xferscan_stream_new(e, "nested.zip", NULL, &s));
  for (size_t k = 0; k < pieces; k++) {
    size_t at = order[k] * 100;
    size_t n = len - at < 100 ? len - at : 100;
    OK(xferscan_stream_feed_at(s, at, zip + at, n));
  }
  OK(xferscan_stream_feed_at(s, 0, zip, 100)); /* the same bytes again */
  r = NULL;
  OK(xferscan_stream_finish(s, &r));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_MALICIOUS);
  CHECK(has_rule(r, "EICAR_Test_File"));
  CHECK(xferscan_report_complete(r));
  xferscan_report_free(r);
  xferscan_stream_free(s);
  free(order);

  /* Refusals: past the declared length, a contradicting length. */
  s = NULL;
  OK(xferscan_stream_new(e, "a.bin", NULL, &s));
  OK(xferscan_stream_declare_len(s, 10));
  CHECK_RC(xferscan_stream_feed_at(s, 5, zip, 10),
           XFERSCAN_RESULT_STREAM_REFUSED);
  CHECK_RC(xferscan_stream_declare_len(s, 11), XFERSCAN_RESULT_STREAM_REFUSED);
  CHECK_RC(xferscan_stream_feed_at(s, UINT64_MAX, zip, 2),
           XFERSCAN_RESULT_STREAM_REFUSED);
  CHECK_RC(xferscan_stream_feed(s, NULL, 3), XFERSCAN_RESULT_NULL_PARAMETER);
  OK(xferscan_stream_feed(s, NULL, 0));
  OK(xferscan_stream_feed(s, zip, 4));
  xferscan_stream_free(s); /* abandoned unfinished */

  /* The early verdict: a blocked name settles it before the bytes. */
  s = NULL;
  OK(xferscan_stream_new(e, "invoice.pdf.exe", NULL, &s));
  OK(xferscan_stream_feed(s, (const uint8_t *)"hello", 5));
  CHECK(xferscan_stream_blocked(s));
  CHECK(xferscan_stream_verdict(s) == XFERSCAN_VERDICT_MALICIOUS);
  xferscan_stream_free(s);
  s = NULL;
  OK(xferscan_stream_new(e, "notes.txt", NULL, &s));
  OK(xferscan_stream_feed(s, (const uint8_t *)"hello", 5));
  CHECK(!xferscan_stream_blocked(s));
  /* Cancelled: incomplete, never a silent clean. */
  xferscan_stream_cancel(s);
  r = NULL;
  OK(xferscan_stream_finish(s, &r));
  CHECK(!xferscan_report_complete(r));
  CHECK(xferscan_report_stopped(r) == XFERSCAN_STOP_REASON_CANCELLED);
  CHECK(xferscan_report_verdict(r) != XFERSCAN_VERDICT_CLEAN);
  xferscan_report_free(r);
  xferscan_stream_free(s);
  free(zip);
}

struct counter {
  int findings;
  int stop_with;
};

static int on_finding(void *userdata, const char *key, xferscan_action action,
                      const char *path, const char *rule,
                      xferscan_verdict verdict) {
  struct counter *c = userdata;
  (void)action;
  (void)verdict;
  (void)rule;
  if (!key || !path) return XFERSCAN_FLOW_STOP;
  c->findings++;
  return c->stop_with;
}

static void test_options(const xferscan_engine *e) {
  size_t len = 0;
  unsigned char *zip = read_file("nested.zip", &len);
  xferscan_scan_options *o = NULL;
  OK(xferscan_scan_options_new(&o));
  OK(xferscan_scan_options_add_password(o, "from-the-message"));
  CHECK_RC(xferscan_scan_options_add_password(o, "\xff\xfe"),
           XFERSCAN_RESULT_NOT_UTF8);
  OK(xferscan_scan_options_set_first_hit(o, true));
  xferscan_report *r = NULL;
  OK(xferscan_engine_scan_bytes(e, "nested.zip", zip, len, o, &r));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_MALICIOUS);
  xferscan_report_free(r);
  OK(xferscan_scan_options_set_first_hit(o, false));

  /* A callback that sees every finding and lets the scan go on. */
  struct counter c = {0, XFERSCAN_FLOW_CONTINUE};
  OK(xferscan_scan_options_set_finding_callback(o, on_finding, &c));
  r = NULL;
  OK(xferscan_engine_scan_bytes(e, "nested.zip", zip, len, o, &r));
  CHECK(c.findings == (int)xferscan_report_finding_count(r));
  CHECK(xferscan_report_complete(r));
  xferscan_report_free(r);
  /* One that stops at the first, and one that returns an unknown value. */
  int answers[2] = {XFERSCAN_FLOW_STOP, 42};
  for (int k = 0; k < 2; k++) {
    struct counter c2 = {0, answers[k]};
    OK(xferscan_scan_options_set_finding_callback(o, on_finding, &c2));
    r = NULL;
    OK(xferscan_engine_scan_bytes(e, "nested.zip", zip, len, o, &r));
    CHECK(c2.findings == 1);
    CHECK(!xferscan_report_complete(r));
    CHECK(xferscan_report_stopped(r) == XFERSCAN_STOP_REASON_CALLBACK);
    xferscan_report_free(r);
  }
  /* The callback on a stream. */
  struct counter c3 = {0, XFERSCAN_FLOW_CONTINUE};
  OK(xferscan_scan_options_set_finding_callback(o, on_finding, &c3));
  xferscan_stream *s = NULL;
  OK(xferscan_stream_new(e, "nested.zip", o, &s));
  OK(xferscan_stream_feed(s, zip, len));
  r = NULL;
  OK(xferscan_stream_finish(s, &r));
  CHECK(c3.findings > 0 && c3.findings == (int)xferscan_report_finding_count(r));
  xferscan_report_free(r);
  xferscan_stream_free(s);
  OK(xferscan_scan_options_set_finding_callback(o, NULL, NULL));

  /* A cancel handle, cancelled before the scan; freed before the options. */
  xferscan_cancel *cancel = NULL;
  OK(xferscan_cancel_new(&cancel));
  OK(xferscan_scan_options_set_cancel(o, cancel));
  xferscan_cancel_cancel(cancel);
  xferscan_cancel_free(cancel);
  r = NULL;
  OK(xferscan_engine_scan_bytes(e, "a.txt", (const uint8_t *)"hello", 5, o, &r));
  CHECK(!xferscan_report_complete(r));
  CHECK(xferscan_report_stopped(r) == XFERSCAN_STOP_REASON_CANCELLED);
  CHECK(xferscan_report_verdict(r) != XFERSCAN_VERDICT_CLEAN);
  xferscan_report_free(r);
  xferscan_scan_options_free(o);
  free(zip);
}

/* What the free callback of a buffer handed over saw. */
struct freelog {
  int calls;
  const uint8_t *data;
  size_t len;
  pthread_t thread;
};

/* Frees the buffer as a host would, and records the call. */
static void free_logged(void *userdata, const uint8_t *data, size_t len) {
  struct freelog *f = userdata;
  f->calls++;
  f->data = data;
  f->len = len;
  f->thread = pthread_self();
  free((void *)data);
}

/* A copy of `len` bytes in a fresh heap buffer, to hand over. */
static uint8_t *dup_bytes(const void *p, size_t len) {
  uint8_t *b = malloc(len ? len : 1);
  memcpy(b, p, len);
  return b;
}

/* Hands `len` bytes over (a heap copy) and checks the free callback ran
 * once, before the return, on this thread, with the buffer given. */
static xferscan_result scan_owned(const xferscan_engine *e, const char *name,
                                  const void *p, size_t len,
                                  const xferscan_scan_options *o,
                                  xferscan_report **r) {
  struct freelog f = {0, NULL, 0, pthread_self()};
  uint8_t *buf = dup_bytes(p, len);
  xferscan_result rc =
      xferscan_engine_scan_bytes_owned(e, name, buf, len, free_logged, &f, o, r);
  CHECK(f.calls == 1);
  CHECK(f.data == buf && f.len == len);
  CHECK(pthread_equal(f.thread, pthread_self()));
  return rc;
}

static void no_free(void *userdata, const uint8_t *data, size_t len) {
  int *calls = userdata;
  (void)data;
  (void)len;
  (*calls)++;
}

static void test_owned(const xferscan_engine *e) {
  size_t len = 0;
  unsigned char *zip = read_file("nested.zip", &len);
  CHECK(zip != NULL);

  /* EICAR in a zip in a zip, handed over: found where it sits. */
  xferscan_report *r = NULL;
  OK(scan_owned(e, "nested.zip", zip, len, NULL, &r));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_MALICIOUS);
  int deep = 0;
  for (size_t i = 0; i < xferscan_report_finding_count(r); i++) {
    const char *rule = xferscan_report_finding_rule(r, i);
    if (rule && strcmp(rule, "EICAR_Test_File") == 0)
      deep |= strstr(xferscan_report_finding_path(r, i),
                     "docs/inner.zip > eicar.com") != NULL;
  }
  CHECK(deep);
  CHECK(xferscan_report_complete(r));
  xferscan_report_free(r);

  /* A clean file is clean. */
  size_t clen = 0;
  unsigned char *clean = read_file("clean.txt", &clen);
  r = NULL;
  OK(scan_owned(e, "clean.txt", clean, clen, NULL, &r));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_CLEAN);
  CHECK(xferscan_report_object_size(r, 0) == clen);
  xferscan_report_free(r);
  free(clean);

  /* With options: a finding callback that stops at the first finding. */
  xferscan_scan_options *o = NULL;
  OK(xferscan_scan_options_new(&o));
  struct counter c = {0, XFERSCAN_FLOW_STOP};
  OK(xferscan_scan_options_set_finding_callback(o, on_finding, &c));
  r = NULL;
  OK(scan_owned(e, "nested.zip", zip, len, o, &r));
  CHECK(c.findings == 1);
  CHECK(xferscan_report_stopped(r) == XFERSCAN_STOP_REASON_CALLBACK);
  xferscan_report_free(r);
  xferscan_scan_options_free(o);

  /* The empty file, (NULL, 0): the callback still runs, with NULL. */
  struct freelog f = {0, (const uint8_t *)"x", 1, pthread_self()};
  r = NULL;
  OK(xferscan_engine_scan_bytes_owned(e, "empty.txt", NULL, 0, free_logged,
                                      &f, NULL, &r));
  CHECK(f.calls == 1 && f.data == NULL && f.len == 0);
  CHECK(xferscan_report_object_size(r, 0) == 0);
  xferscan_report_free(r);

  /* Every error frees too (ASan and valgrind see a leak or a double free
   * otherwise), and writes no report. */
  r = NULL;
  CHECK_RC(scan_owned(NULL, "a.txt", "abc", 3, NULL, &r),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(scan_owned(e, NULL, "abc", 3, NULL, &r),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(scan_owned(e, "a.txt", "abc", 3, NULL, NULL),
           XFERSCAN_RESULT_NULL_PARAMETER);
  f.calls = 0;
  CHECK_RC(xferscan_engine_scan_bytes_owned(e, "a.txt", NULL, 5, free_logged,
                                            &f, NULL, &r),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK(f.calls == 1 && f.data == NULL && f.len == 5);
  int calls = 0;
  CHECK_RC(xferscan_engine_scan_bytes_owned(e, "a.txt", zip, SIZE_MAX, no_free,
                                            &calls, NULL, &r),
           XFERSCAN_RESULT_INVALID_PARAMETER);
  CHECK(calls == 1);
  /* No callback: refused, nothing called; the buffer is still ours. */
  CHECK_RC(xferscan_engine_scan_bytes_owned(e, "a.txt", zip, len, NULL, NULL,
                                            NULL, &r),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK(r == NULL);

  /* A buffer the host keeps: a callback that frees nothing, and the buffer
   * reused at once; the report holds its own copies of what it shows. */
  char kept[128];
  snprintf(kept, sizeof kept, "%s", eicar);
  calls = 0;
  r = NULL;
  OK(xferscan_engine_scan_bytes_owned(e, "eicar.com", (const uint8_t *)kept,
                                      strlen(kept), no_free, &calls, NULL, &r));
  CHECK(calls == 1);
  memset(kept, 'A', sizeof kept);
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_MALICIOUS);
  CHECK(has_rule(r, "EICAR_Test_File"));
  CHECK(strcmp(xferscan_report_object_path(r, 0), "eicar.com") == 0);
  xferscan_report_free(r);
  free(zip);
}

static int has_key(const xferscan_report *r, const char *key) {
  for (size_t i = 0; i < xferscan_report_finding_count(r); i++)
    if (strcmp(xferscan_report_finding_key(r, i), key) == 0) return 1;
  return 0;
}

/* Is `rule` among the findings, on an object whose path ends with `tail`?
 * (A scan of a path names the outer object by the whole path.) */
static int has_rule_at(const xferscan_report *r, const char *rule,
                       const char *tail) {
  for (size_t i = 0; i < xferscan_report_finding_count(r); i++) {
    const char *got = xferscan_report_finding_rule(r, i);
    const char *path = xferscan_report_finding_path(r, i);
    size_t n = strlen(path), t = strlen(tail);
    if (got && strcmp(got, rule) == 0 && n >= t &&
        strcmp(path + n - t, tail) == 0)
      return 1;
  }
  return 0;
}

/* Compressed RAR entries, decoded by unrar (the C library is built with the
 * rar feature): WinRAR's archives of tests/data/rar/. A rule on text that
 * appears only once the entry is decompressed (the archives hold no
 * EICAR: no free tool writes compressed RAR) must match inside the entry;
 * without unrar the entry would be an unsupported method, and unmatched. */
static void test_rar(void) {
  xferscan_engine_builder *b = NULL;
  xferscan_engine *e = NULL;
  OK(xferscan_engine_builder_new(&b));
  OK(xferscan_engine_builder_set_builtin_rules(b, false));
  OK(xferscan_engine_builder_add_rules_source(
      b, "rar.yar",
      "rule Rar_Decoded { strings: $a = \"Cargo.lock\" condition: $a }\n"));
  OK(xferscan_engine_builder_build(b, &e));
  xferscan_engine_builder_free(b);

  /* RAR 5, solid, compressed. */
  xferscan_report *r = NULL;
  char *p = path_of("solid.rar");
  OK(xferscan_engine_scan_path(e, p, NULL, &r));
  free(p);
  CHECK(has_rule_at(r, "Rar_Decoded", "/solid.rar > .gitignore"));
  CHECK(!has_key(r, "unscannable.unsupported_method"));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_MALICIOUS);
  xferscan_report_free(r);

  /* RAR 4, compressed, handed over without a copy. */
  size_t len = 0;
  unsigned char *rar = read_file("version.rar", &len);
  CHECK(rar != NULL);
  r = NULL;
  OK(scan_owned(e, "version.rar", rar, len, NULL, &r));
  free(rar);
  CHECK(!has_key(r, "unscannable.unsupported_method"));
  int decoded = 0;
  for (size_t i = 0; i < xferscan_report_object_count(r); i++)
    if (strcmp(xferscan_report_object_path(r, i), "version.rar > VERSION") == 0)
      decoded = xferscan_report_object_size(r, i) == 11;
  CHECK(decoded);
  xferscan_report_free(r);

  /* RAR 4, an encrypted entry: never clean without its password, opened
   * with a candidate from the scan's options. */
  p = path_of("crypted.rar");
  r = NULL;
  OK(xferscan_engine_scan_path(e, p, NULL, &r));
  CHECK(has_key(r, "encrypted"));
  CHECK(xferscan_report_verdict(r) != XFERSCAN_VERDICT_CLEAN);
  CHECK(!has_rule(r, "Rar_Decoded"));
  xferscan_report_free(r);
  xferscan_scan_options *o = NULL;
  OK(xferscan_scan_options_new(&o));
  OK(xferscan_scan_options_add_password(o, "unrar"));
  r = NULL;
  OK(xferscan_engine_scan_path(e, p, o, &r));
  CHECK(has_rule_at(r, "Rar_Decoded", "/crypted.rar > .gitignore"));
  xferscan_report_free(r);
  xferscan_scan_options_free(o);
  /* The same password named in the chat message that carried the file. */
  o = NULL;
  OK(xferscan_scan_options_new(&o));
  OK(xferscan_scan_options_add_message_text(o, "here it is, pw: unrar"));
  CHECK_RC(xferscan_scan_options_add_message_text(o, "\xff\xfe"),
           XFERSCAN_RESULT_NOT_UTF8);
  CHECK_RC(xferscan_scan_options_add_message_text(NULL, "pw: x"),
           XFERSCAN_RESULT_NULL_PARAMETER);
  r = NULL;
  OK(xferscan_engine_scan_path(e, p, o, &r));
  CHECK(has_rule_at(r, "Rar_Decoded", "/crypted.rar > .gitignore"));
  xferscan_report_free(r);
  xferscan_scan_options_free(o);
  free(p);
  xferscan_engine_free(e);
}

/* The handlers of the signals wasmtime's native build takes, as they were
 * before the first engine was built (main records them first). */
struct handlers {
  struct sigaction segv, ill, fpe;
};
static struct handlers at_start;

static void get_handlers(struct handlers *h) {
  sigaction(SIGSEGV, NULL, &h->segv);
  sigaction(SIGILL, NULL, &h->ill);
  sigaction(SIGFPE, NULL, &h->fpe);
}

static int same_handler(const struct sigaction *a, const struct sigaction *b) {
  return a->sa_handler == b->sa_handler && a->sa_flags == b->sa_flags;
}

/* A scan on a new thread, with the thread's alternate signal stack before
 * and after it. */
struct altstack_ctx {
  const xferscan_engine *e;
  stack_t before, after;
  xferscan_verdict verdict;
};
static void *altstack_thread(void *arg) {
  struct altstack_ctx *c = arg;
  sigaltstack(NULL, &c->before);
  xferscan_report *r = NULL;
  c->verdict = XFERSCAN_VERDICT_CLEAN;
  if (xferscan_engine_scan_bytes(c->e, "eicar.com", (const uint8_t *)eicar,
                                 strlen(eicar), NULL,
                                 &r) == XFERSCAN_RESULT_OK)
    c->verdict = xferscan_report_verdict(r);
  xferscan_report_free(r);
  sigaltstack(NULL, &c->after);
  xferscan_thread_release();
  return NULL;
}

/* What the header's SIGNALS section says, checked: the native build
 * installs handlers for SIGSEGV, SIGILL and (x86_64) SIGFPE once an engine
 * exists; the pulley build leaves every handler as it was; both give a
 * scanning thread an alternate signal stack of at least 256 KiB. */
static void test_signals(const xferscan_engine *e) {
  struct handlers now;
  get_handlers(&now);
  int installs = xferscan_engine_installs_signal_handlers();
  printf("test_capi: %s build: SIGSEGV handler %s, SIGILL handler %s\n",
         installs ? "native" : "pulley",
         same_handler(&now.segv, &at_start.segv) ? "unchanged" : "replaced",
         same_handler(&now.ill, &at_start.ill) ? "unchanged" : "replaced");
  if (installs) {
    CHECK(!same_handler(&now.segv, &at_start.segv));
    CHECK(!same_handler(&now.ill, &at_start.ill));
    CHECK(now.segv.sa_flags & SA_SIGINFO);
    CHECK(now.segv.sa_flags & SA_ONSTACK);
#if defined(__x86_64__)
    CHECK(!same_handler(&now.fpe, &at_start.fpe));
#endif
  } else {
    CHECK(same_handler(&now.segv, &at_start.segv));
    CHECK(same_handler(&now.ill, &at_start.ill));
    CHECK(same_handler(&now.fpe, &at_start.fpe));
  }
  struct altstack_ctx c;
  memset(&c, 0, sizeof c);
  c.e = e;
  pthread_t t;
  pthread_create(&t, NULL, altstack_thread, &c);
  pthread_join(t, NULL);
  CHECK(c.verdict == XFERSCAN_VERDICT_MALICIOUS);
  CHECK(!(c.after.ss_flags & SS_DISABLE));
  CHECK(c.after.ss_size >= 256 * 1024);
}

static void test_builder(void) {
  xferscan_engine_builder *b = NULL;
  xferscan_engine *e = NULL;
  xferscan_report *r = NULL;
  OK(xferscan_engine_builder_new(&b));

  /* A rule that does not compile: a code, and text that says where. */
  OK(xferscan_engine_builder_set_builtin_rules(b, false));
  OK(xferscan_engine_builder_add_rules_source(
      b, "broken.yar", "rule broken {\n  condition:\n    nonsense_here\n}\n"));
  CHECK_RC(xferscan_engine_builder_build(b, &e), XFERSCAN_RESULT_RULES);
  CHECK(e == NULL);
  const char *err = xferscan_engine_builder_error(b);
  CHECK(err != NULL && strstr(err, "broken.yar") != NULL);
  xferscan_engine_builder_free(b);

  /* Our own rule, with tags and metadata. */
  b = NULL;
  OK(xferscan_engine_builder_new(&b));
  OK(xferscan_engine_builder_set_builtin_rules(b, false));
  OK(xferscan_engine_builder_add_rules_source(
      b, "local.yar",
      "rule Local_Marker : tag_one tag_two {\n"
      "  meta:\n    severity = \"high\"\n    score = 7\n"
      "  strings:\n    $a = \"xferscan-c-test-marker\"\n"
      "  condition:\n    $a\n}\n"));
  CHECK_RC(xferscan_engine_builder_add_rules_source(b, "x.yar", "\xff\xfe"),
           XFERSCAN_RESULT_NOT_UTF8);
  OK(xferscan_engine_builder_set_object_hashes(b, XFERSCAN_OBJECT_HASHES_EVERY));
  CHECK_RC(xferscan_engine_builder_set_object_hashes(b, 9),
           XFERSCAN_RESULT_INVALID_PARAMETER);
  OK(xferscan_engine_builder_set_limit(b, XFERSCAN_LIMIT_MAX_DEPTH, 5));
  OK(xferscan_engine_builder_set_limit(b, XFERSCAN_LIMIT_MAX_TIME_MS, 30000));
  CHECK_RC(xferscan_engine_builder_set_limit(b, XFERSCAN_LIMIT_MAX_DEPTH,
                                             UINT64_MAX),
           XFERSCAN_RESULT_INVALID_PARAMETER);
  CHECK_RC(xferscan_engine_builder_set_limit(b, 99, 1),
           XFERSCAN_RESULT_INVALID_PARAMETER);
  const char *pw[] = {"infected", "secret"};
  OK(xferscan_engine_builder_set_passwords(b, pw, 2));
  OK(xferscan_engine_builder_set_passwords(b, NULL, 0));
  CHECK_RC(xferscan_engine_builder_set_passwords(b, NULL, 2),
           XFERSCAN_RESULT_NULL_PARAMETER);
  OK(xferscan_engine_builder_build(b, &e));
  CHECK(xferscan_engine_rule_count(e) == 1);
  const char *marker = "prefix xferscan-c-test-marker suffix";
  OK(xferscan_engine_scan_bytes(e, "m.txt", (const uint8_t *)marker,
                                strlen(marker), NULL, &r));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_MALICIOUS);
  CHECK(has_rule(r, "Local_Marker"));
  CHECK(xferscan_report_object_sha256(r, 0) != NULL);
  for (size_t i = 0; i < xferscan_report_finding_count(r); i++) {
    if (!xferscan_report_finding_rule(r, i)) continue;
    CHECK(strcmp(xferscan_report_finding_namespace(r, i), "local") == 0);
    CHECK(xferscan_report_finding_tag_count(r, i) == 2);
    CHECK(strcmp(xferscan_report_finding_tag(r, i, 1), "tag_two") == 0);
    CHECK(xferscan_report_finding_meta_count(r, i) == 2);
    const char *k = NULL, *v = NULL;
    OK(xferscan_report_finding_meta(r, i, 1, &k, &v));
    CHECK(strcmp(k, "score") == 0 && strcmp(v, "7") == 0);
  }
  xferscan_report_free(r);

  /* A policy: allow that rule, and the same compiled rules shared. */
  xferscan_engine_builder *b2 = NULL;
  xferscan_engine *e2 = NULL;
  OK(xferscan_engine_builder_new(&b2));
  OK(xferscan_engine_builder_use_rules_of(b2, e));
  OK(xferscan_engine_builder_policy_toml(
      b2, "[signatures.rules]\nLocal_Marker = \"allow\"\n", "p.toml"));
  CHECK_RC(xferscan_engine_builder_policy_toml(b2, "[types]\nnot_a_type = 3\n",
                                               "bad.toml"),
           XFERSCAN_RESULT_CONFIG);
  err = xferscan_engine_builder_error(b2);
  CHECK(err != NULL && strstr(err, "bad.toml") != NULL);
  OK(xferscan_engine_builder_build(b2, &e2));
  CHECK(xferscan_engine_builder_error(b2) == NULL);
  xferscan_engine_free(e); /* e2 shares its rules; order does not matter */
  r = NULL;
  OK(xferscan_engine_scan_bytes(e2, "m.txt", (const uint8_t *)marker,
                                strlen(marker), NULL, &r));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_CLEAN);
  CHECK(has_rule(r, "Local_Marker"));
  xferscan_engine_free(e2); /* before the report: fine */
  xferscan_report_free(r);
  xferscan_engine_builder_free(b2);
  xferscan_engine_builder_free(b);

  /* TOML configuration, as text and from a file; bad ones. */
  b = NULL;
  e = NULL;
  OK(xferscan_engine_builder_new(&b));
  OK(xferscan_engine_builder_config_toml(
      b, "hashes = \"none\"\n[limits]\nmax_objects = 100\n", "inline"));
  CHECK_RC(xferscan_engine_builder_config_toml(b, "[limits]\nmax_depht = 3\n",
                                               "inline-bad"),
           XFERSCAN_RESULT_CONFIG);
  err = xferscan_engine_builder_error(b);
  CHECK(err != NULL && strstr(err, "line 2") != NULL);
  CHECK_RC(xferscan_engine_builder_config_toml(b, "x = [", "broken"),
           XFERSCAN_RESULT_CONFIG);
  char *p = path_of("config.toml");
  OK(xferscan_engine_builder_config_path(b, p));
  free(p);
  p = path_of("bad-config.toml");
  CHECK_RC(xferscan_engine_builder_config_path(b, p), XFERSCAN_RESULT_CONFIG);
  free(p);
  CHECK_RC(xferscan_engine_builder_config_path(b, "/nonexistent/x.toml"),
           XFERSCAN_RESULT_IO);
  OK(xferscan_engine_builder_build(b, &e));
  r = NULL;
  OK(xferscan_engine_scan_bytes(e, "eicar.com", (const uint8_t *)eicar,
                                strlen(eicar), NULL, &r));
  CHECK(xferscan_report_verdict(r) == XFERSCAN_VERDICT_MALICIOUS);
  CHECK(xferscan_report_object_sha256(r, 0) != NULL); /* hashes = "every" */
  xferscan_report_free(r);
  xferscan_engine_free(e);
  xferscan_engine_builder_free(b);

  /* Rule files that are missing, and precompiled rules that are corrupt. */
  b = NULL;
  e = NULL;
  OK(xferscan_engine_builder_new(&b));
  OK(xferscan_engine_builder_add_rules_path(b, "/nonexistent/rules.yar"));
  CHECK_RC(xferscan_engine_builder_build(b, &e), XFERSCAN_RESULT_IO);
  xferscan_engine_builder_free(b);
  b = NULL;
  OK(xferscan_engine_builder_new(&b));
  p = path_of("corrupt.yarc");
  OK(xferscan_engine_builder_add_rules_path(b, p));
  free(p);
  CHECK_RC(xferscan_engine_builder_build(b, &e), XFERSCAN_RESULT_RULES);
  CHECK(e == NULL);
  err = xferscan_engine_builder_error(b);
  CHECK(err != NULL && strstr(err, "corrupt.yarc") != NULL);
  xferscan_engine_builder_free(b);
}

static void test_nulls(const xferscan_engine *e) {
  xferscan_report *r = NULL;
  CHECK_RC(xferscan_engine_builder_new(NULL), XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_engine_builder_build(NULL, NULL),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_engine_builder_add_rules_source(NULL, "a", "b"),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_engine_builder_set_limit(NULL, 0, 1),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK(xferscan_engine_builder_error(NULL) == NULL);
  CHECK_RC(xferscan_engine_scan_bytes(NULL, "a", (const uint8_t *)"x", 1, NULL,
                                      &r),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_engine_scan_bytes(e, NULL, (const uint8_t *)"x", 1, NULL,
                                      &r),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_engine_scan_bytes(e, "a", NULL, 5, NULL, &r),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_engine_scan_bytes(e, "a", (const uint8_t *)"x", 1, NULL,
                                      NULL),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_engine_scan_path(e, NULL, NULL, &r),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_engine_scan_path(e, "/nonexistent/file", NULL, &r),
           XFERSCAN_RESULT_IO);
  CHECK_RC(xferscan_engine_scan_fd(e, -1, "a", NULL, &r),
           XFERSCAN_RESULT_INVALID_PARAMETER);
  CHECK_RC(xferscan_engine_scan_fd(e, 9999, "a", NULL, &r),
           XFERSCAN_RESULT_INVALID_PARAMETER);
  CHECK(r == NULL); /* never written on failure */
  CHECK_RC(xferscan_stream_new(e, "a", NULL, NULL),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_stream_feed(NULL, (const uint8_t *)"x", 1),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_stream_finish(NULL, &r), XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_report_json(NULL, NULL, NULL),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_scan_options_set_cancel(NULL, NULL),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_shared_engine_new(NULL, NULL),
           XFERSCAN_RESULT_NULL_PARAMETER);
  CHECK_RC(xferscan_shared_engine_swap(NULL, e), XFERSCAN_RESULT_NULL_PARAMETER);
  /* Getters fail closed on NULL. */
  CHECK(xferscan_report_verdict(NULL) == XFERSCAN_VERDICT_MALICIOUS);
  CHECK(!xferscan_report_complete(NULL));
  CHECK(xferscan_report_finding_count(NULL) == 0);
  CHECK(xferscan_report_finding_key(NULL, 0) == NULL);
  CHECK(xferscan_stream_blocked(NULL));
  CHECK(xferscan_stream_verdict(NULL) == XFERSCAN_VERDICT_MALICIOUS);
  CHECK(xferscan_engine_rule_count(NULL) == 0);
  /* Every free takes NULL. */
  xferscan_engine_builder_free(NULL);
  xferscan_engine_free(NULL);
  xferscan_shared_engine_free(NULL);
  xferscan_scan_options_free(NULL);
  xferscan_cancel_free(NULL);
  xferscan_cancel_cancel(NULL);
  xferscan_report_free(NULL);
  xferscan_stream_cancel(NULL);
  xferscan_stream_free(NULL);
}

/* 8 threads scan through one shared engine while another swaps it. */
#define SCANNERS 8
#define ROUNDS 25

struct shared_ctx {
  xferscan_shared_engine *shared;
  const xferscan_engine *next[2];
  int bad;
  pthread_mutex_t lock;
};

static void *scanner_thread(void *arg) {
  struct shared_ctx *c = arg;
  for (int i = 0; i < ROUNDS; i++) {
    xferscan_engine *e = NULL;
    xferscan_report *r = NULL;
    int bad = 0;
    if (xferscan_shared_engine_get(c->shared, &e) != XFERSCAN_RESULT_OK) bad = 1;
    const char *data = (i % 2) ? eicar : "plain text, nothing more";
    xferscan_result rc;
    if (i % 4 < 2) {
      rc = xferscan_engine_scan_bytes(e, "f.txt", (const uint8_t *)data,
                                      strlen(data), NULL, &r);
    } else {
      /* Handed over: freed once, before the return, on this thread. */
      struct freelog f = {0, NULL, 0, pthread_self()};
      uint8_t *buf = dup_bytes(data, strlen(data));
      rc = xferscan_engine_scan_bytes_owned(e, "f.txt", buf, strlen(data),
                                            free_logged, &f, NULL, &r);
      if (f.calls != 1 || !pthread_equal(f.thread, pthread_self())) bad = 1;
    }
    if (rc != XFERSCAN_RESULT_OK) bad = 1;
    xferscan_verdict want =
        (i % 2) ? XFERSCAN_VERDICT_MALICIOUS : XFERSCAN_VERDICT_CLEAN;
    if (xferscan_report_verdict(r) != want) bad = 1;
    xferscan_report_free(r);
    xferscan_engine_free(e);
    if (bad) {
      pthread_mutex_lock(&c->lock);
      c->bad++;
      pthread_mutex_unlock(&c->lock);
    }
  }
  xferscan_thread_release();
  return NULL;
}

static void *swapper_thread(void *arg) {
  struct shared_ctx *c = arg;
  for (int i = 0; i < 40; i++) {
    if (xferscan_shared_engine_swap(c->shared, c->next[i % 2]) !=
        XFERSCAN_RESULT_OK) {
      pthread_mutex_lock(&c->lock);
      c->bad++;
      pthread_mutex_unlock(&c->lock);
    }
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  return NULL;
}

static void test_threads(void) {
  xferscan_engine *a = default_engine();
  /* A second engine with its own compiled rules, to be freed while in use. */
  xferscan_engine *b = default_engine();
  struct shared_ctx c;
  memset(&c, 0, sizeof c);
  pthread_mutex_init(&c.lock, NULL);
  OK(xferscan_shared_engine_new(a, &c.shared));
  c.next[0] = b;
  c.next[1] = a;
  pthread_t t[SCANNERS + 1];
  for (int i = 0; i < SCANNERS; i++)
    pthread_create(&t[i], NULL, scanner_thread, &c);
  pthread_create(&t[SCANNERS], NULL, swapper_thread, &c);
  for (int i = 0; i <= SCANNERS; i++) pthread_join(t[i], NULL);
  CHECK(c.bad == 0);
  /* The engine of the moment outlives both handles. */
  xferscan_engine_free(a);
  xferscan_engine_free(b);
  xferscan_engine *now = NULL;
  OK(xferscan_shared_engine_get(c.shared, &now));
  CHECK(xferscan_engine_rule_count(now) > 0);
  xferscan_engine_free(now);
  xferscan_shared_engine_free(c.shared);
  pthread_mutex_destroy(&c.lock);
}

/* A cancel from another thread while a stream finishes. */
struct cancel_ctx {
  xferscan_cancel *cancel;
};
static void *cancel_thread(void *arg) {
  struct cancel_ctx *c = arg;
  xferscan_cancel_cancel(c->cancel);
  return NULL;
}
static void test_cancel_from_thread(const xferscan_engine *e) {
  struct cancel_ctx c;
  OK(xferscan_cancel_new(&c.cancel));
  xferscan_scan_options *o = NULL;
  OK(xferscan_scan_options_new(&o));
  OK(xferscan_scan_options_set_cancel(o, c.cancel));
  pthread_t t;
  pthread_create(&t, NULL, cancel_thread, &c);
  for (int i = 0; i < 20; i++) {
    xferscan_report *r = NULL;
    OK(xferscan_engine_scan_bytes(e, "a.txt", (const uint8_t *)"hello", 5, o, &r));
    /* Cancelled or not, never a clean that hides an incomplete scan. */
    CHECK(xferscan_report_complete(r) ||
          xferscan_report_verdict(r) != XFERSCAN_VERDICT_CLEAN);
    xferscan_report_free(r);
  }
  pthread_join(t, NULL);
  xferscan_scan_options_free(o);
  xferscan_cancel_free(c.cancel);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
    return 2;
  }
  dir = argv[1];
  get_handlers(&at_start); /* before any engine exists */
  make_eicar();
  test_misc();
  xferscan_engine *e = default_engine();
  test_signals(e);
  test_buffers(e);
  test_nested_zip(e);
  test_streams(e);
  test_options(e);
  test_owned(e);
  test_nulls(e);
  test_cancel_from_thread(e);
  xferscan_engine_free(e);
  test_builder();
  test_rar();
  test_threads();
  xferscan_thread_release();
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("test_capi: all checks passed\n");
  return 0;
}
