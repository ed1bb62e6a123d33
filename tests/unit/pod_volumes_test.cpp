#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/volumes/atomic_writer.h"
#include "agent/volumes/pod_volumes.h"
#include "agent/volumes/volume_files.h"
#include "common/files.h"
#include "temp_dir.h"
#include "yaml_objects.h"

namespace fs = std::filesystem;
using gantry::agent::NodeFacts;
using gantry::agent::VolumeFile;
using gantry::agent::VolumeFiles;

using gantry::testing::TempDir;

namespace {

gantry::api::PodConfig Config() {
  gantry::api::PodConfig config;
  auto* cm = config.add_config_maps();
  cm->mutable_metadata()->set_name("app");
  (*cm->mutable_data())["greeting"] = "hello";
  (*cm->mutable_data())["settings.ini"] = "level=3\n";
  (*cm->mutable_binary_data())["blob"] = "AAE=";  // 0x00 0x01
  auto* secret = config.add_secrets();
  secret->mutable_metadata()->set_name("creds");
  (*secret->mutable_data())["password"] = "czNjcjN0";
  return config;
}

std::string Describe(const std::vector<VolumeFile>& files) {
  std::string out;
  for (const auto& f : files) out += f.path + "(" + std::to_string(f.mode) + ")=" + f.content + ";";
  return out;
}

}  // namespace

TEST_CASE("volume files: ConfigMap keys or items, Secret values decoded, downward API, projected, with modes") {
  auto pod = FromYaml<gantry::api::Pod>(R"(
metadata: {name: p, namespace: ns, labels: {app: web, tier: "a\"b"}}
spec:
  containers: [{name: c, resources: {limits: {memory: 64Mi}}}]
  volumes:
  - {name: all, configMap: {name: app, defaultMode: 0640}}
  - {name: some, configMap: {name: app, items: [{key: greeting, path: sub/hello.txt, mode: 0600}]}}
  - {name: secret, secret: {secretName: creds, defaultMode: 0400}}
  - name: info
    downwardAPI:
      defaultMode: 0644
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: mem, resourceFieldRef: {containerName: c, resource: limits.memory, divisor: 1Mi}}
  - name: mixed
    projected:
      defaultMode: 0644
      sources:
      - configMap: {name: app, items: [{key: greeting, path: g}]}
      - secret: {name: creds}
      - downwardAPI: {items: [{path: ns, fieldRef: {fieldPath: metadata.namespace}}]}
  - {name: missing, configMap: {name: gone}}
  - {name: optional, configMap: {name: gone, optional: true}}
  - {name: bad-item, secret: {secretName: creds, items: [{key: nope, path: x}]}}
)");
  const auto& v = pod->spec().volumes();
  auto config = Config();
  NodeFacts node;
  CHECK(Describe(*VolumeFiles(v[0], *pod, config, node)) ==
        std::string("blob(416)=\x00\x01;greeting(416)=hello;settings.ini(416)=level=3\n;", 60));
  CHECK(Describe(*VolumeFiles(v[1], *pod, config, node)) == "sub/hello.txt(384)=hello;");
  CHECK(Describe(*VolumeFiles(v[2], *pod, config, node)) == "password(256)=s3cr3t;");
  CHECK(Describe(*VolumeFiles(v[3], *pod, config, node)) == "labels(420)=app=\"web\"\ntier=\"a\\\"b\";mem(420)=64;");
  CHECK(Describe(*VolumeFiles(v[4], *pod, config, node)) == "g(420)=hello;ns(420)=ns;password(420)=s3cr3t;");
  CHECK(VolumeFiles(v[5], *pod, config, node).status().message() == "configmap \"gone\" not found");
  CHECK(VolumeFiles(v[6], *pod, config, node)->empty());
  CHECK(VolumeFiles(v[7], *pod, config, node).status().message() == "secret references non-existent secret key: nope");
}

TEST_CASE("the atomic writer swaps a volume's content as a whole and writes nothing when it is unchanged") {
  TempDir tmp;
  std::string dir = tmp.path + "/vol";
  REQUIRE(*gantry::agent::WriteVolumeAtomically(dir, {{"a", "1", 0644}, {"sub/b", "2", 0600}}));
  CHECK(*gantry::ReadFile(dir + "/a") == "1");
  CHECK(*gantry::ReadFile(dir + "/sub/b") == "2");
  CHECK(fs::is_symlink(dir + "/a"));
  fs::path first = fs::read_symlink(dir + "/..data");
  CHECK_FALSE(*gantry::agent::WriteVolumeAtomically(dir, {{"a", "1", 0644}, {"sub/b", "2", 0600}}));
  CHECK(fs::read_symlink(dir + "/..data") == first);
  REQUIRE(*gantry::agent::WriteVolumeAtomically(dir, {{"a", "changed", 0644}}));
  CHECK(*gantry::ReadFile(dir + "/a") == "changed");
  CHECK_FALSE(fs::exists(dir + "/sub"));  // a name no longer in the volume is gone
  CHECK_FALSE(fs::exists(dir + "/" + first.string()));  // and so is the old content
  struct stat st {};
  REQUIRE(stat((dir + "/a").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
}

TEST_CASE("pod volumes: mounts with subPath and readOnly, mount points made and removed, emptyDir limits") {
  TempDir tmp;
  std::string yaml = R"(
metadata: {name: p, namespace: ns}
spec:
  containers:
  - name: c
    volumeMounts:
    - {name: scratch, mountPath: ROOT/mnt/scratch}
    - {name: scratch, mountPath: ROOT/mnt/data, subPath: data, readOnly: true}
    - {name: config, mountPath: ROOT/etc/app.ini, subPath: settings.ini}
  volumes:
  - {name: scratch, emptyDir: {sizeLimit: 64Ki}}
  - {name: config, configMap: {name: app}}
)";
  for (size_t at; (at = yaml.find("ROOT")) != std::string::npos;) yaml.replace(at, 4, tmp.path + "/root");
  auto pod = FromYaml<gantry::api::Pod>(yaml);
  fs::create_directories(tmp.path + "/root");
  gantry::agent::PodVolumes volumes(tmp.path + "/pod");
  fs::create_directories(tmp.path + "/pod");
  REQUIRE(volumes.SetUp(*pod, Config(), NodeFacts{}).ok());
  auto mounts = volumes.MountsFor(*pod, pod->spec().containers(0));
  REQUIRE(mounts.ok());
  REQUIRE(mounts->size() == 3);
  CHECK((*mounts)[0].source == tmp.path + "/pod/volumes/scratch");
  CHECK_FALSE((*mounts)[0].read_only);
  CHECK((*mounts)[1].source == tmp.path + "/pod/volumes/scratch/data");
  CHECK((*mounts)[1].read_only);
  CHECK(fs::is_directory((*mounts)[1].source));  // a missing subPath of an emptyDir is made
  CHECK((*mounts)[2].read_only);  // ConfigMap volumes are read-only
  CHECK(fs::is_regular_file(tmp.path + "/root/etc/app.ini"));  // a file's mount point is a file
  CHECK(fs::is_directory(tmp.path + "/root/mnt/scratch"));

  CHECK_FALSE(volumes.OverLimit(*pod).has_value());
  std::ofstream(tmp.path + "/pod/volumes/scratch/fill") << std::string(128 << 10, 'x');
  CHECK(volumes.OverLimit(*pod) == "Usage of EmptyDir volume \"scratch\" exceeds the limit \"64Ki\".");

  // Another pod still mounts at mnt/data: that mount point and its parent stay.
  volumes.TearDown(*pod, {tmp.path + "/root/mnt/data"});
  CHECK_FALSE(fs::exists(tmp.path + "/root/mnt/scratch"));
  CHECK_FALSE(fs::exists(tmp.path + "/root/etc"));
  CHECK(fs::exists(tmp.path + "/root/mnt/data"));
  CHECK(fs::exists(tmp.path + "/root"));  // it was there before
}

TEST_CASE("pod volumes: a volume of a source gantry does not provide is refused by name") {
  auto pod = FromYaml<gantry::api::Pod>(R"(
metadata: {name: p, namespace: ns}
spec:
  containers: [{name: c}]
  volumes: [{name: claim}]
)");
  TempDir tmp;
  gantry::agent::PodVolumes volumes(tmp.path);
  auto s = volumes.SetUp(*pod, {}, NodeFacts{});
  CHECK(s.code() == absl::StatusCode::kUnimplemented);
  CHECK(std::string(s.message()).find("MountVolume.SetUp failed for volume \"claim\"") == 0);
}
