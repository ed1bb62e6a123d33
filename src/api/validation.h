// Validation of objects before they are stored. Errors are 422 Invalid
// with one cause per offending field, as Kubernetes reports them.
#pragma once

#include <absl/status/status.h>
#include <google/protobuf/message.h>

#include "api/errors.h"
#include "api/kinds.h"
#include "core.pb.h"

#include <cstddef>

namespace gantry::api {

// Kubernetes' limit on the keys and values of an object's annotations, summed.
inline constexpr size_t kMaxAnnotationBytes = 256 << 10;

// `old` is the stored object on update, nullptr on create.
absl::Status Validate(const KindInfo& kind, const google::protobuf::Message& object,
                      const google::protobuf::Message* old);

// A workload's pod template, its fields reported under `path` ("spec.template").
void ValidatePodTemplate(const PodTemplateSpec& template_, absl::string_view path,
                         std::vector<FieldCause>* causes);

bool IsDns1123Label(absl::string_view s);
bool IsDns1123Subdomain(absl::string_view s);

}  // namespace gantry::api
