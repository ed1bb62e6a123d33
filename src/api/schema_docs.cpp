#include "api/schema_docs.h"

#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>
#include <absl/strings/ascii.h>
#include <google/protobuf/descriptor.pb.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <memory>
#include <vector>

namespace gantry::api {

extern const unsigned char kApiDescriptorSet[];
extern const std::size_t kApiDescriptorSetSize;

namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptorSet;
using google::protobuf::SourceLocation;

// A pool of its own, because the generated pool keeps no source info.
const DescriptorPool& DocumentedPool() {
  static const DescriptorPool* pool = [] {
    auto* built = new DescriptorPool();
    FileDescriptorSet set;
    if (!set.ParseFromArray(kApiDescriptorSet, static_cast<int>(kApiDescriptorSetSize))) {
      spdlog::error("the embedded API descriptor set does not parse; schemas have no descriptions");
      return built;
    }
    for (const auto& file : set.file()) {
      if (built->BuildFile(file) == nullptr) spdlog::error("embedded API schema {} does not build", file.name());
    }
    return built;
  }();
  return *pool;
}

// Joins the comment's lines into paragraphs: a blank line separates them, as
// in Kubernetes' descriptions.
std::string Reflow(const std::string& comment) {
  std::vector<std::string> paragraphs(1);
  for (absl::string_view line : absl::StrSplit(comment, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) {
      if (!paragraphs.back().empty()) paragraphs.emplace_back();
      continue;
    }
    if (!paragraphs.back().empty()) paragraphs.back() += ' ';
    paragraphs.back().append(line.data(), line.size());
  }
  if (paragraphs.back().empty()) paragraphs.pop_back();
  return absl::StrJoin(paragraphs, "\n\n");
}

template <typename D>
std::string Leading(const D* documented) {
  SourceLocation location;
  if (documented == nullptr || !documented->GetSourceLocation(&location)) return "";
  return Reflow(location.leading_comments.empty() ? location.trailing_comments : location.leading_comments);
}

}  // namespace

std::string DescriptionOf(const google::protobuf::Descriptor& message) {
  return Leading(DocumentedPool().FindMessageTypeByName(message.full_name()));
}

std::string DescriptionOf(const google::protobuf::FieldDescriptor& field) {
  const auto* message = DocumentedPool().FindMessageTypeByName(field.containing_type()->full_name());
  return Leading(message == nullptr ? nullptr : message->FindFieldByName(field.name()));
}

}  // namespace gantry::api
