// Plugins by the names a scheduler profile uses (kube-scheduler's names).
#pragma once

#include <absl/strings/string_view.h>

#include <memory>
#include <vector>

#include "scheduler/framework.h"

namespace gantry::scheduler::plugins {

std::unique_ptr<FilterPlugin> NewNodeResourcesFit();
std::unique_ptr<FilterPlugin> NewNodeUnschedulable();
std::unique_ptr<FilterPlugin> NewNodeAffinityFilter();
std::unique_ptr<FilterPlugin> NewTaintTolerationFilter();
std::unique_ptr<FilterPlugin> NewNodePorts();
std::unique_ptr<FilterPlugin> NewInterPodAffinityFilter();

std::unique_ptr<ScorePlugin> NewLeastAllocated();
std::unique_ptr<ScorePlugin> NewMostAllocated();
std::unique_ptr<ScorePlugin> NewBalancedAllocation();
std::unique_ptr<ScorePlugin> NewNodeAffinityScore();
std::unique_ptr<ScorePlugin> NewTaintTolerationScore();
std::unique_ptr<ScorePlugin> NewInterPodAffinityScore();

// nullptr for an unknown name.
std::unique_ptr<FilterPlugin> NewFilterPlugin(absl::string_view name);
std::unique_ptr<ScorePlugin> NewScorePlugin(absl::string_view name);
std::vector<absl::string_view> FilterPluginNames();
std::vector<absl::string_view> ScorePluginNames();

}  // namespace gantry::scheduler::plugins
