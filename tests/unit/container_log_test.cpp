#include <doctest/doctest.h>

#include <string>

#include "agent/container_log.h"
#include "common/time_format.h"

using namespace gantry::agent;

namespace {

constexpr char kLog[] =
    "2026-12-02T10:00:00.000000001Z stdout F first\n"
    "2026-12-02T10:00:01.5Z stderr P half \n"
    "2026-12-02T10:00:02Z stderr F and half\n"
    "2026-12-02T10:00:03Z stdout F \n"
    "2026-12-02T10:00:04Z stdout F last\n";

std::string ReadAll(absl::string_view log, LogReadOptions options, size_t chunk) {
  ContainerLogReader reader(options);
  std::string out;
  for (size_t at = 0; at < log.size(); at += chunk) reader.Feed(log.substr(at, chunk), &out);
  reader.Finish(&out);
  return out;
}

}  // namespace

TEST_CASE("a CRI log reads back as what the container printed, however it arrives") {
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}}) {
    CHECK(ReadAll(kLog, {}, chunk) == "first\nhalf and half\n\nlast\n");
  }
}

TEST_CASE("since leaves out earlier lines, a continued line goes by its first record") {
  LogReadOptions options;
  options.since = *gantry::ParseRfc3339("2026-12-02T10:00:01.9Z");
  CHECK(ReadAll(kLog, options, 4096) == "\nlast\n");
  options.since = *gantry::ParseRfc3339("2026-12-02T10:00:01Z");
  CHECK(ReadAll(kLog, options, 4096) == "half and half\n\nlast\n");
}

TEST_CASE("timestamps prefix each line with the time of its first record") {
  LogReadOptions options;
  options.timestamps = true;
  CHECK(ReadAll(kLog, options, 13) ==
        "2026-12-02T10:00:00.000000001Z first\n2026-12-02T10:00:01.5Z half and half\n"
        "2026-12-02T10:00:03Z \n2026-12-02T10:00:04Z last\n");
}

TEST_CASE("an unfinished record waits for its newline; a file from before passes through") {
  ContainerLogReader reader({});
  std::string out;
  reader.Feed("2026-12-02T10:00:00Z stdout F do", &out);
  CHECK(out.empty());
  reader.Feed("ne\nplain old line\n", &out);
  CHECK(out == "done\nplain old line\n");
}

TEST_CASE("tail counts output lines") {
  std::string out = "a\nb\nc\n";
  CHECK(out.substr(TailOffset(out, 2)) == "b\nc\n");
  CHECK(out.substr(TailOffset(out, 5)) == out);
  CHECK(out.substr(TailOffset(out, 0)).empty());
  CHECK(out.substr(TailOffset(out, -1)) == out);
}
