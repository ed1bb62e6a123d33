// Lets spdlog/fmt print absl::string_view and absl::Status directly (Debian's
// Abseil has its own string_view type that fmt does not know).
#pragma once

#include <absl/status/status.h>
#include <absl/strings/string_view.h>
#include <spdlog/fmt/fmt.h>

template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  template <typename Context>
  auto format(absl::string_view s, Context& ctx) const {
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(s.data(), s.size()), ctx);
  }
};

template <>
struct fmt::formatter<absl::Status> : fmt::formatter<fmt::string_view> {
  template <typename Context>
  auto format(const absl::Status& s, Context& ctx) const {
    std::string text = s.ToString();
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(text), ctx);
  }
};
