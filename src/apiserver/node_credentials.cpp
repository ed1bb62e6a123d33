#include "apiserver/node_credentials.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include <filesystem>
#include <map>

#include "common/files.h"
#include "common/join_token.h"
#include "common/tls.h"

namespace gantry::apiserver {

absl::StatusOr<std::unique_ptr<NodeCredentials>> NodeCredentials::Open(std::string path) {
  auto creds = std::unique_ptr<NodeCredentials>(new NodeCredentials(path));
  if (!std::filesystem::exists(path)) return creds;
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::MutexLock lock(&creds->mu_);
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipWhitespace())) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (parts.size() != 2) return absl::DataLossError(absl::StrCat(path, ": malformed line \"", line, "\""));
    creds->hashes_[parts[0]] = parts[1];
  }
  return creds;
}

absl::StatusOr<std::string> NodeCredentials::Issue(const std::string& node) {
  auto token = tls::RandomToken();
  if (!token.ok()) return token.status();
  absl::MutexLock lock(&mu_);
  hashes_[node] = Sha256Hex(*token);
  if (auto s = Save(); !s.ok()) return s;
  return token;
}

bool NodeCredentials::Verify(const std::string& node, const std::string& token) const {
  absl::MutexLock lock(&mu_);
  auto it = hashes_.find(node);
  return it != hashes_.end() && SecretsEqual(it->second, Sha256Hex(token));
}

absl::Status NodeCredentials::Save() const {
  std::map<std::string, std::string> sorted(hashes_.begin(), hashes_.end());
  std::string out;
  for (const auto& [node, hash] : sorted) absl::StrAppend(&out, node, " ", hash, "\n");
  return WriteFileAtomic(path_, out, 0600);
}

}  // namespace gantry::apiserver
