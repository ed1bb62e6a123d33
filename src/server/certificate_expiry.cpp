#include "server/certificate_expiry.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include "api/events.h"
#include "api/kinds.h"
#include "common/log_format.h"
#include "common/stoppable_sleep.h"
#include "common/tls.h"

namespace gantry::server {

CertificateExpiry::CertificateExpiry(std::string tls_dir, store::Store& store, store::EventRecorder& events,
                                     std::function<absl::Time()> clock)
    : tls_dir_(std::move(tls_dir)), store_(store), events_(events), clock_(std::move(clock)) {}

void CertificateExpiry::Start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    do {
      CheckOnce();
    } while (SleepUnlessStopped(stop, absl::Hours(12)));
  });
}

void CertificateExpiry::Stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void CertificateExpiry::CheckOnce() {
  const api::KindInfo* namespaces = api::FindKindByResource("", "v1", "namespaces");
  auto kube_system = store_.Get(*namespaces, "", "kube-system");
  for (const auto& [file, warn_within, remedy] :
       {std::tuple{"server.crt", tls::kRenewWithin,
                   "restart the server, or run gantry certificate rotate and then restart it, to renew it from "
                   "the same CA"},
        std::tuple{"ca.crt", absl::Hours(24 * 365),
                   "gantry cannot rotate its CA yet: plan a new cluster or a CA replacement before then"}}) {
    std::string path = absl::StrCat(tls_dir_, "/", file);
    auto info = tls::InspectCertificate(path);
    if (!info.ok()) {
      spdlog::warn("tls: cannot read {}: {}", path, info.status());
      continue;
    }
    if (info->not_after - clock_() > warn_within) continue;
    std::string message = absl::StrCat(path, " expires ", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", info->not_after,
                                                                            absl::UTCTimeZone()),
                                       ": ", remedy);
    spdlog::warn("tls: {}", message);
    if (kube_system.ok()) {
      events_.Record(*namespaces, **kube_system,
                     {.type = "Warning", .reason = "CertificateExpiring", .message = message, .component = "gantry-server"});
    }
  }
}

}  // namespace gantry::server
