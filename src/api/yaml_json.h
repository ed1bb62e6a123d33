// YAML and JSON documents to nlohmann::json, with YAML scalars typed the way
// Kubernetes' YAML reader types them (so `cpu: 1` is a number, `"1"` a string).
#pragma once

#include <absl/status/statusor.h>

#include <nlohmann/json.hpp>

#include <absl/strings/string_view.h>

#include <string>
#include <vector>

namespace gantry::api {

// No decoder of client input builds a value nested deeper than this: every
// walk over a decoded value (patches, encoders, comparisons) may then recurse.
inline constexpr int kMaxNestingDepth = 1000;

// Strict JSON; BadRequest with the parser's position on malformed input.
absl::StatusOr<nlohmann::json> ParseJson(absl::string_view text);

// Inputs must be UTF-8; values nested deeper than kMaxNestingDepth and YAML
// whose aliases expand to more than a few times its own size are BadRequest.
// One document: JSON when it parses as JSON, YAML otherwise.
absl::StatusOr<nlohmann::json> ParseDocument(absl::string_view text);

// Every non-empty document of a multi-document YAML stream (or one JSON value;
// a JSON/YAML "List" kind is expanded into its items).
absl::StatusOr<std::vector<nlohmann::json>> ParseDocuments(absl::string_view text);

std::string ToYaml(const nlohmann::json& value);

}  // namespace gantry::api
