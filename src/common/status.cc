#include "common/status.h"

#include <spdlog/spdlog.h>

#include "common/error_catalog.h"

namespace godwit {

const std::string& Status::Empty() {
  static const std::string kEmpty;
  return kEmpty;
}

std::string Status::hint() const {
  if (!rep_) return {};
  if (!rep_->hint.empty()) return rep_->hint;
  return std::string(LookupError(rep_->code).hint);
}

std::string Status::ToString() const {
  if (!rep_) return "OK";
  std::string out(LookupError(rep_->code).name);
  out += ": ";
  out += rep_->message;
  if (!rep_->native_code.empty()) {
    out += " [database error ";
    out += rep_->native_code;
    out += "]";
  }
  return out;
}

std::string Status::ToStringWithHint() const {
  std::string h = hint();
  return h.empty() ? ToString() : ToString() + " — " + h;
}

Status Status::WithContext(const std::string& context) const {
  if (!rep_) return *this;
  return Status(rep_->code, context + ": " + rep_->message, rep_->hint, rep_->native_code);
}

void Status::IgnoreBecause(std::string_view why) const {
  if (!rep_) return;
  spdlog::warn("ignored error ({}): {}", why, ToString());
}

}  // namespace godwit
