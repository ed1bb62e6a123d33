// Prints server-side Tables as kubectl does: upper-case headers, columns
// padded to their widest cell and three spaces apart.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace gantry::ctl {

struct TableStyle {
  bool wide = false;
  bool with_namespace = false;
  bool headers = true;
  bool keep_header_case = false;  // custom-columns print headers as given
  std::vector<std::string> always_columns;  // shown even though priority > 0
};

class TableOutput {
 public:
  explicit TableOutput(TableStyle style) : style_(std::move(style)) {}

  // Rows of `table` as cell strings; the first call also fixes the columns.
  void Add(const nlohmann::json& table);
  // Prints what was added (with the header the first time) and forgets the rows.
  void Flush(std::ostream& out);
  bool empty() const { return rows_.empty(); }

 private:
  TableStyle style_;
  std::vector<int> shown_;  // indices into the server's columns
  std::vector<std::string> header_;
  std::vector<size_t> widths_;
  std::vector<std::vector<std::string>> rows_;
  bool header_printed_ = false;
};

std::string CellText(const nlohmann::json& cell);

// A Table the client builds itself (api-resources, events, config
// get-contexts), in the server's shape so TableOutput prints it alike.
nlohmann::json ClientTable(const std::vector<std::string>& columns);
void AddRow(nlohmann::json& table, std::vector<std::string> cells);

}  // namespace gantry::ctl
