#include "apiserver/new_object.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include <random>

#include "api/object_meta.h"
#include "common/time_format.h"
#include "core.pb.h"

namespace gantry::apiserver {
namespace {

// Five characters of Kubernetes' generateName alphabet (no vowels, so no words).
std::string RandomSuffix() {
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  thread_local std::mt19937 rng{std::random_device{}()};
  std::string out;
  for (int i = 0; i < 5; ++i) out.push_back(kAlphabet[rng() % (sizeof(kAlphabet) - 1)]);
  return out;
}

// A random RFC 4122 version 4 UUID.
std::string NewUid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng();
  uint64_t b = rng();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48,
                         b & 0xffffffffffffULL);
}

}  // namespace

void AssignServerFields(const api::KindInfo& kind, google::protobuf::Message* object) {
  api::ObjectMeta* meta = api::MutableMetaOf(object);
  if (meta->name().empty() && !meta->generate_name().empty()) {
    meta->set_name(absl::StrCat(meta->generate_name(), RandomSuffix()));
  }
  meta->set_uid(NewUid());
  meta->set_creation_timestamp(NowRfc3339());
  meta->set_generation(1);
  meta->clear_resource_version();
  meta->clear_deletion_timestamp();
  meta->clear_deletion_grace_period_seconds();
  if (kind.kind == "Pod") static_cast<api::Pod*>(object)->clear_status();
}

}  // namespace gantry::apiserver
