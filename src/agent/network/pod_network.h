// Pod networking: each pod that does not ask for hostNetwork gets a network
// namespace of its own with an address from its node's podCIDR, joined to
// the node through the standard CNI bridge plugin (Debian's
// containernetworking-plugins): a veth pair on the "gantry0" bridge, whose
// address is the pods' gateway, and the loopback plugin for "lo". The node
// reaches its pods (probes, kubectl port-forward-like access), pods reach the
// node and each other; with iptables present, traffic leaving the node is
// masqueraded. Routes to other nodes' pod ranges are not set up yet.
//
// The namespace is pinned by a bind mount at <data-dir>/netns/<pod uid>, so
// it outlives an agent restart with the pod's containers; the address is
// recorded beside it.
#pragma once

#include <absl/status/statusor.h>

#include <memory>
#include <string>

namespace gantry::agent {

struct PodNetworkOptions {
  std::string pod_cidr;   // the node's spec.podCIDR
  std::string data_dir;   // netns/ and cni/ below it
  std::string plugin_dir = "/usr/lib/cni";
  std::string bridge = "gantry0";
};

class PodNetwork {
 public:
  // nullptr, with the reason in `why`, when the node cannot give pods their
  // own network (no podCIDR, no CNI plugins): its pods share the node's.
  static std::unique_ptr<PodNetwork> Detect(PodNetworkOptions options, std::string* why);

  // The pod's address, its namespace made and wired; the same address again
  // for a pod already set up.
  absl::StatusOr<std::string> SetUp(const std::string& uid);
  // Unwires and removes the pod's namespace; harmless for a pod never set up.
  void TearDown(const std::string& uid);
  std::string NetnsPath(const std::string& uid) const;

 private:
  explicit PodNetwork(PodNetworkOptions options);
  std::string BridgeConfig() const;
  absl::StatusOr<std::string> RunPlugin(const std::string& plugin, const std::string& command, const std::string& uid,
                                        const std::string& config) const;

  const PodNetworkOptions options_;
  const bool masquerade_;
};

}  // namespace gantry::agent
