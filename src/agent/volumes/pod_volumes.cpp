#include "agent/volumes/pod_volumes.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/volumes/atomic_writer.h"
#include "agent/volumes/volume_files.h"
#include "api/quantity.h"
#include "common/files.h"

namespace fs = std::filesystem;

namespace gantry::agent {
namespace {

constexpr char kMountPointsFile[] = "/mountpoints";

const api::Volume* FindVolume(const api::Pod& pod, const std::string& name) {
  for (const auto& v : pod.spec().volumes()) {
    if (v.name() == name) return &v;
  }
  return nullptr;
}

int64_t SizeLimitBytes(const api::EmptyDirVolumeSource& dir) {
  if (dir.size_limit().empty()) return 0;
  auto q = api::Quantity::Parse(dir.size_limit());
  return q.ok() ? q->Value() : 0;
}

bool IsMountPoint(const std::string& path) {
  struct stat self {};
  struct stat parent {};
  return stat(path.c_str(), &self) == 0 && stat((fs::path(path) / "..").c_str(), &parent) == 0 &&
         self.st_dev != parent.st_dev;
}

// Bytes a directory tree takes on disk, as du counts them.
int64_t DiskUsage(const std::string& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; it != end;
       it.increment(ec)) {
    struct stat st {};
    if (lstat(it->path().c_str(), &st) == 0) total += static_cast<int64_t>(st.st_blocks) * 512;
  }
  return total;
}

absl::Status CheckHostPath(const api::HostPathVolumeSource& host) {
  const std::string& path = host.path();
  const std::string& type = host.type();
  struct stat st {};
  bool exists = stat(path.c_str(), &st) == 0;
  std::error_code ec;
  if (type == "DirectoryOrCreate" && !exists) {
    fs::create_directories(path, ec);
    if (ec) return absl::InternalError(absl::StrCat("creating directory ", path, ": ", ec.message()));
    chmod(path.c_str(), 0755);
    return absl::OkStatus();
  }
  if (type == "FileOrCreate" && !exists) {
    std::ofstream create(path, std::ios::app);
    if (!create) return absl::InternalError(absl::StrCat("creating file ", path));
    chmod(path.c_str(), 0644);
    return absl::OkStatus();
  }
  auto want = [&](bool ok, const char* what) {
    return ok ? absl::OkStatus() : absl::NotFoundError(absl::StrCat("hostPath type check failed: ", path, " is not ", what));
  };
  if (type == "Directory" || type == "DirectoryOrCreate") return want(exists && S_ISDIR(st.st_mode), "a directory");
  if (type == "File" || type == "FileOrCreate") return want(exists && S_ISREG(st.st_mode), "a file");
  if (type == "Socket") return want(exists && S_ISSOCK(st.st_mode), "a socket");
  if (type == "CharDevice") return want(exists && S_ISCHR(st.st_mode), "a character device");
  if (type == "BlockDevice") return want(exists && S_ISBLK(st.st_mode), "a block device");
  return absl::OkStatus();
}

}  // namespace

PodVolumes::PodVolumes(std::string pod_dir) : pod_dir_(std::move(pod_dir)) {}

std::string PodVolumes::VolumeDir(const std::string& name) const { return absl::StrCat(pod_dir_, "/volumes/", name); }

std::vector<std::string> PodVolumes::MountPaths(const api::Pod& pod) {
  std::vector<std::string> out;
  for (const auto* list : {&pod.spec().init_containers(), &pod.spec().containers()}) {
    for (const auto& c : *list) {
      for (const auto& m : c.volume_mounts()) out.push_back(m.mount_path());
    }
  }
  return out;
}

absl::Status PodVolumes::SetUpVolume(const api::Volume& volume, const api::Pod& pod, const api::PodConfig& config,
                                     const NodeFacts& node) {
  if (volume.has_host_path()) return CheckHostPath(volume.host_path());
  std::string dir = VolumeDir(volume.name());
  std::error_code ec;
  if (volume.has_empty_dir()) {
    fs::create_directories(dir, ec);
    if (ec) return absl::InternalError(absl::StrCat("creating ", dir, ": ", ec.message()));
    if (volume.empty_dir().medium() == "Memory" && !IsMountPoint(dir)) {
      // Without a sizeLimit, as kubelet: as large as the node's allocatable memory.
      int64_t size = SizeLimitBytes(volume.empty_dir());
      if (size == 0) {
        auto it = node.allocatable.find("memory");
        auto q = api::Quantity::Parse(it == node.allocatable.end() ? "0" : it->second);
        size = q.ok() ? q->Value() : 0;
      }
      std::string options = size > 0 ? absl::StrCat("mode=0777,size=", size) : "mode=0777";
      if (mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
        return absl::InternalError(absl::StrCat("mounting a tmpfs at ", dir, ": ", strerror(errno)));
      }
    }
    chmod(dir.c_str(), 0777);  // kubelet's mode: any user of the pod may write
    return absl::OkStatus();
  }
  if (IsProjectedVolume(volume)) {
    auto files = VolumeFiles(volume, pod, config, node);
    if (!files.ok()) return files.status();
    return WriteVolumeAtomically(dir, *files).status();
  }
  return absl::UnimplementedError("its source is not one gantry provides (emptyDir, hostPath, configMap, secret, "
                                  "downwardAPI, projected)");
}

absl::Status PodVolumes::SetUp(const api::Pod& pod, const api::PodConfig& config, const NodeFacts& node) {
  for (const auto& volume : pod.spec().volumes()) {
    if (auto s = SetUpVolume(volume, pod, config, node); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("MountVolume.SetUp failed for volume \"", volume.name(), "\" : ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> PodVolumes::Refresh(const api::Pod& pod, const api::PodConfig& config,
                                                             const NodeFacts& node) {
  std::vector<std::string> changed;
  for (const auto& volume : pod.spec().volumes()) {
    if (!IsProjectedVolume(volume)) continue;
    auto files = VolumeFiles(volume, pod, config, node);
    if (!files.ok()) return files.status();
    auto written = WriteVolumeAtomically(VolumeDir(volume.name()), *files);
    if (!written.ok()) return written.status();
    if (*written) changed.push_back(volume.name());
  }
  return changed;
}

absl::Status PodVolumes::MakeMountPoint(const std::string& target, bool directory) {
  std::error_code ec;
  if (fs::exists(target, ec)) return absl::OkStatus();
  fs::path path = fs::path(target).lexically_normal();
  if (path.filename().empty()) path = path.parent_path();
  fs::path missing = path;
  while (!missing.parent_path().empty() && missing.parent_path() != missing && !fs::exists(missing.parent_path(), ec)) {
    missing = missing.parent_path();
  }
  // Each path made, outermost first, so TearDown removes them innermost first.
  std::string record;
  for (fs::path at = missing;; at = at / path.lexically_relative(at).begin()->string()) {
    bool last = at == path;
    if (last && !directory) {
      std::ofstream file(at);
      if (!file) return absl::InternalError(absl::StrCat("creating mount point ", at.string()));
    } else {
      fs::create_directory(at, ec);
      if (ec) return absl::InternalError(absl::StrCat("creating mount point ", at.string(), ": ", ec.message()));
    }
    absl::StrAppend(&record, at.string(), "\n");
    if (last) break;
  }
  std::ofstream out(pod_dir_ + kMountPointsFile, std::ios::app);
  out << record;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ShimMount>> PodVolumes::MountsFor(const api::Pod& pod, const api::Container& container) {
  std::vector<ShimMount> out;
  for (const auto& m : container.volume_mounts()) {
    const api::Volume* volume = FindVolume(pod, m.name());
    if (volume == nullptr) return absl::NotFoundError(absl::StrCat("volumeMount ", m.name(), " names no volume of the pod"));
    std::string source = volume->has_host_path() ? volume->host_path().path() : VolumeDir(volume->name());
    std::error_code ec;
    if (!m.sub_path().empty()) {
      source = absl::StrCat(source, "/", m.sub_path());
      // As kubelet: a subPath missing from a writable volume is made a directory.
      if (!fs::exists(source, ec) && (volume->has_empty_dir() || volume->has_host_path())) fs::create_directories(source, ec);
      if (!fs::exists(source, ec)) {
        return absl::NotFoundError(absl::StrCat("subPath ", m.sub_path(), " does not exist in volume ", m.name()));
      }
    }
    if (auto s = MakeMountPoint(m.mount_path(), fs::is_directory(source, ec)); !s.ok()) return s;
    // ConfigMap, Secret, downward API and projected volumes are read-only, as in Kubernetes.
    out.push_back({source, m.mount_path(), m.read_only() || IsProjectedVolume(*volume)});
  }
  return out;
}

std::optional<std::string> PodVolumes::OverLimit(const api::Pod& pod) const {
  for (const auto& volume : pod.spec().volumes()) {
    if (!volume.has_empty_dir() || volume.empty_dir().medium() == "Memory") continue;
    int64_t limit = SizeLimitBytes(volume.empty_dir());
    if (limit <= 0) continue;
    if (DiskUsage(VolumeDir(volume.name())) > limit) {
      return absl::StrCat("Usage of EmptyDir volume \"", volume.name(), "\" exceeds the limit \"",
                          volume.empty_dir().size_limit(), "\".");
    }
  }
  return std::nullopt;
}

void PodVolumes::TearDown(const api::Pod& pod, const absl::flat_hash_set<std::string>& mounted_elsewhere) {
  for (const auto& volume : pod.spec().volumes()) {
    std::string dir = VolumeDir(volume.name());
    if (volume.has_empty_dir() && volume.empty_dir().medium() == "Memory" && IsMountPoint(dir) &&
        umount2(dir.c_str(), MNT_DETACH) != 0) {
      spdlog::warn("runtime: unmounting {}: {}", dir, strerror(errno));
    }
  }
  auto recorded = ReadFile(pod_dir_ + kMountPointsFile);
  if (!recorded.ok()) return;
  std::vector<std::string> made = absl::StrSplit(*recorded, '\n', absl::SkipEmpty());
  for (auto it = made.rbegin(); it != made.rend(); ++it) {
    bool needed = false;
    for (const std::string& other : mounted_elsewhere) {
      needed |= other == *it || other.rfind(*it + "/", 0) == 0;
    }
    if (needed) continue;
    struct stat st {};
    if (lstat(it->c_str(), &st) != 0) continue;
    // Only what is still as it was made: an empty directory or file.
    if (S_ISDIR(st.st_mode)) {
      rmdir(it->c_str());
    } else if (S_ISREG(st.st_mode) && st.st_size == 0) {
      unlink(it->c_str());
    }
  }
}

}  // namespace gantry::agent
