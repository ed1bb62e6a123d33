// YAML text to JSON values through libyaml's event parser, with no
// recursion: an explicit stack bounded by kMaxNestingDepth, aliases copied
// against an expansion budget, scalars typed the way Kubernetes' YAML reader
// types them (so `cpu: 1` is a number and `"1"` a string).
#pragma once

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace gantry::api {

// Every document of the stream (empty documents included, as null).
// BadRequest on malformed YAML, invalid UTF-8, nesting deeper than
// kMaxNestingDepth, an unknown or self-referential alias, or aliases that
// expand beyond `max_expansion` nodes and bytes.
absl::StatusOr<std::vector<nlohmann::json>> ReadYamlStream(absl::string_view text, size_t max_expansion);

// A plain (unquoted) scalar typed: null, bool, int64, double or string.
absl::StatusOr<nlohmann::json> TypePlainScalar(absl::string_view text);

}  // namespace gantry::api
