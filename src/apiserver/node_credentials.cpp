#include "apiserver/node_credentials.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/files.h"
#include "common/join_token.h"
#include "common/tls.h"

namespace gantry::apiserver {

absl::StatusOr<std::unique_ptr<NodeCredentials>> NodeCredentials::Open(std::string path) {
  if (!std::filesystem::exists(path)) return std::unique_ptr<NodeCredentials>(new NodeCredentials(path));
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return Parse(std::move(path), *text);
}

absl::StatusOr<std::unique_ptr<NodeCredentials>> NodeCredentials::Parse(std::string path, absl::string_view text) {
  auto creds = std::unique_ptr<NodeCredentials>(new NodeCredentials(path));
  absl::MutexLock lock(&creds->mu_);
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (parts.size() != 3) return absl::DataLossError(absl::StrCat(path, ": malformed line \"", line, "\""));
    if (parts[0] == "node") {
      creds->nodes_[parts[1]] = parts[2];
    } else if (parts[0] == "fleet") {
      creds->fleets_[parts[1]] = parts[2];
    } else if (parts[0] == "member") {
      creds->member_[parts[1]] = parts[2];
    } else {
      return absl::DataLossError(absl::StrCat(path, ": unknown entry \"", parts[0], "\""));
    }
  }
  return creds;
}

absl::StatusOr<std::string> NodeCredentials::Issue(const std::string& node) {
  auto token = tls::RandomToken();
  if (!token.ok()) return token.status();
  absl::MutexLock lock(&mu_);
  nodes_[node] = Sha256Hex(*token);
  member_.erase(node);
  if (auto s = Save(); !s.ok()) return s;
  return token;
}

absl::StatusOr<std::string> NodeCredentials::IssueFleet(const std::string& fleet, const std::vector<std::string>& nodes) {
  auto token = tls::RandomToken();
  if (!token.ok()) return token.status();
  absl::MutexLock lock(&mu_);
  fleets_[fleet] = Sha256Hex(*token);
  absl::erase_if(member_, [&](const auto& m) { return m.second == fleet; });
  for (const std::string& node : nodes) {
    member_[node] = fleet;
    nodes_.erase(node);
  }
  if (auto s = Save(); !s.ok()) return s;
  return token;
}

bool NodeCredentials::Verify(const std::string& node, const std::string& token) const {
  std::string hash = Sha256Hex(token);
  absl::MutexLock lock(&mu_);
  if (auto it = nodes_.find(node); it != nodes_.end()) return SecretsEqual(it->second, hash);
  auto member = member_.find(node);
  if (member == member_.end()) return false;
  auto fleet = fleets_.find(member->second);
  return fleet != fleets_.end() && SecretsEqual(fleet->second, hash);
}

bool NodeCredentials::VerifyFleet(const std::string& fleet, const std::string& token) const {
  std::string hash = Sha256Hex(token);
  absl::MutexLock lock(&mu_);
  auto it = fleets_.find(fleet);
  return it != fleets_.end() && SecretsEqual(it->second, hash);
}

std::vector<std::string> NodeCredentials::FleetNodes(const std::string& fleet) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [node, f] : member_) {
    if (f == fleet) out.push_back(node);
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status NodeCredentials::Save() const {
  std::map<std::string, std::string> sorted_nodes(nodes_.begin(), nodes_.end());
  std::map<std::string, std::string> sorted_fleets(fleets_.begin(), fleets_.end());
  std::map<std::string, std::string> sorted_members(member_.begin(), member_.end());
  std::string out;
  for (const auto& [node, hash] : sorted_nodes) absl::StrAppend(&out, "node ", node, " ", hash, "\n");
  for (const auto& [fleet, hash] : sorted_fleets) absl::StrAppend(&out, "fleet ", fleet, " ", hash, "\n");
  for (const auto& [node, fleet] : sorted_members) absl::StrAppend(&out, "member ", node, " ", fleet, "\n");
  return WriteFileAtomic(path_, out, 0600);
}

}  // namespace gantry::apiserver
