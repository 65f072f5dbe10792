// The C API from C++: the header compiles as C++, handles fit
// std::unique_ptr, a stream of EICAR in a nested zip is blocked, and a
// std::vector handed over without a copy is freed exactly once.
// argv[1] is the folder tests/c/fixtures.py wrote.

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "xferscan.h"

namespace {

struct EngineFree {
  void operator()(xferscan_engine *e) const { xferscan_engine_free(e); }
};
struct ReportFree {
  void operator()(xferscan_report *r) const { xferscan_report_free(r); }
};
struct StreamFree {
  void operator()(xferscan_stream *s) const { xferscan_stream_free(s); }
};
using Engine = std::unique_ptr<xferscan_engine, EngineFree>;
using Report = std::unique_ptr<xferscan_report, ReportFree>;
using Stream = std::unique_ptr<xferscan_stream, StreamFree>;

int failures = 0;
void check(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "check failed: %s\n", what);
    failures++;
  }
}

Engine build() {
  xferscan_engine_builder *b = nullptr;
  xferscan_engine *e = nullptr;
  check(xferscan_engine_builder_new(&b) == XFERSCAN_RESULT_OK, "builder");
  check(xferscan_engine_builder_build(b, &e) == XFERSCAN_RESULT_OK, "build");
  xferscan_engine_builder_free(b);
  return Engine(e);
}

// A std::vector handed over to xferscan_engine_scan_bytes_owned: the free
// callback deletes it and counts the calls.
struct Handed {
  std::vector<unsigned char> bytes;
  int *calls;
};
extern "C" void free_handed(void *userdata, const uint8_t *data, size_t len) {
  auto *h = static_cast<Handed *>(userdata);
  if (data != h->bytes.data() || len != h->bytes.size()) ++*h->calls;  // twice: a failure
  ++*h->calls;
  delete h;
}

xferscan_verdict scan_handed(const xferscan_engine *engine, const char *name,
                             std::vector<unsigned char> bytes,
                             xferscan_result want, bool *found_eicar) {
  int calls = 0;
  auto *h = new Handed{std::move(bytes), &calls};
  const uint8_t *data = h->bytes.data();
  size_t len = h->bytes.size();
  xferscan_report *r = nullptr;
  xferscan_result rc = xferscan_engine_scan_bytes_owned(
      engine, name, data, len, free_handed, h, nullptr, &r);
  check(rc == want, "owned scan result");
  check(calls == 1, "freed exactly once, before the return");
  if (rc != XFERSCAN_RESULT_OK) {
    check(r == nullptr, "no report on failure");
    return XFERSCAN_VERDICT_MALICIOUS;
  }
  Report report(r);
  for (size_t i = 0; i < xferscan_report_finding_count(r); i++) {
    const char *rule = xferscan_report_finding_rule(r, i);
    const char *path = xferscan_report_finding_path(r, i);
    if (found_eicar && rule && std::strcmp(rule, "EICAR_Test_File") == 0 &&
        std::strstr(path, "docs/inner.zip > eicar.com"))
      *found_eicar = true;
  }
  return xferscan_report_verdict(r);
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  Engine engine = build();

  std::ifstream in(std::string(argv[1]) + "/nested.zip", std::ios::binary);
  std::vector<unsigned char> zip((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
  check(!zip.empty(), "fixture");

  xferscan_stream *raw = nullptr;
  check(xferscan_stream_new(engine.get(), "nested.zip", nullptr, &raw) ==
            XFERSCAN_RESULT_OK,
        "stream");
  Stream stream(raw);
  for (size_t at = 0; at < zip.size(); at += 64) {
    size_t n = std::min<size_t>(64, zip.size() - at);
    check(xferscan_stream_feed(stream.get(), zip.data() + at, n) ==
              XFERSCAN_RESULT_OK,
          "feed");
  }
  xferscan_report *r = nullptr;
  check(xferscan_stream_finish(stream.get(), &r) == XFERSCAN_RESULT_OK,
        "finish");
  Report report(r);
  check(xferscan_report_verdict(report.get()) == XFERSCAN_VERDICT_MALICIOUS,
        "verdict");

  const std::string clean = "just a note";
  xferscan_report *r2 = nullptr;
  check(xferscan_engine_scan_bytes(
            engine.get(), "note.txt",
            reinterpret_cast<const uint8_t *>(clean.data()), clean.size(),
            nullptr, &r2) == XFERSCAN_RESULT_OK,
        "scan");
  Report clean_report(r2);
  check(xferscan_report_verdict(clean_report.get()) == XFERSCAN_VERDICT_CLEAN,
        "clean");

  // Handed over without a copy: EICAR in the nested zip, a clean note, and
  // an error (no engine) that frees all the same.
  bool found = false;
  check(scan_handed(engine.get(), "nested.zip", zip, XFERSCAN_RESULT_OK,
                    &found) == XFERSCAN_VERDICT_MALICIOUS,
        "owned nested zip");
  check(found, "EICAR found inside docs/inner.zip");
  check(scan_handed(engine.get(), "note.txt",
                    std::vector<unsigned char>(clean.begin(), clean.end()),
                    XFERSCAN_RESULT_OK, nullptr) == XFERSCAN_VERDICT_CLEAN,
        "owned clean");
  scan_handed(nullptr, "note.txt", std::vector<unsigned char>(10, 'x'),
              XFERSCAN_RESULT_NULL_PARAMETER, nullptr);
  xferscan_thread_release();
  if (failures) return 1;
  std::printf("test_cpp: all checks passed\n");
  return 0;
}
