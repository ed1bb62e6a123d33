#include "controllers/pod_template_hash.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace gantry::controllers {

std::string PodTemplateHash(const api::PodTemplateSpec& template_, int32_t collision_count) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    template_.SerializeToCodedStream(&coded);
  }
  uint32_t hash = 2166136261u;
  auto mix = [&hash](unsigned char c) { hash = (hash ^ c) * 16777619u; };
  for (unsigned char c : bytes) mix(c);
  if (collision_count > 0) {
    for (unsigned char c : std::to_string(collision_count)) mix(c);
  }
  // As Kubernetes' SafeEncodeString: each digit of the decimal hash becomes one of these.
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string encoded;
  for (unsigned char c : std::to_string(hash)) encoded.push_back(kAlphabet[c % (sizeof(kAlphabet) - 1)]);
  return encoded;
}

}  // namespace gantry::controllers
