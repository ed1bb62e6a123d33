#include "common/process_metrics.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>

#include "common/files.h"

namespace gantry::metrics {
namespace {

// Fields of /proc/self/stat after the command name, which may hold spaces;
// field 3 (state) is index 0.
std::vector<std::string> StatFields() {
  auto stat = ReadFile("/proc/self/stat");
  if (!stat.ok()) return {};
  size_t close = stat->rfind(')');
  if (close == std::string::npos || close + 2 > stat->size()) return {};
  return absl::StrSplit(stat->substr(close + 2), ' ');
}

double StatField(const std::vector<std::string>& fields, int field) {
  double value = 0;
  size_t index = static_cast<size_t>(field - 3);
  if (index < fields.size()) (void)absl::SimpleAtod(fields[index], &value);
  return value;
}

// A "Name:   123 kB" line of /proc/self/status, in bytes.
double StatusBytes(absl::string_view name) {
  auto status = ReadFile("/proc/self/status");
  if (!status.ok()) return 0;
  for (absl::string_view line : absl::StrSplit(*status, '\n')) {
    if (!absl::ConsumePrefix(&line, name) || !absl::ConsumePrefix(&line, ":")) continue;
    line = absl::StripAsciiWhitespace(line);
    absl::ConsumeSuffix(&line, " kB");
    double kb = 0;
    (void)absl::SimpleAtod(line, &kb);
    return kb * 1024;
  }
  return 0;
}

double BootTimeSeconds() {
  auto stat = ReadFile("/proc/stat");
  if (!stat.ok()) return 0;
  for (absl::string_view line : absl::StrSplit(*stat, '\n')) {
    if (absl::ConsumePrefix(&line, "btime ")) {
      double seconds = 0;
      (void)absl::SimpleAtod(line, &seconds);
      return seconds;
    }
  }
  return 0;
}

}  // namespace

void RegisterProcessMetrics(Registry& registry, const std::string& version) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  registry.AddCallbackCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                              [ticks] {
                                std::vector<std::string> stat = StatFields();  // utime and stime from one read
                                return (StatField(stat, 14) + StatField(stat, 15)) / ticks;
                              });
  registry.AddCallbackGauge("process_resident_memory_bytes", "Resident memory size in bytes.",
                            [] { return StatusBytes("VmRSS"); });
  registry.AddCallbackGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                            [] { return StatusBytes("VmSize"); });
  registry.AddCallbackGauge("gantry_process_peak_resident_memory_bytes",
                            "The most resident memory the process has had, in bytes (VmHWM).",
                            [] { return StatusBytes("VmHWM"); });
  const double started = BootTimeSeconds() + StatField(StatFields(), 22) / ticks;
  registry.AddCallbackGauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                            [started] { return started; });
  registry.AddCallbackGauge("process_open_fds", "Number of open file descriptors.", [] {
    std::error_code ec;
    double open = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::end(it);
         it.increment(ec)) {
      ++open;
    }
    return open;
  });
  registry.AddCallbackGauge("process_max_fds", "Maximum number of open file descriptors.", [] {
    rlimit limit{};
    return getrlimit(RLIMIT_NOFILE, &limit) == 0 ? static_cast<double>(limit.rlim_cur) : 0;
  });
  registry.AddGauge("gantry_build_info", "A metric with a constant '1' value labeled by the gantry version.",
                    {"version"})
      .WithLabels({version})
      .Set(1);
}

}  // namespace gantry::metrics
