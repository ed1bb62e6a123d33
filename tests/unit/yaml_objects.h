// Test objects written the way users write them: YAML decoded with the real codec.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "api/json_codec.h"
#include "api/yaml_json.h"

template <typename T>
std::shared_ptr<T> FromYaml(const std::string& yaml) {
  auto doc = gantry::api::ParseDocument(yaml);
  REQUIRE_MESSAGE(doc.ok(), yaml);
  auto out = std::make_shared<T>();
  REQUIRE(gantry::api::DecodeJson(*doc, out.get(), nullptr).ok());
  return out;
}
