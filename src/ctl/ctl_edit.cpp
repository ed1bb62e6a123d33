// edit: opens one object as YAML in $KUBE_EDITOR (else $EDITOR, else vi)
// and writes back what was saved, as kubectl edit does. The write carries
// the resourceVersion that was read, so a change made meanwhile is a
// conflict, not lost; a failed edit is kept in its file.
#include <absl/strings/str_cat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "api/yaml_json.h"
#include "common/files.h"
#include "ctl/ctl_command.h"

namespace gantry::ctl {
namespace {

using nlohmann::json;

constexpr char kHeader[] =
    "# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
    "# and an empty file will abort the edit. If an error occurs while saving this file will be\n"
    "# reopened with the relevant failures.\n"
    "#\n";

std::string Editor() {
  for (const char* variable : {"KUBE_EDITOR", "EDITOR"}) {
    const char* value = std::getenv(variable);
    if (value != nullptr && *value != '\0') return value;
  }
  return "vi";
}

absl::StatusOr<std::string> WriteTempFile(const std::string& text) {
  std::string path = "/tmp/gantry-edit-XXXXXX.yaml";
  int fd = mkstemps(path.data(), 5);
  if (fd < 0) return absl::InternalError(absl::StrCat("error: cannot create a file to edit in: ", strerror(errno)));
  close(fd);
  if (auto s = WriteFileAtomic(path, text, 0600, Durability::kProcessOnly); !s.ok()) return s;
  return path;
}

int Kept(const absl::Status& error, const std::string& path) {
  Fail(error);
  std::cerr << "A copy of your changes has been stored to \"" << path << "\"\n";
  return 1;
}

}  // namespace

void AddEdit(CLI::App& ctl, CtlOptions& o) {
  CLI::App* cmd = ctl.add_subcommand("edit", "Edit a resource in $KUBE_EDITOR or $EDITOR and save it back");
  cmd->fallthrough();
  cmd->add_option("args", o.args, "TYPE NAME or TYPE/NAME")->required();
  cmd->add_flag("--show-managed-fields", o.show_managed_fields, "Keep metadata.managedFields in the edited text");
  cmd->footer(
      "Examples:\n"
      "  gantry ctl edit pod web\n"
      "  KUBE_EDITOR=nano gantry ctl edit node/n1");
}

int RunEdit(const CtlOptions& o, ApiClient& client) {
  auto target = ParseSingleObject(o, "edit");
  if (!target.ok()) return Fail(target.status());
  const std::string& url = target->url;
  auto original = client.Call("GET", url);
  if (!original.ok()) return Fail(original.status());
  if (!o.show_managed_fields) (*original)["metadata"].erase("managedFields");
  auto path = WriteTempFile(absl::StrCat(kHeader, api::ToYaml(*original)));
  if (!path.ok()) return Fail(path.status());

  const std::string command = absl::StrCat(Editor(), " '", *path, "'");
  if (int rc = std::system(command.c_str()); rc != 0) {
    return Kept(absl::InternalError(absl::StrCat("error: the editor \"", Editor(), "\" exited with status ", rc)), *path);
  }
  auto text = ReadFile(*path);
  if (!text.ok()) return Fail(text.status());
  auto edited = api::ParseDocuments(*text);
  if (!edited.ok()) return Kept(absl::InvalidArgumentError(absl::StrCat("error: ", *path, ": ", edited.status().message())), *path);
  if (edited->empty()) {
    unlink(path->c_str());
    std::cout << "Edit cancelled, saved file was empty.\n";
    return 0;
  }
  if (edited->size() != 1 || !(*edited)[0].is_object()) {
    return Kept(absl::InvalidArgumentError("error: the edited file must hold exactly the one object"), *path);
  }
  if ((*edited)[0] == *original) {
    unlink(path->c_str());
    std::cout << "Edit cancelled, no changes made.\n";
    return 0;
  }
  auto saved = client.Call("PUT", url + "?fieldManager=kubectl-edit", &(*edited)[0]);
  if (!saved.ok()) return Kept(saved.status(), *path);
  unlink(path->c_str());
  std::cout << target->label << " edited\n";
  return 0;
}

}  // namespace gantry::ctl
