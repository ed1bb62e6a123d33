// Label selectors in Kubernetes' string syntax (`app=web,tier!=db,env in
// (a,b),!legacy`) and from the LabelSelector object form.
#pragma once

#include <absl/status/statusor.h>

#include <algorithm>
#include <string>
#include <absl/strings/string_view.h>
#include <vector>

#include "meta.pb.h"

namespace gantry::api {

struct LabelRequirement {
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt };
  std::string key;
  Op op = Op::kEquals;
  std::vector<std::string> values;

  template <typename Map>
  bool Matches(const Map& labels) const;
};

class LabelMatcher {
 public:
  static absl::StatusOr<LabelMatcher> Parse(absl::string_view text);
  static absl::StatusOr<LabelMatcher> FromProto(const api::LabelSelector& selector);

  bool Empty() const { return requirements_.empty(); }
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }

  // `labels` is any map with find(std::string) -> iterator to {key, value}.
  template <typename Map>
  bool Matches(const Map& labels) const {
    return std::all_of(requirements_.begin(), requirements_.end(),
                       [&](const LabelRequirement& r) { return r.Matches(labels); });
  }

 private:
  std::vector<LabelRequirement> requirements_;
};

bool NumericLess(absl::string_view a, absl::string_view b, bool* ok);

template <typename Map>
bool LabelRequirement::Matches(const Map& labels) const {
  auto it = labels.find(key);
  bool present = it != labels.end();
  auto in_values = [&] {
    return present && std::find(values.begin(), values.end(), it->second) != values.end();
  };
  switch (op) {
    case Op::kEquals:
    case Op::kIn:
      return in_values();
    case Op::kNotEquals:
    case Op::kNotIn:
      return !in_values();
    case Op::kExists:
      return present;
    case Op::kDoesNotExist:
      return !present;
    case Op::kGt:
    case Op::kLt: {
      if (!present || values.size() != 1) return false;
      bool ok = false;
      bool less = op == Op::kGt ? NumericLess(values[0], it->second, &ok)
                                : NumericLess(it->second, values[0], &ok);
      return ok && less;
    }
  }
  return false;
}

}  // namespace gantry::api
