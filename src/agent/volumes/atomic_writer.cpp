#include "agent/volumes/atomic_writer.h"

#include <absl/container/flat_hash_set.h>
#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>
#include <absl/time/time.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/files.h"

namespace fs = std::filesystem;

namespace gantry::agent {
namespace {

constexpr char kDataLink[] = "..data";

bool SameContent(const fs::path& data, const std::vector<VolumeFile>& files) {
  std::error_code ec;
  if (!fs::is_directory(data, ec)) return false;
  size_t regular = 0;
  for (const auto& entry : fs::recursive_directory_iterator(data, ec)) {
    if (entry.is_regular_file(ec)) ++regular;
  }
  if (regular != files.size()) return false;
  for (const VolumeFile& f : files) {
    fs::path path = data / f.path;
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || static_cast<int>(st.st_mode & 07777) != f.mode) return false;
    auto content = ReadFile(path.string());
    if (!content.ok() || *content != f.content) return false;
  }
  return true;
}

std::string TopLevel(const std::string& path) { return path.substr(0, path.find('/')); }

}  // namespace

absl::StatusOr<bool> WriteVolumeAtomically(const std::string& dir, const std::vector<VolumeFile>& files) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("creating ", dir, ": ", ec.message()));
  const fs::path root(dir);
  if (SameContent(root / kDataLink, files)) return false;
  fs::path previous = fs::read_symlink(root / kDataLink, ec);
  if (ec) previous.clear();
  std::string stamp = absl::FormatTime("..%Y_%m_%d_%H_%M_%E9S", absl::Now(), absl::UTCTimeZone());
  fs::path fresh = root / stamp;
  fs::create_directory(fresh, ec);
  if (ec) return absl::InternalError(absl::StrCat("creating ", fresh.string(), ": ", ec.message()));
  for (const VolumeFile& f : files) {
    fs::path path = fresh / f.path;
    fs::create_directories(path.parent_path(), ec);
    // The files' durability is the node's: a container restarted after a
    // crash of the machine gets them written again.
    if (auto s = WriteFileAtomic(path.string(), f.content, static_cast<mode_t>(f.mode), Durability::kProcessOnly); !s.ok()) {
      return s;
    }
    chmod(path.c_str(), static_cast<mode_t>(f.mode));  // not narrowed by the agent's umask
  }
  fs::path staged = root / "..data_tmp";
  fs::remove(staged, ec);
  fs::create_symlink(stamp, staged, ec);
  if (ec) return absl::InternalError(absl::StrCat("linking ", staged.string(), ": ", ec.message()));
  fs::rename(staged, root / kDataLink, ec);
  if (ec) return absl::InternalError(absl::StrCat("swapping ", (root / kDataLink).string(), ": ", ec.message()));
  absl::flat_hash_set<std::string> wanted;
  for (const VolumeFile& f : files) wanted.insert(TopLevel(f.path));
  for (const std::string& name : wanted) {
    fs::path link = root / name;
    if (!fs::is_symlink(link, ec)) fs::create_symlink(fs::path(kDataLink) / name, link, ec);
  }
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("..", 0) == 0) continue;
    if (!wanted.contains(name)) fs::remove(entry.path(), ec);
  }
  if (!previous.empty()) fs::remove_all(root / previous, ec);
  return true;
}

}  // namespace gantry::agent
