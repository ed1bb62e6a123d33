#include "ctl/table_output.h"

#include <absl/strings/ascii.h>

#include <algorithm>

namespace gantry::ctl {

std::string CellText(const nlohmann::json& cell) {
  if (cell.is_string()) return cell.get<std::string>();
  if (cell.is_null()) return "<none>";
  return cell.dump();
}

nlohmann::json ClientTable(const std::vector<std::string>& columns) {
  nlohmann::json table = {{"columnDefinitions", nlohmann::json::array()}, {"rows", nlohmann::json::array()}};
  for (const std::string& column : columns) table["columnDefinitions"].push_back({{"name", column}});
  return table;
}

void AddRow(nlohmann::json& table, std::vector<std::string> cells) {
  table["rows"].push_back({{"cells", std::move(cells)}});
}

void TableOutput::Add(const nlohmann::json& table) {
  const nlohmann::json& columns = table.value("columnDefinitions", nlohmann::json::array());
  if (header_.empty() && !columns.empty()) {
    if (style_.with_namespace) {
      header_.push_back("NAMESPACE");
      shown_.push_back(-1);
    }
    for (size_t i = 0; i < columns.size(); ++i) {
      std::string name = columns[i].value("name", "");
      bool always = std::find(style_.always_columns.begin(), style_.always_columns.end(), name) !=
                    style_.always_columns.end();
      if (columns[i].value("priority", 0) > 0 && !style_.wide && !always) continue;
      header_.push_back(style_.keep_header_case ? name : absl::AsciiStrToUpper(name));
      shown_.push_back(static_cast<int>(i));
    }
    widths_.assign(header_.size(), 0);
    for (size_t i = 0; i < header_.size(); ++i) widths_[i] = header_[i].size();
  }
  for (const auto& row : table.value("rows", nlohmann::json::array())) {
    std::vector<std::string> cells;
    for (int index : shown_) {
      if (index < 0) {
        cells.push_back(row.contains("object") ? row["object"]["metadata"].value("namespace", "") : "");
      } else {
        cells.push_back(index < static_cast<int>(row["cells"].size()) ? CellText(row["cells"][index]) : "");
      }
    }
    for (size_t i = 0; i < cells.size() && i < widths_.size(); ++i) widths_[i] = std::max(widths_[i], cells[i].size());
    rows_.push_back(std::move(cells));
  }
}

void TableOutput::Flush(std::ostream& out) {
  auto print = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line.append(widths_[i] - cells[i].size() + 3, ' ');
    }
    out << line << "\n";
  };
  if (style_.headers && !header_printed_ && !header_.empty() && !rows_.empty()) {
    print(header_);
    header_printed_ = true;
  }
  for (const auto& row : rows_) print(row);
  rows_.clear();
  out.flush();
}

}  // namespace gantry::ctl
