#include "agent/machine.h"

#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <sched.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "common/files.h"
#include "common/tls.h"

namespace gantry::agent {
namespace {

// A field of /proc/meminfo ("MemTotal:", "MemAvailable:") in bytes.
int64_t MemInfoBytes(const std::string& field) {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == field) return kib * 1024;
  }
  return 0;
}

int CpuCount() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
}

// GPUs as nvidia-smi lists them ("GPU 0: ..." per line); 0 without the tool.
int GpuCount() {
  FILE* p = popen("nvidia-smi -L 2>/dev/null", "r");
  if (p == nullptr) return 0;
  int count = 0;
  char line[512];
  while (fgets(line, sizeof(line), p) != nullptr) {
    if (absl::StartsWith(line, "GPU ")) ++count;
  }
  pclose(p);
  return count;
}

std::string OsImage() {
  auto text = ReadFile("/etc/os-release");
  if (!text.ok()) return "Linux";
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (!absl::ConsumePrefix(&line, "PRETTY_NAME=")) continue;
    absl::ConsumePrefix(&line, "\"");
    absl::ConsumeSuffix(&line, "\"");
    return std::string(line);
  }
  return "Linux";
}

std::string GoArch(const std::string& machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  return machine;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParseLabels(const std::string& text) {
  std::map<std::string, std::string> out;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::vector<std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("--node-labels: \"", item, "\" is not key=value"));
    }
    out[kv[0]] = kv[1];
  }
  return out;
}

absl::StatusOr<std::vector<api::Taint>> ParseTaints(const std::string& text) {
  std::vector<api::Taint> out;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    size_t colon = item.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("--node-taints: \"", item, "\" is not key[=value]:Effect"));
    }
    api::Taint t;
    std::string effect(item.substr(colon + 1));
    if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
      return absl::InvalidArgumentError(absl::StrCat("--node-taints: effect \"", effect,
                                                     "\" is not NoSchedule, PreferNoSchedule or NoExecute"));
    }
    std::vector<std::string> kv = absl::StrSplit(item.substr(0, colon), absl::MaxSplits('=', 1));
    if (kv[0].empty()) return absl::InvalidArgumentError(absl::StrCat("--node-taints: \"", item, "\" has no key"));
    t.set_key(kv[0]);
    if (kv.size() == 2) t.set_value(kv[1]);
    t.set_effect(effect);
    out.push_back(t);
  }
  return out;
}

absl::StatusOr<api::Node> DescribeMachine(const NodeSettings& settings) {
  utsname uts{};
  uname(&uts);
  api::Node node;
  std::string name = settings.name.empty() ? absl::AsciiStrToLower(uts.nodename) : settings.name;
  node.mutable_metadata()->set_name(name);
  auto& labels = *node.mutable_metadata()->mutable_labels();
  labels["kubernetes.io/hostname"] = name;
  labels["kubernetes.io/os"] = "linux";
  labels["kubernetes.io/arch"] = GoArch(uts.machine);
  for (const auto& [k, v] : settings.labels) labels[k] = v;
  for (const auto& t : settings.taints) *node.mutable_spec()->add_taints() = t;

  struct statvfs fs {};
  if (statvfs(settings.data_dir.c_str(), &fs) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("cannot stat --data-dir ", settings.data_dir));
  }
  auto& capacity = *node.mutable_status()->mutable_capacity();
  capacity["cpu"] = std::to_string(CpuCount());
  capacity["memory"] = absl::StrCat(MemInfoBytes("MemTotal:") / 1024, "Ki");
  capacity["ephemeral-storage"] = absl::StrCat(static_cast<int64_t>(fs.f_blocks) * fs.f_frsize / 1024, "Ki");
  capacity["pods"] = std::to_string(settings.max_pods);
  if (int gpus = GpuCount(); gpus > 0) capacity["nvidia.com/gpu"] = std::to_string(gpus);
  *node.mutable_status()->mutable_allocatable() = capacity;

  auto* info = node.mutable_status()->mutable_node_info();
  info->set_kernel_version(uts.release);
  info->set_os_image(OsImage());
  info->set_operating_system("linux");
  info->set_architecture(GoArch(uts.machine));
  info->set_container_runtime_version("gantry-process://" GANTRY_VERSION);
  info->set_kubelet_version("v1.32.0-gantry");
  auto first_line = [](const char* path) -> std::string {
    auto text = ReadFile(path);
    return text.ok() ? std::string(absl::StripAsciiWhitespace(*text)) : std::string();
  };
  info->set_machine_id(first_line("/etc/machine-id"));
  info->set_boot_id(first_line("/proc/sys/kernel/random/boot_id"));
  // The firmware's UUID, as kubelet reports it; a VM without DMI has the machine id.
  std::string uuid = first_line("/sys/class/dmi/id/product_uuid");
  info->set_system_uuid(uuid.empty() ? info->machine_id() : uuid);
  for (const std::string& host : tls::LocalHostNames()) {
    if (host != "127.0.0.1" && host != "localhost" && host != "::1" && absl::ascii_isdigit(host[0])) {
      auto* address = node.mutable_status()->add_addresses();
      address->set_type("InternalIP");
      address->set_address(host);
      break;
    }
  }
  auto* hostname = node.mutable_status()->add_addresses();
  hostname->set_type("Hostname");
  hostname->set_address(name);
  return node;
}

MachineUsage::Sample MachineUsage::Next() {
  Sample out;
  std::ifstream stat("/proc/stat");
  std::string cpu;
  uint64_t v[8] = {};
  stat >> cpu >> v[0] >> v[1] >> v[2] >> v[3] >> v[4] >> v[5] >> v[6] >> v[7];
  uint64_t idle = v[3] + v[4];  // idle + iowait
  uint64_t total = 0;
  for (uint64_t x : v) total += x;
  if (last_total_ > 0 && total > last_total_) {
    double busy = 1.0 - static_cast<double>(idle - last_idle_) / static_cast<double>(total - last_total_);
    out.cpu_millicores = static_cast<int64_t>(busy * 1000.0 * CpuCount());
  }
  last_total_ = total;
  last_idle_ = idle;
  out.memory_capacity_bytes = MemInfoBytes("MemTotal:");
  out.memory_bytes = out.memory_capacity_bytes - MemInfoBytes("MemAvailable:");
  return out;
}

}  // namespace gantry::agent
