// The C API from C++: the header compiles as C++, handles fit
// std::unique_ptr, and a stream of EICAR in a nested zip is blocked.
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
  xferscan_thread_release();
  if (failures) return 1;
  std::printf("test_cpp: all checks passed\n");
  return 0;
}
