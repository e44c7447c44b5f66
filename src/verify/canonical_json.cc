#include "verify/canonical_json.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/text.h"

namespace godwit {
namespace {

// Above this many zeros of padding a number is written as digits and an
// exponent: "1e400" must not become 401 bytes, "1e-999999999" a gigabyte.
constexpr int64_t kMaxPaddingZeros = 64;
// Exponents with more digits than this are rejected (see the header).
constexpr size_t kMaxExponentDigits = 9;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Appends the canonical form of a JSON number's text (the JSON grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?). `digits` is scratch.
// Returns false when the text is not such a number or its exponent is
// out of range.
bool AppendNumber(std::string_view s, std::string& digits, std::string& out) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && s[i] == '-') {
    negative = true;
    ++i;
  }
  // All significant-candidate digits, the point dropped: value = digits × 10^(exponent - fraction digits).
  digits.clear();
  size_t begin = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i == begin) return false;
  digits.append(s.data() + begin, i - begin);
  int64_t fraction_digits = 0;
  if (i < s.size() && s[i] == '.') {
    begin = ++i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == begin) return false;
    digits.append(s.data() + begin, i - begin);
    fraction_digits = static_cast<int64_t>(i - begin);
  }
  int64_t exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) exponent_negative = s[i++] == '-';
    begin = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == begin) return false;
    size_t first = begin;
    while (first < i && s[first] == '0') ++first;
    if (i - first > kMaxExponentDigits) return false;
    std::from_chars(s.data() + first, s.data() + i, exponent);  // empty → stays 0
    if (exponent_negative) exponent = -exponent;
  }
  if (i != s.size()) return false;

  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) {
    out.push_back('0');  // every zero, "-0" and "0e5" included
    return true;
  }
  size_t last = digits.find_last_not_of('0');
  std::string_view significant(digits.data() + first, last + 1 - first);
  // value = significant × 10^e
  int64_t e = exponent - fraction_digits + static_cast<int64_t>(digits.size() - 1 - last);
  int64_t n = static_cast<int64_t>(significant.size());
  int64_t integer_digits = n + e;  // digits before the point
  if (negative) out.push_back('-');
  if (e >= 0) {
    if (e > kMaxPaddingZeros) {
      out.append(significant);
      out.push_back('e');
      char buf[24];
      out.append(buf, std::to_chars(buf, buf + sizeof buf, e).ptr);
      return true;
    }
    out.append(significant);
    out.append(static_cast<size_t>(e), '0');
  } else if (integer_digits > 0) {
    out.append(significant.substr(0, static_cast<size_t>(integer_digits)));
    out.push_back('.');
    out.append(significant.substr(static_cast<size_t>(integer_digits)));
  } else if (-integer_digits > kMaxPaddingZeros) {
    out.append(significant);
    out.push_back('e');
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, e).ptr);
  } else {
    out.append("0.");
    out.append(static_cast<size_t>(-integer_digits), '0');
    out.append(significant);
  }
  return true;
}

// Appends `s` (UTF-8, as the parser decoded it) as a JSON string literal,
// escaping only what JSON requires.
void AppendString(std::string_view s, std::string& out) {
  out.push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\b': out.push_back('b'); break;
      case '\f': out.push_back('f'); break;
      case '\n': out.push_back('n'); break;
      case '\r': out.push_back('r'); break;
      case '\t': out.push_back('t'); break;
      default: out.append("u00"); AppendHexLower(s.substr(i, 1), out);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

// A SAX handler that writes the canonical form as it parses. Values are
// written in document order; when an object ends, its members are put in key
// order (and duplicates dropped) in place, so nested objects are already
// canonical when their parent is sorted. Nothing recurses: a deeply nested
// document cannot exhaust the stack.
class CanonicalWriter {
 public:
  using json = nlohmann::json;

  bool Run(std::string_view text, std::string& out) {
    out_ = &out;
    frames_.clear();
    members_.clear();
    keys_.clear();
    size_t size = out.size();
    bool ok = false;
    try {
      ok = json::sax_parse(text.data(), text.data() + text.size(), this);
    } catch (const std::exception&) {
      ok = false;
    }
    ok = ok && frames_.empty();
    if (!ok) out.resize(size);
    out_ = nullptr;
    // A huge document should not pin its scratch space to the thread.
    constexpr size_t kKeep = 1 << 20;
    if (scratch_.capacity() > kKeep) std::string().swap(scratch_);
    if (keys_.capacity() > kKeep) std::string().swap(keys_);
    if (digits_.capacity() > kKeep) std::string().swap(digits_);
    return ok;
  }

  // The SAX interface (nlohmann::json_sax).
  bool null() {
    BeginValue();
    out_->append("null");
    return true;
  }
  bool boolean(bool v) {
    BeginValue();
    out_->append(v ? "true" : "false");
    return true;
  }
  bool number_integer(json::number_integer_t v) { return Integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return Integer(v); }
  bool number_float(json::number_float_t, const json::string_t& raw) {
    BeginValue();
    return AppendNumber(raw, digits_, *out_);
  }
  bool string(json::string_t& v) {
    BeginValue();
    AppendString(v, *out_);
    return true;
  }
  bool binary(json::binary_t&) { return false; }  // JSON text has none
  bool start_object(std::size_t) {
    BeginValue();
    frames_.push_back({true, out_->size(), members_.size(), keys_.size(), 0});
    out_->push_back('{');
    return true;
  }
  bool key(json::string_t& k) {
    Frame& f = frames_.back();
    if (f.count++ > 0) out_->push_back(',');
    members_.push_back({keys_.size(), k.size(), out_->size()});
    keys_.append(k);
    AppendString(k, *out_);
    out_->push_back(':');
    return true;
  }
  bool end_object() {
    Frame f = frames_.back();
    frames_.pop_back();
    SortMembers(f);
    out_->push_back('}');
    members_.resize(f.first_member);
    keys_.resize(f.keys_start);
    return true;
  }
  bool start_array(std::size_t) {
    BeginValue();
    frames_.push_back({false, out_->size(), members_.size(), keys_.size(), 0});
    out_->push_back('[');
    return true;
  }
  bool end_array() {
    frames_.pop_back();
    out_->push_back(']');
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const json::exception&) { return false; }

 private:
  struct Frame {
    bool object;
    size_t start;         // offset in *out_ of '{' or '['
    size_t first_member;  // in members_
    size_t keys_start;    // in keys_
    size_t count;         // values (array) or members (object) so far
  };
  struct Member {
    size_t key_offset;  // in keys_, unescaped
    size_t key_size;
    size_t start;  // offset in *out_ of the member's text ("key":value)
  };

  void BeginValue() {
    if (!frames_.empty() && !frames_.back().object && frames_.back().count++ > 0) out_->push_back(',');
  }

  template <typename T>
  bool Integer(T v) {
    BeginValue();
    char buf[24];
    // Through the same normaliser as other numbers: one form per value.
    return AppendNumber(std::string_view(buf, std::to_chars(buf, buf + sizeof buf, v).ptr), digits_, *out_);
  }

  std::string_view Key(const Member& m) const { return {keys_.data() + m.key_offset, m.key_size}; }

  // Puts the members of the object `f` (its text ends at out_->size()) in
  // key order, keeping only the last of duplicate keys.
  void SortMembers(const Frame& f) {
    size_t n = members_.size() - f.first_member;
    const Member* m = members_.data() + f.first_member;
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; ++i) sorted = Key(m[i - 1]) < Key(m[i]);
    if (sorted) return;  // jsonb order often is not, but written documents often are

    size_t body = f.start + 1;
    scratch_.assign(out_->data() + body, out_->size() - body);
    order_.resize(n);
    for (size_t i = 0; i < n; ++i) order_[i] = i;
    std::stable_sort(order_.begin(), order_.end(), [&](size_t a, size_t b) { return Key(m[a]) < Key(m[b]); });
    out_->resize(body);
    bool first = true;
    for (size_t j = 0; j < n; ++j) {
      size_t i = order_[j];
      // Equal keys keep their document order: the run's last is the one that wins.
      if (j + 1 < n && Key(m[order_[j + 1]]) == Key(m[i])) continue;
      size_t begin = m[i].start - body;
      size_t end = i + 1 < n ? m[i + 1].start - 1 - body : scratch_.size();  // before the ','
      if (!first) out_->push_back(',');
      first = false;
      out_->append(scratch_, begin, end - begin);
    }
  }

  std::string* out_ = nullptr;
  std::vector<Frame> frames_;
  std::vector<Member> members_;
  std::vector<size_t> order_;
  std::string keys_;
  std::string scratch_;
  std::string digits_;
};

}  // namespace

bool AppendCanonicalJson(std::string_view text, std::string& out) {
  thread_local CanonicalWriter writer;
  return writer.Run(text, out);
}

std::optional<std::string> CanonicalJson(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  if (!AppendCanonicalJson(text, out)) return std::nullopt;
  return out;
}

}  // namespace godwit
