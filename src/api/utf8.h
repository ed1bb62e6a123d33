// UTF-8 well-formedness (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF). Every string gantry stores must pass: protobuf, JSON
// encoders and clients all assume it.
#pragma once

#include <absl/strings/string_view.h>

namespace gantry::api {

bool IsValidUtf8(absl::string_view text);

}  // namespace gantry::api
