/* A small gateway: streams a file through xferscan in 64 KiB chunks, as a
 * transfer would arrive, stops receiving as soon as the early verdict
 * blocks it, and acts on the final verdict.
 *
 *   cc gateway.c $(pkg-config --cflags --libs xferscan) -o gateway
 *   ./gateway FILE [NAME]
 *
 * Exit status: 0 deliver, 1 hold or block, 2 error. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xferscan.h>

static int fail(const char *what, xferscan_result rc) {
  fprintf(stderr, "gateway: %s: %s\n", what, xferscan_result_message(rc));
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE [NAME]\n", argv[0]);
    return 2;
  }
  /* The name the file was sent under: by default the path's last part (a
   * whole local path would be judged as a sender's name, and fail). */
  const char *slash = strrchr(argv[1], '/');
  const char *name = argc > 2 ? argv[2] : slash ? slash + 1 : argv[1];
  int status = 2;
  xferscan_engine_builder *builder = NULL;
  xferscan_engine *engine = NULL;
  xferscan_stream *stream = NULL;
  xferscan_report *report = NULL;
  FILE *in = NULL;
  xferscan_result rc;

  /* Once, at start-up: the engine is shared by every transfer and thread. */
  if ((rc = xferscan_engine_builder_new(&builder)) != XFERSCAN_RESULT_OK) {
    status = fail("builder", rc);
    goto out;
  }
  if ((rc = xferscan_engine_builder_build(builder, &engine)) !=
      XFERSCAN_RESULT_OK) {
    const char *why = xferscan_engine_builder_error(builder);
    fprintf(stderr, "gateway: %s\n", why ? why : xferscan_result_message(rc));
    goto out;
  }

  /* Per transfer. */
  if (!(in = fopen(argv[1], "rb"))) {
    perror(argv[1]);
    goto out;
  }
  if ((rc = xferscan_stream_new(engine, name, NULL, &stream)) !=
      XFERSCAN_RESULT_OK) {
    status = fail("stream", rc);
    goto out;
  }
  static unsigned char chunk[64 * 1024];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, in)) > 0) {
    if ((rc = xferscan_stream_feed(stream, chunk, n)) != XFERSCAN_RESULT_OK) {
      status = fail("feed", rc);
      goto out;
    }
    if (xferscan_stream_blocked(stream)) {
      printf("%s: blocked after %llu bytes; transfer cut\n", name,
             (unsigned long long)xferscan_stream_received(stream));
      break;
    }
  }
  if ((rc = xferscan_stream_finish(stream, &report)) != XFERSCAN_RESULT_OK) {
    status = fail("finish", rc);
    goto out;
  }

  xferscan_verdict verdict = xferscan_report_verdict(report);
  static const char *const names[] = {"clean", "suspicious", "malicious"};
  printf("%s: %s%s\n", name, names[verdict],
         xferscan_report_complete(report) ? "" : " (scan incomplete)");
  for (size_t i = 0; i < xferscan_report_finding_count(report); i++) {
    if (xferscan_report_finding_action(report, i) == XFERSCAN_ACTION_ALLOW)
      continue;
    const char *rule = xferscan_report_finding_rule(report, i);
    printf("  %s  %s%s%s  [%s]\n", xferscan_report_finding_path(report, i),
           xferscan_report_finding_key(report, i), rule ? " " : "",
           rule ? rule : "", xferscan_report_finding_decided_by(report, i));
  }
  status = verdict == XFERSCAN_VERDICT_CLEAN ? 0 : 1;

out:
  if (in) fclose(in);
  xferscan_report_free(report);
  xferscan_stream_free(stream);
  xferscan_engine_free(engine);
  xferscan_engine_builder_free(builder);
  return status;
}
