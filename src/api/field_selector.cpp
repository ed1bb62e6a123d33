#include "api/field_selector.h"

#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <google/protobuf/descriptor.h>

#include "api/errors.h"

namespace gantry::api {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

absl::StatusOr<std::string> FieldValue(const Message& object, const std::vector<std::string>& path) {
  const Message* m = &object;
  for (size_t i = 0; i < path.size(); ++i) {
    const auto* d = m->GetDescriptor();
    const FieldDescriptor* f = nullptr;
    for (int k = 0; k < d->field_count(); ++k) {
      if (d->field(k)->json_name() == path[i]) f = d->field(k);
    }
    if (f == nullptr || f->is_repeated()) {
      return BadRequestError(absl::StrCat("field label not supported: ", absl::StrJoin(path, ".")));
    }
    const auto* r = m->GetReflection();
    bool last = i + 1 == path.size();
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (last) return BadRequestError(absl::StrCat("field label not supported: ", absl::StrJoin(path, ".")));
      m = &r->GetMessage(*m, f);
      continue;
    }
    if (!last) return BadRequestError(absl::StrCat("field label not supported: ", absl::StrJoin(path, ".")));
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: return r->GetString(*m, f);
      case FieldDescriptor::CPPTYPE_BOOL: return std::string(r->GetBool(*m, f) ? "true" : "false");
      case FieldDescriptor::CPPTYPE_INT32: return std::to_string(r->GetInt32(*m, f));
      case FieldDescriptor::CPPTYPE_INT64: return std::to_string(r->GetInt64(*m, f));
      default: break;
    }
  }
  return BadRequestError(absl::StrCat("field label not supported: ", absl::StrJoin(path, ".")));
}

absl::StatusOr<FieldSelector> FieldSelector::Parse(absl::string_view text) {
  FieldSelector s;
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return s;
  for (absl::string_view raw : absl::StrSplit(text, ',')) {
    absl::string_view term = absl::StripAsciiWhitespace(raw);
    Term t;
    size_t pos;
    if ((pos = term.find("!=")) != absl::string_view::npos) {
      t.negated = true;
      t.field = std::string(term.substr(0, pos));
      t.value = std::string(term.substr(pos + 2));
    } else if ((pos = term.find("==")) != absl::string_view::npos) {
      t.field = std::string(term.substr(0, pos));
      t.value = std::string(term.substr(pos + 2));
    } else if ((pos = term.find('=')) != absl::string_view::npos) {
      t.field = std::string(term.substr(0, pos));
      t.value = std::string(term.substr(pos + 1));
    } else {
      return BadRequestError(absl::StrCat("invalid field selector term \"", term, "\""));
    }
    if (t.field.empty()) return BadRequestError(absl::StrCat("invalid field selector term \"", term, "\""));
    t.path = absl::StrSplit(t.field, '.');
    s.terms_.push_back(std::move(t));
  }
  return s;
}

bool FieldSelector::Matches(const Message& object) const {
  for (const Term& t : terms_) {
    auto v = FieldValue(object, t.path);
    if (!v.ok()) return false;
    if ((*v == t.value) == t.negated) return false;
  }
  return true;
}

absl::Status FieldSelector::CheckFields(const Message& prototype) const {
  for (const Term& t : terms_) {
    auto v = FieldValue(prototype, t.path);
    if (!v.ok()) return v.status();
  }
  return absl::OkStatus();
}

const std::string* FieldSelector::Pinned(absl::string_view field) const {
  for (const Term& t : terms_) {
    if (!t.negated && t.field == field) return &t.value;
  }
  return nullptr;
}

}  // namespace gantry::api
