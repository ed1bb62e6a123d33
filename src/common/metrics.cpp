#include "common/metrics.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include <algorithm>
#include <cmath>
#include <variant>

namespace gantry::metrics {
namespace {

std::string FormatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::floor(v) == v && std::fabs(v) < 1e15) return absl::StrCat(static_cast<int64_t>(v));
  return absl::StrFormat("%.9g", v);
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string LabelText(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", names[i], "=\"", Escape(values[i]), "\"");
  }
  return out;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

void Histogram::Render(const std::string& name, const std::string& labels, std::string* out) const {
  uint64_t cumulative = 0;
  std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    std::string le = i < bounds_.size() ? FormatValue(bounds_[i]) : "+Inf";
    absl::StrAppend(out, name, "_bucket{", labels, sep, "le=\"", le, "\"} ", cumulative, "\n");
  }
  std::string braces = labels.empty() ? "" : absl::StrCat("{", labels, "}");
  absl::StrAppend(out, name, "_sum", braces, " ", FormatValue(sum_.load()), "\n");
  absl::StrAppend(out, name, "_count", braces, " ", cumulative, "\n");
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> SizeBuckets() {
  std::vector<double> b;
  for (double v = 1; v <= 4096; v *= 2) b.push_back(v);
  return b;
}

struct Registry::Entry {
  std::string name;
  std::string help;
  std::string type;
  std::variant<std::unique_ptr<Family<Counter>>, std::unique_ptr<Family<Gauge>>,
               std::unique_ptr<Family<Histogram>>, std::function<double()>>
      metric;
};

Family<Counter>& Registry::AddCounter(const std::string& name, const std::string& help,
                                      std::vector<std::string> labels) {
  auto family = std::make_unique<Family<Counter>>(std::move(labels), [] { return std::make_unique<Counter>(); });
  auto& ref = *family;
  absl::MutexLock lock(&mu_);
  entries_.push_back(std::make_unique<Entry>(Entry{name, help, "counter", std::move(family)}));
  return ref;
}

Family<Gauge>& Registry::AddGauge(const std::string& name, const std::string& help,
                                  std::vector<std::string> labels) {
  auto family = std::make_unique<Family<Gauge>>(std::move(labels), [] { return std::make_unique<Gauge>(); });
  auto& ref = *family;
  absl::MutexLock lock(&mu_);
  entries_.push_back(std::make_unique<Entry>(Entry{name, help, "gauge", std::move(family)}));
  return ref;
}

Family<Histogram>& Registry::AddHistogram(const std::string& name, const std::string& help,
                                          std::vector<double> bounds, std::vector<std::string> labels) {
  auto family = std::make_unique<Family<Histogram>>(
      std::move(labels), [bounds] { return std::make_unique<Histogram>(bounds); });
  auto& ref = *family;
  absl::MutexLock lock(&mu_);
  entries_.push_back(std::make_unique<Entry>(Entry{name, help, "histogram", std::move(family)}));
  return ref;
}

void Registry::AddCallbackGauge(const std::string& name, const std::string& help,
                                std::function<double()> read) {
  absl::MutexLock lock(&mu_);
  entries_.push_back(std::make_unique<Entry>(Entry{name, help, "gauge", std::move(read)}));
}

void Registry::AddCallbackCounter(const std::string& name, const std::string& help,
                                  std::function<double()> read) {
  absl::MutexLock lock(&mu_);
  entries_.push_back(std::make_unique<Entry>(Entry{name, help, "counter", std::move(read)}));
}

std::string Registry::Render() const {
  std::string out;
  absl::MutexLock lock(&mu_);
  for (const auto& e : entries_) {
    absl::StrAppend(&out, "# HELP ", e->name, " ", e->help, "\n# TYPE ", e->name, " ", e->type, "\n");
    auto scalar = [&](const auto& family) {
      family->ForEach([&](const std::vector<std::string>& values, const auto& child) {
        std::string labels = LabelText(family->label_names(), values);
        absl::StrAppend(&out, e->name, labels.empty() ? "" : absl::StrCat("{", labels, "}"), " ",
                        FormatValue(child.Value()), "\n");
      });
    };
    if (auto* c = std::get_if<std::unique_ptr<Family<Counter>>>(&e->metric)) {
      scalar(*c);
    } else if (auto* g = std::get_if<std::unique_ptr<Family<Gauge>>>(&e->metric)) {
      scalar(*g);
    } else if (auto* h = std::get_if<std::unique_ptr<Family<Histogram>>>(&e->metric)) {
      (*h)->ForEach([&](const std::vector<std::string>& values, const Histogram& hist) {
        hist.Render(e->name, LabelText((*h)->label_names(), values), &out);
      });
    } else if (auto* fn = std::get_if<std::function<double()>>(&e->metric)) {
      absl::StrAppend(&out, e->name, " ", FormatValue((*fn)()), "\n");
    }
  }
  return out;
}

Registry& DefaultRegistry() {
  static Registry* registry = new Registry();
  return *registry;
}

}  // namespace gantry::metrics
