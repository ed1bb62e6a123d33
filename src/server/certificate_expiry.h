// Warns before the server's certificates expire: at start and twice a day,
// a certificate within tls::kRenewWithin of its end (the CA within a year)
// is logged and recorded as a Warning Event on the kube-system namespace
// (gantry ctl events -n kube-system), saying how to renew it.
#pragma once

#include <absl/time/clock.h>

#include <functional>
#include <string>
#include <thread>

#include "store/event_recorder.h"
#include "store/store.h"

namespace gantry::server {

class CertificateExpiry {
 public:
  // `clock`: the time certificates are judged at (tests move it).
  CertificateExpiry(std::string tls_dir, store::Store& store, store::EventRecorder& events,
                    std::function<absl::Time()> clock = absl::Now);
  void Start();
  void Stop();

 private:
  void CheckOnce();

  const std::string tls_dir_;
  store::Store& store_;
  store::EventRecorder& events_;
  const std::function<absl::Time()> clock_;
  std::jthread thread_;
};

}  // namespace gantry::server
