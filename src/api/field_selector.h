// Field selectors (`spec.nodeName=n1,status.phase!=Failed`). A field is any
// scalar reached by its JSON path, e.g. involvedObject.uid on events.
#pragma once

#include <absl/status/statusor.h>
#include <google/protobuf/message.h>

#include <string>
#include <absl/strings/string_view.h>
#include <vector>

namespace gantry::api {

class FieldSelector {
 public:
  static absl::StatusOr<FieldSelector> Parse(absl::string_view text);

  bool Empty() const { return terms_.empty(); }
  bool Matches(const google::protobuf::Message& object) const;
  // BadRequest when a term names a field that `prototype`'s kind lacks.
  absl::Status CheckFields(const google::protobuf::Message& prototype) const;
  // The value an `=` term pins `field` to, if any (lets the store narrow a scan).
  const std::string* Pinned(absl::string_view field) const;

 private:
  struct Term {
    std::vector<std::string> path;
    std::string field;
    bool negated = false;
    std::string value;
  };
  std::vector<Term> terms_;
};

// The value of the scalar at a JSON path ("spec.nodeName"); "" when unset.
absl::StatusOr<std::string> FieldValue(const google::protobuf::Message& object,
                                       const std::vector<std::string>& path);

}  // namespace gantry::api
