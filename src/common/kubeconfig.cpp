#include "common/kubeconfig.h"

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>
#include <yaml-cpp/yaml.h>

#include "common/files.h"

namespace gantry {
namespace {

YAML::Node FindNamed(const YAML::Node& list, const std::string& name) {
  if (!list.IsSequence()) return YAML::Node();
  for (const auto& item : list) {
    if (item["name"] && item["name"].as<std::string>() == name) return item;
  }
  return YAML::Node();
}

}  // namespace

absl::Status WriteKubeconfig(const std::string& path, const Kubeconfig& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Config";
  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << "gantry";
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << config.server;
  out << YAML::Key << "certificate-authority-data" << YAML::Value << absl::Base64Escape(config.ca_pem);
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << "admin";
  out << YAML::Key << "user" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "token" << YAML::Value << config.token;
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << "gantry";
  out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << "gantry";
  out << YAML::Key << "user" << YAML::Value << "admin";
  out << YAML::Key << "namespace" << YAML::Value << "default";
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "current-context" << YAML::Value << "gantry";
  out << YAML::EndMap;
  return WriteFileAtomic(path, std::string(out.c_str()) + "\n", 0600);
}

absl::StatusOr<Kubeconfig> ReadKubeconfig(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  try {
    YAML::Node root = YAML::Load(*text);
    std::string context_name = root["current-context"] ? root["current-context"].as<std::string>() : "";
    YAML::Node context = FindNamed(root["contexts"], context_name)["context"];
    if (!context) {
      if (!root["contexts"] || root["contexts"].size() == 0) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": no contexts"));
      }
      context = root["contexts"][0]["context"];
    }
    YAML::Node cluster = FindNamed(root["clusters"], context["cluster"].as<std::string>(""))["cluster"];
    YAML::Node user = FindNamed(root["users"], context["user"].as<std::string>(""))["user"];
    if (!cluster || !cluster["server"]) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": the current context names no cluster with a server"));
    }
    Kubeconfig config;
    config.server = cluster["server"].as<std::string>();
    if (cluster["certificate-authority-data"]) {
      if (!absl::Base64Unescape(cluster["certificate-authority-data"].as<std::string>(), &config.ca_pem)) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": certificate-authority-data is not base64"));
      }
    } else if (cluster["certificate-authority"]) {
      auto ca = ReadFile(cluster["certificate-authority"].as<std::string>());
      if (!ca.ok()) return ca.status();
      config.ca_pem = *ca;
    }
    config.insecure_skip_tls_verify = cluster["insecure-skip-tls-verify"].as<bool>(false);
    if (user && user["token"]) config.token = user["token"].as<std::string>();
    config.namespace_ = context["namespace"].as<std::string>("");
    return config;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a valid kubeconfig: ", e.what()));
  }
}

}  // namespace gantry
