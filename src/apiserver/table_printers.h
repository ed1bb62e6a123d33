// Server-side meta.k8s.io/v1 Tables: the columns kubectl shows for each kind,
// formatted by the server (AGE as "5m", READY as "1/1").
#pragma once

#include <google/protobuf/message.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "api/kinds.h"

namespace gantry::apiserver {

enum class TableObjects { kNone, kMetadata, kObject };

nlohmann::json ToTable(const api::KindInfo& kind,
                       const std::vector<std::shared_ptr<const google::protobuf::Message>>& objects,
                       TableObjects include, bool with_columns, const std::string& resource_version);

}  // namespace gantry::apiserver
